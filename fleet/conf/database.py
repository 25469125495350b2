"""[database] options."""

from oslo_config import cfg

group = cfg.OptGroup('database', title='Inventory database')

opts = [
    cfg.StrOpt('connection',
               secret=True,
               sample_default='sqlite:///$state_dir/fleet.sqlite',
               help='SQLAlchemy URL of the fleet database. Unset means an '
                    'embedded SQLite file in state_dir. Production: '
                    'postgresql+psycopg2://user:pass@host/fleet or '
                    'mysql+pymysql://user:pass@host/fleet?charset=utf8mb4.'),
    cfg.BoolOpt('auto_migrate',
                default=True,
                help='Upgrade the database schema to the version this code '
                     'needs when it is opened. Turn off in production and '
                     'run "fleet-manage db upgrade" as a deliberate step.'),
    cfg.IntOpt('batch_size',
               default=2000, min=1,
               help='Rows written or read per statement in bulk operations '
                    '(asset loads, syncs, exports).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
