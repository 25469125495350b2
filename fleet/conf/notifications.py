"""[notifications] options."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('notifications', title='Notifications')

opts = [
    enabled.plugin_list('enabled_notifiers', 'fleet.notifiers',
                        'publish events, e.g. log, webhook, messaging'),
]
