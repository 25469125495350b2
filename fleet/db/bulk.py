"""Bulk writes in batches: Core statements, no ORM bookkeeping.

Every helper takes the session of the caller's transaction and a batch size
(``[database] batch_size``): rows go to the database ``batch_size`` at a
time, one executemany or one ``IN (...)`` statement per batch, never one
statement per row.

Inserts and upserts compile their statement once and hand the rows to the
driver's ``executemany`` with the columns' bind processors applied by hand,
so a million rows do not pay SQLAlchemy's per-row parameter processing. On
PostgreSQL (psycopg2) plain inserts go through SQLAlchemy, whose
``executemany_mode`` already pages them into multi-row ``VALUES``; upserts
use ``execute_values``. Upserts: ``ON CONFLICT DO UPDATE`` on SQLite and
PostgreSQL, ``ON DUPLICATE KEY UPDATE`` on MySQL/MariaDB; rows must not
repeat a key.
"""

import collections
import re

import sqlalchemy as sa

#: Compiled statements of :func:`_executemany` by cache key.
_COMPILED = {}
_VALUES = re.compile(r'VALUES \((?:%\(\w+\)s(?:, )?)+\)')


def batches(items, batch_size):
    """Consecutive slices of ``items`` (a list), ``batch_size`` long."""
    for i in range(0, len(items), batch_size):
        yield items[i:i + batch_size]


def insert_many(session, model, rows, batch_size):
    """INSERT ``rows`` (dicts with the same keys) into ``model``'s table."""
    if not rows:
        return
    conn = session.connection()
    table = model.__table__
    if conn.dialect.driver == 'psycopg2':
        for batch in batches(rows, batch_size):
            conn.execute(table.insert(), batch)
        return
    _executemany(conn, table.insert(), table, rows, batch_size,
                 cache_key=('insert_many', table.name))


def upsert_many(session, model, rows, keys, update, batch_size):
    """Insert ``rows``, updating the ``update`` columns of rows whose
    ``keys`` exist already."""
    if rows:
        conn = session.connection()
        table = model.__table__
        _executemany(conn, _upsert_statement(conn.dialect.name, table, keys,
                                             update), table, rows, batch_size)


def update_many(session, model, rows, batch_size):
    """UPDATE rows by id: each dict has ``_id`` and the columns to set.

    Rows that set the same columns share one executemany statement.
    """
    if not rows:
        return
    table = model.__table__
    groups = collections.defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    conn = session.connection()
    for keys, items in groups.items():
        if conn.dialect.driver != 'psycopg2' and not any(
                c.onupdate is not None for c in table.c):
            # SET col = ? for every key but _id: compiled once, straight
            # to the driver's executemany (tables without onupdate
            # defaults, which SQLAlchemy's own path fills in).
            _executemany(conn, table.update().where(
                table.c.id == sa.bindparam('_id')), table, items,
                batch_size, cache_key=('update_many', table.name))
            continue
        stmt = table.update().where(
            table.c.id == sa.bindparam('_id')).values(
                {k: sa.bindparam(k) for k in keys if k != '_id'})
        for batch in batches(items, batch_size):
            conn.execute(stmt, batch)


def update_ids(session, model, ids, values, batch_size):
    """Set the same ``values`` on every row whose id is in ``ids``."""
    ids = sorted(ids)
    if not ids:
        return
    table = model.__table__
    conn = session.connection()
    for batch in batches(ids, batch_size):
        conn.execute(table.update().where(table.c.id.in_(batch)).values(
            values))


def delete_keys(session, model, columns, keys, batch_size):
    """DELETE the rows whose ``columns`` equal one of the ``keys`` tuples.

    :param columns: column names, e.g. ``('device_id', 'label')``.
    :param keys: tuples of values in the order of ``columns``.
    """
    keys = list(keys)
    if not keys:
        return
    table = model.__table__
    cols = [table.c[name] for name in columns]
    target = cols[0] if len(cols) == 1 else sa.tuple_(*cols)
    if len(cols) == 1:
        keys = [k[0] for k in keys]
    conn = session.connection()
    for batch in batches(keys, batch_size):
        conn.execute(table.delete().where(target.in_(batch)))


def _upsert_statement(dialect_name, table, keys, update):
    """The dialect's INSERT ... ON CONFLICT/DUPLICATE KEY UPDATE."""
    if dialect_name == 'sqlite':
        from sqlalchemy.dialects.sqlite import insert
    elif dialect_name == 'postgresql':
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.mysql import insert
        stmt = insert(table)
        return stmt.on_duplicate_key_update(
            {c: stmt.inserted[c] for c in update})
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: stmt.excluded[c] for c in update})


def _executemany(conn, stmt, table, rows, batch_size, cache_key=None):
    """Run ``stmt`` (an INSERT or UPDATE of ``table``) for ``rows`` (dicts).

    :param conn: a SQLAlchemy Connection inside the caller's transaction.
    :param batch_size: rows per driver call (``[database] batch_size``).
    :param cache_key: names the statement (with the rows' keys) so that it
        is compiled once per process, not once per call.
    """
    if not rows:
        return
    dialect = conn.dialect
    key = None if cache_key is None else (cache_key, dialect.name,
                                          dialect.driver, tuple(rows[0]))
    if key in _COMPILED:
        sql, names, processors, positional = _COMPILED[key]
    else:
        compiled = stmt.compile(dialect=dialect,
                                column_keys=list(rows[0]))
        sql = str(compiled)
        positional = compiled.positional
        names = list(compiled.positiontup) if positional else \
            list(rows[0])
        processors = {}
        for name in names:
            column = table.c.get(name)
            proc = None if column is None else \
                column.type._cached_bind_processor(dialect)
            if proc is not None:
                processors[name] = proc
        if key is not None:
            _COMPILED[key] = (sql, names, processors, positional)
    memo = {}

    def processed(name, value):
        key = (name, value)
        if key not in memo:
            memo[key] = processors[name](value)
        return memo[key]

    if processors:
        rows = [{k: (processed(k, v) if k in processors and v is not None
                     else v) for k, v in row.items()} for row in rows]
    if dialect.driver == 'psycopg2':
        _execute_values(conn, sql, names, rows, batch_size)
        return
    if positional:
        params = [tuple(row[n] for n in names) for row in rows]
    else:
        params = rows
    for i in range(0, len(params), batch_size):
        conn.exec_driver_sql(sql, params[i:i + batch_size])


def _execute_values(conn, sql, names, rows, batch_size):
    """psycopg2: ``INSERT ... VALUES %s ...`` with pages of tuples."""
    from psycopg2 import extras

    template = _VALUES.sub('VALUES %s', sql, count=1)
    params = [tuple(row[n] for n in names) for row in rows]
    cursor = conn.connection.driver_connection.cursor()
    try:
        extras.execute_values(cursor, template, params, page_size=batch_size)
    finally:
        cursor.close()
