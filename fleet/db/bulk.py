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
#: Whether a table has a column with an onupdate default, by table.
_ONUPDATE = {}
_VALUES = re.compile(r'VALUES \((?:%\(\w+\)s(?:, )?)+\)')


def batches(items, batch_size):
    """Consecutive slices of ``items`` (a list), ``batch_size`` long."""
    for i in range(0, len(items), batch_size):
        yield items[i:i + batch_size]


def insert_many(session, model, rows, batch_size, copy=False):
    """INSERT ``rows`` (dicts with the same keys) into ``model``'s table.

    :param copy: on PostgreSQL (psycopg2), write many rows with ``COPY
        FROM STDIN`` (about 2.5 times faster than multi-row ``VALUES``);
        only when the rows give every column that has a Python-side
        default (COPY applies server defaults only).
    """
    if not rows:
        return
    conn = session.connection()
    table = model.__table__
    if copy and conn.dialect.driver == 'psycopg2' and \
            len(rows) >= COPY_MIN and _copyable(table, rows[0]):
        _copy(conn, table, rows)
        return
    if conn.dialect.driver == 'psycopg2':
        for batch in batches(rows, batch_size):
            conn.execute(table.insert(), batch)
        return
    _executemany(conn, table.insert, table, rows, batch_size,
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
        if conn.dialect.driver != 'psycopg2' and not _has_onupdate(table):
            # SET col = ? for every key but _id: compiled once, straight
            # to the driver's executemany (tables without onupdate
            # defaults, which SQLAlchemy's own path fills in).
            _executemany(conn, lambda: table.update().where(
                table.c.id == sa.bindparam('_id')), table, items,
                batch_size, cache_key=('update_many', table.name))
            continue
        stmt = table.update().where(
            table.c.id == sa.bindparam('_id')).values(
                {k: sa.bindparam(k) for k in keys if k != '_id'})
        for batch in batches(items, batch_size):
            conn.execute(stmt, batch)


def _has_onupdate(table):
    found = _ONUPDATE.get(table)
    if found is None:
        found = _ONUPDATE[table] = any(c.onupdate is not None
                                       for c in table.c)
    return found


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
    """Run ``stmt`` (an INSERT or UPDATE of ``table``, or a callable that
    returns one: built only when not compiled yet) for ``rows`` (dicts).

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
        if callable(stmt):
            stmt = stmt()
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


#: Fewer rows than this go through INSERT even with ``copy=True``.
COPY_MIN = 500
#: Stands for NULL in the CSV text until it is unquoted (no text column of
#: PostgreSQL can hold a NUL character).
_NULL = '\x00NULL\x00'


def _copyable(table, row):
    for column in table.c:
        if column.name not in row and column.default is not None and \
                not column.primary_key:
            return False
    return all(name in table.c for name in row)


def _copy(conn, table, rows):
    """psycopg2: ``COPY table (columns) FROM STDIN`` in CSV, every value
    quoted, NULL as an unquoted empty field."""
    import csv
    import io

    dialect = conn.dialect
    names = list(rows[0])
    processors = [table.c[n].type._cached_bind_processor(dialect)
                  for n in names]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator='\n')
    null = _NULL
    if any(processors):
        def value(proc, v):
            if v is None:
                return null
            return proc(v) if proc is not None else v
        writer.writerows([[value(p, v) for p, v in zip(
            processors, (row[n] for n in names))] for row in rows])
    else:
        writer.writerows([[null if v is None else v
                           for v in (row[n] for n in names)]
                          for row in rows])
    text = buf.getvalue().replace('"%s"' % null, '')
    preparer = dialect.identifier_preparer
    sql = 'COPY %s (%s) FROM STDIN WITH (FORMAT csv)' % (
        preparer.format_table(table),
        ', '.join(preparer.quote(n) for n in names))
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.copy_expert(sql, io.StringIO(text))
    finally:
        cursor.close()


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
