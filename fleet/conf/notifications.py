"""[notifications] options."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('notifications', title='Notifications')

opts = [
    enabled.plugin_list('enabled_notifiers', 'fleet.notifiers',
                        'publish events, e.g. log, webhook, messaging'),
    cfg.IntOpt('queue_size', default=10000, min=1,
               help='Events waiting for each notifier at most. Publishing '
                    'never waits: an event that finds the queue full is '
                    'dropped, logged and counted '
                    '(fleet_notifications_dropped_total).'),
    cfg.IntOpt('max_retries', default=5, min=0,
               help='How many times a notifier retries an event its target '
                    'did not take, before the event is dropped (logged and '
                    'counted).'),
    cfg.FloatOpt('retry_interval', default=1.0, min=0,
                 help='Seconds before the first retry; each later retry '
                      'waits twice as long, up to retry_max_interval.'),
    cfg.FloatOpt('retry_max_interval', default=30.0, min=0,
                 help='The longest wait between two retries, in seconds.'),
    cfg.FloatOpt('flush_timeout', default=5.0, min=0,
                 help='Seconds a process that ends (a CLI command) waits for '
                      'its queued events to be delivered; what is still '
                      'queued then is dropped, logged and counted.'),
]
