"""[inventory] options."""

from oslo_config import cfg

group = cfg.OptGroup('inventory', title='Inventory and its sources')

opts = [
    cfg.ListOpt('enabled_sources',
                default=['static', 'ironic', 'nova'],
                help='Inventory source plugins (fleet.inventory_sources '
                     'entry points) that may be used. Plugins not listed '
                     'are never imported.'),
    cfg.StrOpt('default_region',
               default='RegionOne',
               help='Region that synced devices are placed in when neither '
                    'the command line (--region) nor the cloud '
                    'configuration (region_name in clouds.yaml) names one.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
