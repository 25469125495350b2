"""[remediation] options."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('remediation', title='Remediation')

opts = [
    enabled.plugin_list('enabled_executors', 'fleet.executors',
                        'may carry out remediations, e.g. mistral'),
]
