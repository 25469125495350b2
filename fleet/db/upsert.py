"""Write many rows fast: insert-or-update and plain inserts, every backend.

SQLite and PostgreSQL: ``INSERT ... ON CONFLICT (key) DO UPDATE``; MySQL
and MariaDB: ``INSERT ... ON DUPLICATE KEY UPDATE``. Rows must share keys
and must not repeat a key (one statement may not update a row twice).

The statement is compiled once and the rows go to the driver's
``executemany`` in batches, with the columns' bind processors applied by
hand (e.g. SQLite's datetime text), so that a million rows do not pay
SQLAlchemy's per-row parameter processing.
On PostgreSQL (psycopg2) the rows go through ``execute_values``: one
multi-row ``VALUES`` per batch instead of a round trip per row.
"""

import re

_VALUES = re.compile(r'VALUES \((?:%\(\w+\)s(?:, )?)+\)')


def upsert_statement(dialect_name, table, keys, update):
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


def executemany(conn, stmt, table, rows, batch_size):
    """Run ``stmt`` (an INSERT of ``table``) for ``rows`` (dicts).

    :param conn: a SQLAlchemy Connection inside the caller's transaction.
    :param batch_size: rows per driver call (``[database] batch_size``).
    """
    if not rows:
        return
    dialect = conn.dialect
    compiled = stmt.compile(dialect=dialect,
                            column_keys=list(rows[0]))
    sql = str(compiled)
    names = list(compiled.positiontup) if compiled.positional else \
        list(rows[0])
    processors = {}
    for name in names:
        column = table.c.get(name)
        proc = None if column is None else \
            column.type._cached_bind_processor(dialect)
        if proc is not None:
            processors[name] = proc
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
    if compiled.positional:
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


def upsert_many(conn, table, rows, keys, update, batch_size):
    """Insert ``rows``, updating ``update`` columns where ``keys`` exist."""
    if rows:
        executemany(conn, upsert_statement(conn.dialect.name, table, keys,
                                           update), table, rows, batch_size)


def insert_many(conn, table, rows, batch_size):
    """Plain INSERT of ``rows`` (dicts sharing keys)."""
    if rows:
        executemany(conn, table.insert(), table, rows, batch_size)
