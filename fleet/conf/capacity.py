"""[capacity] options: the spare-capacity report (``capacity report``)."""

from oslo_config import cfg

group = cfg.OptGroup('capacity', title='Spare capacity report')

opts = [
    cfg.StrOpt('cloud',
               help='The clouds.yaml cloud that fleet-api reads for GET '
                    '/v1/capacity. Default: openstacksdk\'s environment '
                    '(OS_CLOUD, OS_* variables). The CLI uses --os-cloud '
                    'instead.'),
    cfg.StrOpt('idle_instance_after', default='7d',
               help='An instance counts as idle once its status has been '
                    'one of idle_instance_statuses for this long, judged by '
                    'Nova\'s updated_at of the server (any later change of '
                    'the server restarts the clock). A number of seconds or '
                    'a duration such as 90m, 12h, 7d, 2w, 1d12h; 0 reports '
                    'every instance in such a status.'),
    cfg.ListOpt('idle_instance_statuses',
                default=['SHUTOFF', 'PAUSED', 'SUSPENDED', 'SHELVED',
                         'SHELVED_OFFLOADED'],
                help='Nova server statuses that hold capacity without '
                     'running a workload. A running but CPU-idle instance '
                     'is not detected: that needs telemetry of the guest.'),
    cfg.StrOpt('volume_available_after', default='7d',
               help='A volume counts as unused once it has been '
                    '"available" (attached to nothing) for this long, judged '
                    'by Cinder\'s updated_at of the volume. Same format as '
                    'idle_instance_after.'),
    cfg.FloatOpt('timeout', default=30.0, min=0.1,
                 help='Seconds to wait for an answer to each request to '
                      'Nova, Placement, Neutron or Cinder; a service that '
                      'does not answer in time is reported unavailable and '
                      'the other sections are still reported.'),
    cfg.IntOpt('workers', default=8, min=1, max=64,
               help='Placement has no bulk read of inventories and usages: '
                    'this many resource providers are read at once (two '
                    'requests each).'),
]
