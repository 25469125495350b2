"""[audit] options."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('audit', title='Audits')

#: The built-in auditors, enabled unless the option says otherwise.
BUILT_IN = ('threshold', 'expected_state', 'ha', 'capacity', 'security')

opts = [
    enabled.plugin_list('enabled_auditors', 'fleet.auditors',
                        'policy rules may name', default=BUILT_IN),
    cfg.IntOpt('max_policy_size', default=1024 * 1024, min=1,
               help='Largest policy file (bytes) "policy validate" and '
                    '"policy load" accept; a larger file is refused.'),
]
