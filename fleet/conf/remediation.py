"""[remediation] options: executors and the safety limits."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('remediation', title='Remediation')

opts = [
    enabled.plugin_list('enabled_executors', 'fleet.executors',
                        'may carry out remediations, e.g. mistral'),
    cfg.StrOpt('default_executor', default='mistral',
               help='Executor of a remediation that names none.'),
    cfg.IntOpt('max_devices_out', default=1, min=0,
               help='Blast radius: at most this many devices of one rack, '
                    'cell, region or role may be out of production at once '
                    '(being remediated, or left out by a remediation such '
                    'as a drain until they are returned to the pool). 0 '
                    'means no count limit.'),
    cfg.FloatOpt('max_percent_out', default=0.0, min=0.0, max=100.0,
                 help='Blast radius: at most this percentage of the devices '
                      'of one rack, cell, region or role may be out at '
                      'once (the new one included). 0 means no percentage '
                      'limit.'),
    cfg.ListOpt('blast_radius_scopes',
                default=['rack', 'cell', 'region', 'role'],
                help='Groups the blast-radius limits apply to, from rack, '
                     'cell, region and role.'),
    cfg.FloatOpt('wait_timeout', default=1800.0, min=1.0,
                 help='Seconds "remediation run" waits for an execution to '
                      'finish before it reports it still running.'),
    cfg.ListOpt('workbook_dirs', default=[],
                help='Directories of operators\' own workbooks (.yaml files), '
                     'beside the ones fleet ships; "fleet workbook sync" '
                     'pushes them and remediations may run their '
                     'workflows.'),
    cfg.IntOpt('approval_ttl', default=14400, min=60,
               help='Seconds a plan of an "approve" rule waits for '
                    '"remediation approve" before it expires, unless the '
                    'rule sets approval_ttl. An expired plan is refused; '
                    'the next "remediation resolve" plans again.'),
    cfg.IntOpt('trust_promote_after', default=5, min=1,
               help='Trust ladder: "policy stats" proposes "auto" for a '
                    'rule in "approve" mode whose last remediations '
                    'succeeded this many times in a row with no rejection '
                    'or failure (a proposal only: the mode changes when '
                    'an operator edits the policy).'),
    cfg.IntOpt('resolve_batch', default=5000, min=1,
               help='Findings "remediation resolve" decides per '
                    'transaction (under the blast-radius lock).'),
]
