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
from fleet.db import locks
from fleet.db import models

#: The lock every slot taker holds until its transaction ends.
LOCK = 'remediation'


def lock(session, timeout):
    """Take the findings' lock, then :data:`LOCK`, for the transaction.

    Slot takers (the resolver, approvals, ``remediation run``) also move
    findings, which audits rewrite under
    :data:`fleet.db.locks.FINDINGS`: taking that lock first, in this one
    order everywhere, keeps an audit and a resolver from locking findings
    rows in opposite orders (a deadlock on MariaDB and PostgreSQL, seen
    in an alert storm of two reactions at once).
    """
    locks.acquire(session, locks.FINDINGS, timeout)
    locks.acquire(session, LOCK, timeout)
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


class Budget:
    """The blast radius of many decisions in one transaction, in memory.

    What :func:`check` counts per device, counted once for a whole batch:
    the devices of every group (``[remediation] blast_radius_scopes``) and
    those already out. :meth:`take` then says, device by device, whether
    one more may go out, and counts it out if so. The caller holds
    :data:`LOCK` from the construction until its slots are committed.
    """

    def __init__(self, session, options):
        self.options = options
        self.max_n = options.max_devices_out
        self.max_pct = options.max_percent_out
        self.scopes = []
        for scope in options.blast_radius_scopes:
            if scope not in SCOPES:
                raise exception.Invalid(
                    'blast_radius_scopes', 'unknown scope %r' % scope,
                    'use rack, cell, region or role in [remediation]')
            self.scopes.append(scope)
        self.session = session
        self.total = {}
        self.out = {}
        self.out_devices = set()
        self.names = {}
        d, r = models.Device, models.Remediation
        out_q = sa.select(d.id, d.name, d.rack_id, d.cell_id, d.region_id,
                          d.role).where(d.id.in_(
                              sa.select(r.device_id).where(
                                  r.holds_slot.is_(True))))
        for row in session.execute(out_q):
            self.out_devices.add(row.id)
            for scope in self.scopes:
                value = getattr(row, SCOPES[scope])
                if value is not None:
                    self.out.setdefault((scope, value), []).append(row.name)
        if not (self.max_n or self.max_pct):
            return
        for scope in self.scopes:
            column = getattr(d, SCOPES[scope])
            for value, count in session.execute(
                    sa.select(column, sa.func.count()).where(
                        column.isnot(None)).group_by(column)):
                self.total[(scope, value)] = count

    def _name(self, scope, value):
        if scope == 'role':
            return value
        if scope not in self.names:
            table = _NAMES[scope]
            with self.session.no_autoflush:
                self.names[scope] = dict(self.session.execute(
                    sa.select(table.id, table.name)).all())
        return self.names[scope].get(value, value)

    def _limit(self, total):
        allowed = [self.max_n] if self.max_n else []
        if self.max_pct:
            allowed.append(max(1, math.floor(total * self.max_pct / 100.0)))
        return min(allowed)

    def refusal(self, dev):
        """The :class:`BlastRadius` ``dev`` going out would raise, or None.

        :param dev: anything with ``id``, ``name``, ``rack_id``,
            ``cell_id``, ``region_id`` and ``role``.
        """
        if not (self.max_n or self.max_pct) or dev.id in self.out_devices:
            return None
        for scope in self.scopes:
            value = getattr(dev, SCOPES[scope])
            if value is None:
                continue
            total = self.total.get((scope, value), 0)
            out = self.out.get((scope, value), [])
            limit = self._limit(total)
            if len(out) + 1 > limit:
                return BlastRadius(
                    'blast radius: %s %r has %d of %d devices out (%s); one '
                    'more would exceed [remediation] %s. Wait for them to '
                    'return to the pool or raise the limit.' % (
                        scope, self._name(scope, value), len(out), total,
                        ', '.join(sorted(out)),
                        'max_devices_out = %d' % self.max_n
                        if limit == self.max_n else
                        'max_percent_out = %g' % self.max_pct),
                    field='device', value=dev.name)
        return None

    def take(self, dev):
        """Count ``dev`` out; the refusal instead if it may not go."""
        refused = self.refusal(dev)
        if refused is None and dev.id not in self.out_devices:
            self.out_devices.add(dev.id)
            for scope in self.scopes:
                value = getattr(dev, SCOPES[scope])
                if value is not None:
                    self.out.setdefault((scope, value), []).append(dev.name)
        return refused

    def over_limit(self):
        """Groups with more devices out than the limits allow (a check)."""
        if not (self.max_n or self.max_pct):
            return []
        return sorted(key for key, names in self.out.items()
                      if len(names) > self._limit(self.total.get(key, 0)))
