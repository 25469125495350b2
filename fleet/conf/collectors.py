"""[collectors] options."""

from oslo_config import cfg

group = cfg.OptGroup('collectors', title='Collectors')

opts = [
    cfg.ListOpt('enabled_collectors',
                default=[],
                help=('Collector plugins (fleet.collectors entry points) that '
                      'may be used, e.g. ipmi, nova, prometheus. Plugins not '
                      'listed are never imported.')),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
