"""Bulk writes in batches: Core statements, no ORM bookkeeping.

Every helper takes the session of the caller's transaction and a batch size
(``[database] batch_size``): rows go to the database ``batch_size`` at a
time, one executemany or one ``IN (...)`` statement per batch, never one
statement per row.
"""

import collections

import sqlalchemy as sa


def batches(items, batch_size):
    """Consecutive slices of ``items`` (a list), ``batch_size`` long."""
    for i in range(0, len(items), batch_size):
        yield items[i:i + batch_size]


def insert_many(session, model, rows, batch_size):
    """INSERT ``rows`` (dicts with the same keys) into ``model``'s table."""
    if not rows:
        return
    conn = session.connection()
    insert = model.__table__.insert()
    for batch in batches(rows, batch_size):
        conn.execute(insert, batch)


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
