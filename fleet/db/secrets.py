"""Rewrite every stored secret value in place (encryption, key rotation).

Core SQL on a lightweight table, so that migrations can use it whatever the
models become. Each row is updated only if it still holds the value read
(``WHERE id = :id AND value = :old``): a concurrent writer's new value is
never overwritten with an old one, on any backend.
"""

import sqlalchemy as sa

VARIABLES = sa.table('variables', sa.column('id', sa.Integer),
                     sa.column('value', sa.Text),
                     sa.column('secret', sa.Boolean))


def rewrite_secret_values(conn, transform, batch_size=500):
    """Replace each secret value ``v`` by ``transform(v)``; return count.

    :param conn: a SQLAlchemy connection inside a transaction.
    """
    v = VARIABLES
    rows = conn.execute(sa.select(v.c.id, v.c.value).where(
        v.c.secret == sa.true()).order_by(v.c.id)).all()
    stmt = v.update().where(v.c.id == sa.bindparam('_id'),
                            v.c.value == sa.bindparam('_old')).values(
        value=sa.bindparam('_new'))
    changed = 0
    for start in range(0, len(rows), batch_size):
        params = [{'_id': row.id, '_old': row.value,
                   '_new': transform(row.value)}
                  for row in rows[start:start + batch_size]]
        conn.execute(stmt, params)
        changed += len(params)
    return changed
