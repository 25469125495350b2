"""[alerts] options: alert intake, device linking and repeat thresholds."""

from oslo_config import cfg

group = cfg.OptGroup('alerts', title='Alerts')

opts = [
    cfg.ListOpt('device_labels',
                default=['host', 'instance', 'node', 'nodename', 'hostname',
                         'bmc_address', 'device'],
                help='Alert labels that name the device an alert is about, '
                     'tried in this order. A value is matched against '
                     'device names, UUIDs, management addresses and BMC '
                     'addresses (the device variable bmc.address); '
                     '"instance" values such as host:9100 lose their port. '
                     'An alert whose labels name no known device is kept '
                     'and flagged device_unknown.'),
    cfg.StrOpt('rules_file',
               help='YAML file of alert rules (repeat thresholds and '
                    'flapping limits per alert name or label matchers); '
                    'see the alerts guide. Without it every alert uses '
                    'the defaults below.'),
    cfg.IntOpt('repeat_threshold', default=1, min=1,
               help='Occurrences of an alert within repeat_window before '
                    'it is actionable (automation may act on it). 1 acts '
                    'on the first occurrence.'),
    cfg.IntOpt('repeat_window', default=3600, min=1,
               help='Seconds over which occurrences count towards '
                    'repeat_threshold.'),
    cfg.IntOpt('flap_threshold', default=3, min=1,
               help='An alert that fires again after it resolved more '
                    'than this many times within flap_window is marked '
                    'flapping: no longer actionable, it needs a human '
                    '(alert ack clears it).'),
    cfg.IntOpt('flap_window', default=3600, min=1,
               help='Seconds over which returns count towards '
                    'flap_threshold.'),
    cfg.IntOpt('max_alerts_per_post', default=1000, min=1,
               help='Most alerts one intake post may carry; a longer post '
                    'is refused whole (HTTP 413).'),
]
