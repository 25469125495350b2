"""[collectors] options."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('collectors', title='Collectors')

opts = [
    enabled.plugin_list('enabled_collectors', 'fleet.collectors',
                        'may be used, e.g. ipmi, nova, prometheus'),
]
