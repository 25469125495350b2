"""The blast-radius limit: how many devices of a group may be out at once.

A device is *out* while a remediation of it holds a slot (see
:class:`fleet.db.models.Remediation`). Before a remediation starts,
:func:`check` counts, for each group the device belongs to (its rack,
cell, region and role, as ``[remediation] blast_radius_scopes`` lists),
the devices already out, and refuses when one more would exceed
``max_devices_out`` or ``max_percent_out`` of the group. The caller holds
the ``remediation`` writer lock (:mod:`fleet.db.locks`) from this count
until its new slot is committed, so two resolvers never both take the
last slot.
"""

import math

import sqlalchemy as sa

from fleet.common import exception
from fleet.db import models

#: The lock every slot taker holds until its transaction ends.
LOCK = 'remediation'
SCOPES = {'rack': 'rack_id', 'cell': 'cell_id', 'region': 'region_id',
          'role': 'role'}
_NAMES = {'rack': models.Rack, 'cell': models.Cell, 'region': models.Region}


class BlastRadius(exception.Conflict):
    """One more device out would exceed a blast-radius limit."""

    code = 'blast_radius'


def holds_slot(session, device_id):
    return session.scalar(sa.select(models.Remediation.id).where(
        models.Remediation.device_id == device_id,
        models.Remediation.holds_slot.is_(True)).limit(1)) is not None


def check(session, options, dev):
    """Raise :class:`BlastRadius` if ``dev`` may not go out now.

    :param options: the ``[remediation]`` group.
    :param dev: the Device row. A device that already holds a slot is
        out already: it may be remediated again.
    """
    max_n, max_pct = options.max_devices_out, options.max_percent_out
    if not (max_n or max_pct) or holds_slot(session, dev.id):
        return
    d, r = models.Device, models.Remediation
    for scope in options.blast_radius_scopes:
        column = SCOPES.get(scope)
        if column is None:
            raise exception.Invalid(
                'blast_radius_scopes', 'unknown scope %r' % scope,
                'use rack, cell, region or role in [remediation]')
        value = getattr(dev, column)
        if value is None:
            continue
        group = getattr(d, column) == value
        total = session.scalar(sa.select(sa.func.count()).where(group))
        out = session.execute(
            sa.select(d.name).distinct().join(r, r.device_id == d.id)
            .where(group, r.holds_slot.is_(True)).order_by(d.name)
        ).scalars().all()
        allowed = [max_n] if max_n else []
        if max_pct:
            # The new device counts: at least one device may always go out
            # of a group whose percentage allows less than one.
            allowed.append(max(1, math.floor(total * max_pct / 100.0)))
        limit = min(allowed)
        if len(out) + 1 > limit:
            name = value if scope == 'role' else \
                session.get(_NAMES[scope], value).name
            raise BlastRadius(
                'blast radius: %s %r has %d of %d devices out (%s); one more '
                'would exceed [remediation] %s. Wait for them to return to '
                'the pool or raise the limit.' % (
                    scope, name, len(out), total, ', '.join(out),
                    'max_devices_out = %d' % max_n if limit == max_n else
                    'max_percent_out = %g' % max_pct),
                field='device', value=dev.name)
