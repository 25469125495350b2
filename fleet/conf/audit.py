"""[audit] options."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('audit', title='Audits')

opts = [
    enabled.plugin_list('enabled_auditors', 'fleet.auditors',
                        'policy rules may name'),
]
