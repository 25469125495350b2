"""Engines and sessions for the fleet database, with schema migration.

Opening a database checks the Alembic revision with one plain query; only
when it is behind (and ``[database] auto_migrate`` is on) is Alembic imported
and run.
"""

import os
import threading

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm

# The revision this code needs; fleet/db/migrations/versions holds it.
HEAD_REVISION = '0001'

_ENGINES = {}
_LOCK = threading.Lock()


def default_url(state_dir):
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    return 'sqlite:///%s' % os.path.join(state_dir, 'fleet.sqlite')


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute('PRAGMA foreign_keys=ON')
    cur.execute('PRAGMA journal_mode=WAL')
    cur.execute('PRAGMA synchronous=NORMAL')
    cur.execute('PRAGMA busy_timeout=30000')
    cur.close()


def get_engine(url):
    """Return a process-wide engine for ``url`` (created once)."""
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            kwargs = {'future': True}
            if url.startswith('sqlite'):
                engine = sa.create_engine(url, **kwargs)
                event.listen(engine, 'connect', _sqlite_pragmas)
            else:
                if url.startswith('postgresql+psycopg2'):
                    # Bulk UPDATEs (sync) in pages, not a round trip a row.
                    kwargs['executemany_mode'] = 'values_plus_batch'
                engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
            _ENGINES[url] = engine
    return engine


def dispose_all():
    with _LOCK:
        for engine in _ENGINES.values():
            engine.dispose()
        _ENGINES.clear()


def current_revision(engine):
    """The database's Alembic revision, or None for an empty database."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table('alembic_version'):
            return None
        return conn.execute(
            sa.text('SELECT version_num FROM alembic_version')).scalar()


def _alembic_config(engine):
    from alembic import config as alembic_config

    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', os.path.join(
        os.path.dirname(__file__), 'migrations'))
    cfg.attributes['engine'] = engine
    return cfg


def upgrade(engine, revision='head'):
    """Run Alembic migrations up to ``revision``."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def ensure_schema(engine, auto_migrate=True):
    """Make sure the schema is at HEAD_REVISION; migrate if allowed.

    :raises fleet.common.exception.SchemaOutOfDate: if the schema is behind
        and auto_migrate is off.
    """
    rev = current_revision(engine)
    if rev == HEAD_REVISION:
        return
    if not auto_migrate:
        from fleet.common import exception
        raise exception.SchemaOutOfDate(found=rev or 'empty',
                                        wanted=HEAD_REVISION)
    upgrade(engine)


def session_factory(engine):
    return orm.sessionmaker(bind=engine, expire_on_commit=False,
                            future=True)
