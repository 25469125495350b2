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
    cfg.IntOpt('connect_timeout',
               default=30, min=1,
               help='Seconds to wait for the database when connecting: for '
                    'PostgreSQL and MySQL/MariaDB until the server has '
                    'answered the connection (libpq and PyMySQL '
                    'connect_timeout), for SQLite how long to wait for a '
                    'lock another process holds on the file.'),
    cfg.IntOpt('read_timeout',
               default=300, min=1,
               help='MySQL/MariaDB only: seconds to wait for the server to '
                    'answer one statement or to take what is sent to it '
                    '(PyMySQL read and write timeouts), so a server that '
                    'stops answering mid-session cannot hang a command.'),
    cfg.IntOpt('batch_size',
               default=2000, min=1,
               help='Rows written or read per statement in bulk operations '
                    '(asset loads, syncs, exports).'),
    cfg.FloatOpt('lock_timeout',
                 default=60.0, min=0.1,
                 help='Seconds a writer waits for another one that holds '
                      'the lock it needs (a sync waits for another sync, '
                      '"var set" for a write to the same object) before it '
                      'gives up with an error and writes nothing. On '
                      'MySQL/MariaDB keep it below read_timeout.'),
]
