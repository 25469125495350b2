"""Test bases: a fresh fleet database per test, on SQLite or a real server.

``FLEET_TEST_DB`` picks the backend for :class:`FleetTestCase` (``sqlite``,
the default, ``postgresql`` or ``mysql``); the backend-specific classes in
``tests/unit/api/test_inventory_{sqlite,postgresql,mariadb}.py`` pin one
each. PostgreSQL and MariaDB are
the machine's own servers (trust auth / root with an empty password); each
test process uses its own database. When a server is unreachable the test is
skipped, unless ``FLEET_REQUIRE_DB=1`` (CI sets it) makes that a failure.
"""

import os
import tempfile
import uuid

import fixtures
import sqlalchemy as sa
import testtools

SERVER_URLS = {
    'postgresql': os.environ.get(
        'FLEET_TEST_PG_URL', 'postgresql+psycopg2://postgres@127.0.0.1/'),
    'mysql': os.environ.get(
        'FLEET_TEST_MYSQL_URL', 'mysql+pymysql://root@127.0.0.1/'),
}
_CREATED = {}


def _server_database(backend):
    """Create (once per process) a database on a real server; its URL."""
    if backend in _CREATED:
        return _CREATED[backend]
    base = SERVER_URLS[backend]
    name = 'fleet_test_%d_%s' % (os.getpid(), uuid.uuid4().hex[:6])
    admin = sa.create_engine(base + ('postgres' if backend == 'postgresql'
                                     else ''),
                             isolation_level='AUTOCOMMIT')
    with admin.connect() as conn:
        if backend == 'mysql':
            conn.execute(sa.text('CREATE DATABASE %s CHARACTER SET utf8mb4'
                                 % name))
        else:
            conn.execute(sa.text('CREATE DATABASE %s' % name))
    admin.dispose()
    url = base + name + ('?charset=utf8mb4' if backend == 'mysql' else '')
    _CREATED[backend] = url
    import atexit
    atexit.register(_drop_database, backend, name)
    return url


def _drop_database(backend, name):
    from fleet.db import engine as db_engine
    db_engine.dispose_all()
    base = SERVER_URLS[backend]
    admin = sa.create_engine(base + ('postgres' if backend == 'postgresql'
                                     else ''),
                             isolation_level='AUTOCOMMIT')
    try:
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
    except Exception:  # noqa: BLE001 - best effort clean-up at exit
        pass
    admin.dispose()


def _wipe(url):
    """Empty every fleet table (schema stays, so tests stay fast)."""
    from fleet.db import engine as db_engine
    from fleet.db import models
    engine = db_engine.get_engine(url)
    with engine.begin() as conn:
        conn.execute(models.Device.__table__.update().values(parent_id=None))
        for table in reversed(models.Base.metadata.sorted_tables):
            conn.execute(table.delete())


class FleetTestCase(testtools.TestCase):
    """A test with its own fleet database and configuration."""

    backend = None

    def setUp(self):
        super().setUp()
        from fleet import conf as fleet_conf
        self.useFixture(fixtures.NestedTempfile())
        self.state_dir = tempfile.mkdtemp()
        self.useFixture(fixtures.EnvironmentVariable(
            'XDG_STATE_HOME', self.state_dir))
        self.conf = fleet_conf.CONF
        self.conf([], project='fleet', default_config_files=[])
        self.addCleanup(self.conf.reset)
        backend = self.backend or os.environ.get('FLEET_TEST_DB', 'sqlite')
        if backend == 'sqlite':
            self.db_url = 'sqlite:///%s' % os.path.join(self.state_dir,
                                                        'fleet.sqlite')
        else:
            try:
                self.db_url = _server_database(backend)
            except Exception as exc:  # noqa: BLE001
                if os.environ.get('FLEET_REQUIRE_DB') == '1':
                    raise
                self.skipTest('%s not reachable: %s' % (backend, exc))
            from fleet.api import store  # noqa: F401 - schema first
            from fleet.db import engine as db_engine
            db_engine.ensure_schema(db_engine.get_engine(self.db_url))
            _wipe(self.db_url)
        from fleet.db import engine as db_engine
        self.addCleanup(db_engine.dispose_all)
        self.conf.set_override('connection', self.db_url, group='database')
        self.conf.set_override('actor', 'tester')
        from fleet.api import context
        #: The request context of the calls a test makes.
        self.ctx = context.RequestContext(actor='tester')
        # Secrets are encrypted with a key of the test's own.
        from fleet.common import crypto
        self.key_file = os.path.join(self.state_dir, 'secret.key')
        crypto.create_key_file(self.key_file)
        self.conf.set_override('key_file', self.key_file, group='secrets')

    def fleet(self):
        from fleet import api
        return api.connect(url=self.db_url, conf=self.conf)
