"""Sync owners that change name: devices move to their source's new owner.

A source may name the owner it used before (``Snapshot.legacy_owners``):
the static source owned devices by the asset file's base name
(``static:assets.yaml``) before it owned them by the file's full path, so two
sites' ``assets.yaml`` flagged each other's devices missing. On the next
sync the devices the snapshot lists that still carry a legacy owner are
adopted by the new one (recorded in the change log); a legacy-owned device
the snapshot does not list is left alone, so it is never flagged missing by
a file that did not create it.
"""

import sqlalchemy as sa

from fleet.db import models


def adopt_legacy(txn, snapshot, owner, batch):
    """Give ``owner`` the listed devices that carry a legacy owner.

    :returns: the number of devices adopted.
    """
    legacy = [x for x in getattr(snapshot, 'legacy_owners', None) or ()
              if x != owner]
    if not legacy:
        return 0
    listed = {rec.name for rec in snapshot.devices}
    d = models.Device
    rows = [r for r in txn.session.execute(sa.select(
        d.id, d.name, d.source).where(d.source.in_(legacy)))
        if r.name in listed]
    ids = [r.id for r in rows]
    conn = txn.session.connection()
    for i in range(0, len(ids), batch):
        conn.execute(d.__table__.update().where(
            d.__table__.c.id.in_(ids[i:i + batch])).values(
                source=owner, updated_at=txn.now))
    for row in rows:
        txn.record('update', 'device', row.id, row.name, field='source',
                   old=row.source, new=owner)
    return len(rows)
