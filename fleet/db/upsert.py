"""Insert-or-update many rows in one statement per batch, on every backend.

SQLite and PostgreSQL: ``INSERT ... ON CONFLICT (key) DO UPDATE``; MySQL
and MariaDB: ``INSERT ... ON DUPLICATE KEY UPDATE``. Rows must share keys
and must not repeat a key (one statement may not update a row twice).
"""


def _statement(dialect, table, keys, update):
    if dialect == 'sqlite':
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == 'postgresql':
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


def upsert_many(conn, table, rows, keys, update, batch_size):
    """Write ``rows`` (dicts) into ``table``, updating ``update`` columns
    of rows whose ``keys`` exist already.

    :param conn: a SQLAlchemy Connection inside the caller's transaction.
    :param batch_size: rows per statement (``[database] batch_size``).
    """
    if not rows:
        return
    stmt = _statement(conn.dialect.name, table, keys, update)
    for i in range(0, len(rows), batch_size):
        conn.execute(stmt, rows[i:i + batch_size])
