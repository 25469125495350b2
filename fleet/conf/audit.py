"""[audit] options."""

from oslo_config import cfg

group = cfg.OptGroup('audit', title='Audits')

opts = [
    cfg.ListOpt('enabled_auditors',
                default=[],
                help=('Auditor plugins (fleet.auditors entry points) that '
                      'policy rules may name. Plugins not listed are never '
                      'imported.')),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
