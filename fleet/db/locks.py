"""Named writer locks held until the end of a transaction.

Writers that read rows, compare them and write the difference (a sync, ``var
set``) take a lock first, so that a concurrent writer of the same data waits
and then reads what the first one committed: the change log records each
change once, with the value it really replaced.

One function, one meaning on every backend:

- PostgreSQL: ``pg_advisory_xact_lock`` on a 64-bit hash of the name
  (advisory locks are per database and end with the transaction); a
  transaction-local ``lock_timeout`` bounds this wait and every later lock
  wait of the writer (rows another writer holds).
- MariaDB/MySQL: ``GET_LOCK`` on the database and lock name (named locks
  are server-wide and belong to the connection); released when the
  connection goes back to the pool, after the commit or rollback. Row-lock
  waits are bounded by ``innodb_lock_wait_timeout``, set alike.
- SQLite: ``BEGIN IMMEDIATE``, the database's single writer lock (every
  name is the same lock there), waiting at most the timeout.

Take the lock before reading what the writer compares: on MariaDB a
transaction's snapshot starts with its first read, so the first reads of a
sync come after the lock. Writers that must read first (to find the object
a lock is named after) read the rows they compare with ``FOR UPDATE``.
"""

import hashlib
import math

import sqlalchemy as sa
from sqlalchemy import event

from fleet.common import exception

#: The lock every sync takes: syncs of any owner share hierarchy levels and
#: devices (another source fills empty attributes, adds observations).
SYNC = 'sync'
#: The lock of the writers of findings: audits, and (before the
#: ``remediation`` lock, see :func:`fleet.api.blast.lock`) the resolver,
#: approvals and remediation starts.
FINDINGS = 'audit'
#: The lock of schema migrations: two first commands on a new database
#: must not both create the tables.
SCHEMA = 'schema'
_MYSQL_NAME_MAX = 64


def scope_lock(scope, scope_id):
    """Lock name for the variables of one object (``var set/unset``)."""
    return 'vars:%s:%s' % (scope, scope_id)


def acquire(session, name, timeout):
    """Hold lock ``name`` until the session's transaction ends.

    :param session: a SQLAlchemy Session inside its write transaction, or
        a Connection inside one (migrations).
    :param timeout: seconds to wait for another holder.
    :raises fleet.common.exception.LockTimeout: still held by another
        writer after ``timeout`` seconds.
    """
    conn = session if isinstance(session, sa.engine.Connection) else \
        session.connection()
    dialect = conn.dialect.name
    if dialect == 'sqlite':
        _sqlite(conn, name, timeout)
    elif dialect == 'postgresql':
        _postgresql(conn, name, timeout)
    elif dialect in ('mysql', 'mariadb'):
        _mysql(conn, name, timeout)
    else:  # pragma: no cover - fleet supports the three above
        raise NotImplementedError('no writer lock on %s' % dialect)


# Driver error codes of a lock wait timeout (other database errors are
# translated by fleet.db.errors around every transaction).
_LOCK_WAIT = {'55P03', 1205}


def _code(exc):
    orig = getattr(exc, 'orig', None)
    code = getattr(orig, 'pgcode', None)
    if code is None and getattr(orig, 'args', None):
        code = orig.args[0]
    return code


def _timed_out(name, timeout):
    return exception.LockTimeout(name=name, timeout=timeout)


def _sqlite(conn, name, timeout):
    # Straight to the driver: three PRAGMAs and a BEGIN through SQLAlchemy
    # cost more than a small write transaction's statements.
    dbapi = conn.connection.dbapi_connection
    if dbapi.in_transaction:
        # A write already ran in this transaction: SQLite gave it the
        # database's write lock, which it keeps until the end.
        return
    busy = dbapi.execute('PRAGMA busy_timeout').fetchone()[0]
    dbapi.execute('PRAGMA busy_timeout = %d' % int(timeout * 1000))
    try:
        dbapi.execute('BEGIN IMMEDIATE')
    except conn.dialect.dbapi.OperationalError as exc:
        if 'locked' in str(exc) or 'busy' in str(exc):
            raise _timed_out(name, timeout) from None
        raise
    finally:
        dbapi.execute('PRAGMA busy_timeout = %d' % busy)


def _key(name):
    digest = hashlib.blake2b(name.encode('utf-8'), digest_size=8).digest()
    return int.from_bytes(digest, 'big', signed=True)


def _postgresql(conn, name, timeout):
    # Transaction-local: every later lock wait of this writer (rows another
    # writer holds) is bounded the same way.
    conn.execute(sa.text("SELECT set_config('lock_timeout', :t, true)"),
                 {'t': '%dms' % max(1, int(timeout * 1000))})
    try:
        conn.execute(sa.text('SELECT pg_advisory_xact_lock(:k)'),
                     {'k': _key(name)})
    except sa.exc.OperationalError as exc:
        if _code(exc) in _LOCK_WAIT:
            # The transaction is aborted; the caller's rollback ends it.
            raise _timed_out(name, timeout) from None
        raise


def _mysql(conn, name, timeout):
    database = conn.engine.url.database or ''
    full = 'fleet:%s:%s' % (database, name)
    if len(full) > _MYSQL_NAME_MAX:
        full = 'fleet:' + hashlib.blake2b(full.encode('utf-8'),
                                          digest_size=16).hexdigest()
    _release_on_checkin(conn.engine)
    # Row-lock waits of this writer bounded alike (whole seconds there).
    conn.exec_driver_sql('SET SESSION innodb_lock_wait_timeout = %d'
                         % max(1, math.ceil(timeout)))
    got = conn.execute(sa.text('SELECT GET_LOCK(:n, :t)'),
                       {'n': full, 't': timeout}).scalar()
    if got != 1:
        raise _timed_out(name, timeout)
    conn.connection.info.setdefault('fleet_locks', set()).add(full)


def _release_on_checkin(engine):
    """Release a connection's named locks when it returns to the pool."""
    if not event.contains(engine.pool, 'checkin', _checkin):
        event.listen(engine.pool, 'checkin', _checkin)


def _checkin(dbapi_connection, record):
    held = record.info.pop('fleet_locks', None)
    if not held or dbapi_connection is None:
        return
    cur = dbapi_connection.cursor()
    try:
        cur.execute('SELECT RELEASE_ALL_LOCKS()')
    finally:
        cur.close()
