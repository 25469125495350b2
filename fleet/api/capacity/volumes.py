"""Volumes attached to nothing: the ``volume`` rows.

A volume is unused when its status is ``available`` (no attachment) and
its ``updated_at`` is at least ``[capacity] volume_available_after`` ago.
Cinder sets ``updated_at`` when the volume was detached or created (and on
any later change of the volume, e.g. a rename or new metadata). In-use,
reserved, attaching, error and other states are not reported.
"""

from fleet.api.capacity import rows
from fleet.api.capacity import thresholds


def available(volumes, after, now):
    """``volume`` rows of the volumes available longer than ``after``."""
    out = []
    for vol in volumes:
        if vol.status != 'available' or vol.attachments:
            continue
        since, age = rows.changed(vol, now)
        if age is None or age < after:
            continue
        out.append(rows.row(
            'volume', vol.id, vol.name or None, vol.project_id,
            where='zone %s' % vol.availability_zone
            if vol.availability_zone else None,
            status=vol.status, since=since, age=age,
            detail='%d GB available for %s (threshold %s)' % (
                vol.size or 0, thresholds.describe(age),
                thresholds.describe(after))))
    out.sort(key=lambda r: (-(r['age'] or 0), r['id']))
    return out
