"""[telemetry] options: the readings store."""

from oslo_config import cfg

group = cfg.OptGroup('telemetry', title='Telemetry readings store')

opts = [
    cfg.IntOpt('history_max_age',
               default=7 * 24 * 3600, min=0,
               help='Seconds a reading is kept in the history. 0 keeps '
                    'no history (only the latest reading per device and '
                    'metric). Long history belongs to Prometheus, which '
                    'can scrape fleet.'),
    cfg.IntOpt('history_max_per_metric',
               default=1000, min=0,
               help='Most history entries kept per device and metric; '
                    'older ones are pruned after each collection.'),
]
