"""[notifications] options."""

from oslo_config import cfg

group = cfg.OptGroup('notifications', title='Notifications')

opts = [
    cfg.ListOpt('enabled_notifiers',
                default=[],
                help=('Notifier plugins (fleet.notifiers entry points) that '
                      'publish fleet events, e.g. log, webhook, messaging. '
                      'Plugins not listed are never imported.')),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
