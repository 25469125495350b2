"""Engines and sessions for the fleet database, with schema migration.

Opening a database checks the Alembic revision with one plain query; only
when it is behind (and ``[database] auto_migrate`` is on) is Alembic imported
and run.
"""

import functools
import os
import threading

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import orm

# The revision this code needs; fleet/db/migrations/versions holds it.
HEAD_REVISION = '0009'

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
    cur.close()


#: Defaults of ``[database] connect_timeout`` and ``read_timeout``.
CONNECT_TIMEOUT = 30
READ_TIMEOUT = 300


def get_engine(url, options=None):
    """Return a process-wide engine for ``url`` (created once).

    :param options: the ``[database]`` option group (``connect_timeout``,
        ``read_timeout``), or None for their defaults.
    """
    connect_timeout = getattr(options, 'connect_timeout', None) or \
        CONNECT_TIMEOUT
    read_timeout = getattr(options, 'read_timeout', None) or READ_TIMEOUT
    key = (url, connect_timeout, read_timeout)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = _create(url, connect_timeout, read_timeout)
            _ENGINES[key] = engine
    return engine


def _create(url, connect_timeout, read_timeout):
    kwargs = {'future': True}
    if url.startswith('sqlite'):
        # sqlite3's timeout is how long to wait for another writer's lock.
        engine = sa.create_engine(
            url, connect_args={'timeout': connect_timeout}, **kwargs)
        event.listen(engine, 'connect', _sqlite_pragmas)
    else:
        if url.startswith('postgresql'):
            kwargs['connect_args'] = {'connect_timeout': connect_timeout}
            if url.startswith('postgresql+psycopg2'):
                # Bulk UPDATEs (sync) in pages, not a round trip a row.
                kwargs['executemany_mode'] = 'values_plus_batch'
        elif url.startswith('mysql+pymysql'):
            # PyMySQL reads the server's greeting with its read timeout:
            # bound it by connect_timeout, then read_timeout per statement.
            kwargs['connect_args'] = {'connect_timeout': connect_timeout,
                                      'read_timeout': connect_timeout,
                                      'write_timeout': connect_timeout}
        engine = sa.create_engine(url, pool_pre_ping=True, **kwargs)
        if url.startswith('mysql+pymysql'):
            event.listen(engine, 'connect',
                         functools.partial(_pymysql_timeouts, read_timeout))
    event.listen(engine, 'handle_error', functools.partial(
        _unreachable, connect_timeout, read_timeout))
    return engine


def _pymysql_timeouts(read_timeout, dbapi_conn, _record):
    # PyMySQL applies these before every read and write.
    dbapi_conn._read_timeout = read_timeout
    dbapi_conn._write_timeout = read_timeout


def _unreachable(connect_timeout, read_timeout, context):
    """One DatabaseUnavailable line for a failure to connect or a timeout.

    Other errors (and pre-ping failures, which the pool handles by
    reconnecting) are left alone.
    """
    original = context.original_exception
    if context.is_pre_ping or not isinstance(original, Exception):
        return None
    low = str(original).lower()
    timed_out = 'timeout expired' in low or 'timed out' in low
    if context.connection is None:
        option, limit = 'connect_timeout', connect_timeout
    elif context.is_disconnect and timed_out:
        option, limit = 'read_timeout', read_timeout
    else:
        return None
    from fleet.common import exception

    url = context.engine.url.render_as_string(hide_password=True)
    if timed_out:
        reason = 'no answer within %d s ([database] %s)' % (limit, option)
    else:
        lines = str(original).strip().splitlines()
        reason = lines[0] if lines else type(original).__name__
    raise exception.DatabaseUnavailable(url=url, reason=reason)


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


def _alembic_config(engine, keyring=None):
    from alembic import config as alembic_config

    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', os.path.join(
        os.path.dirname(__file__), 'migrations'))
    cfg.attributes['engine'] = engine
    cfg.attributes['keyring'] = keyring
    return cfg


def upgrade(engine, revision='head', keyring=None):
    """Run Alembic migrations up to ``revision``.

    :param keyring: a :class:`fleet.common.crypto.Keyring` for migrations
        that encrypt secret values (default: ``[secrets] key_file``).
    """
    from alembic import command

    command.upgrade(_alembic_config(engine, keyring), revision)


def ensure_schema(engine, auto_migrate=True, keyring=None):
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
    upgrade(engine, keyring=keyring)


def session_factory(engine):
    return orm.sessionmaker(bind=engine, expire_on_commit=False,
                            future=True)
