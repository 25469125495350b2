"""[remediation] options."""

from oslo_config import cfg

group = cfg.OptGroup('remediation', title='Remediation')

opts = [
    cfg.ListOpt('enabled_executors',
                default=[],
                help=('Executor plugins (fleet.executors entry points) that '
                      'may carry out remediations, e.g. mistral. Plugins not '
                      'listed are never imported.')),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
