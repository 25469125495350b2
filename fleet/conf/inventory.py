"""[inventory] options."""

from oslo_config import cfg

from fleet.conf import enabled

group = cfg.OptGroup('inventory', title='Inventory and its sources')

opts = [
    enabled.plugin_list('enabled_sources', 'fleet.inventory_sources',
                        'may be used', default=('static', 'ironic', 'nova')),
    cfg.StrOpt('default_region',
               default='RegionOne',
               help='Region that synced devices are placed in when neither '
                    'the command line (--region) nor the cloud '
                    'configuration (region_name in clouds.yaml) names one.'),
]
