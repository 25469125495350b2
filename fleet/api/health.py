"""Fleet health: device statuses from their latest readings, per group.

A device's status is the worst status of its latest readings (critical >
warning > unknown > ok); a device with no readings is ``unknown``. Health
groups devices by region, cell, rack or role and counts each status, with
the worst devices of every group and the readings that made them so.
"""

import collections

import sqlalchemy as sa
from sqlalchemy import orm

from fleet.api import selection
from fleet.common import exception
from fleet.common import readings as readings_mod
from fleet.db import models

GROUPINGS = ('region', 'cell', 'rack', 'role')


def _status_rank(column):
    return sa.case({s: i for s, i in readings_mod.STATUS_RANK.items()},
                   value=column, else_=readings_mod.STATUS_RANK['unknown'])


class Health:
    """Status counts and worst devices per group."""

    def __init__(self, fleet):
        self.fleet = fleet

    def report(self, ctx, by='region', worst=3, **place):
        """Health per group, worst group first.

        :param by: one of :data:`GROUPINGS`.
        :param worst: how many of the worst devices to name per group.
        :param place: device filters (``region``, ``rack``, ``role``,
            ``label`` ...), as for :func:`fleet.api.selection.device_ids`.
        :returns: [{'group', 'devices', 'ok', 'warning', 'critical',
            'unknown', 'status', 'worst': [{'device', 'status',
            'readings': [metric, ...]}]}].
        """
        if by not in GROUPINGS:
            raise exception.Invalid('by', 'cannot group by %r' % (by,),
                                    'use one of %s' % ', '.join(GROUPINGS))
        r = models.LatestReading
        d = models.Device
        unknown = readings_mod.STATUS_RANK['unknown']
        with self.fleet.reading() as s:
            ids = selection.device_ids(s, **place)
            per_device = sa.select(
                r.device_id, sa.func.max(_status_rank(r.status)).label(
                    'rank')).group_by(r.device_id).subquery()
            if by == 'role':
                group_col = d.role
                q = sa.select(d.id, d.name, group_col)
            else:
                level = orm.aliased({'region': models.Region,
                                     'cell': models.Cell,
                                     'rack': models.Rack}[by])
                group_col = level.name
                q = sa.select(d.id, d.name, group_col).outerjoin(
                    level, getattr(d, by + '_id') == level.id)
            q = q.add_columns(sa.func.coalesce(per_device.c.rank, unknown))
            q = q.outerjoin(per_device, per_device.c.device_id == d.id)
            if ids is not None:
                q = q.where(d.id.in_(ids))
            groups = collections.defaultdict(list)
            for dev_id, name, group, rank in s.execute(q):
                groups[group].append((rank, name, dev_id))
            report = []
            for group, members in groups.items():
                counts = collections.Counter(
                    readings_mod.STATUSES[rank] for rank, _n, _i in members)
                members.sort(key=lambda m: (-m[0], m[1]))
                top = [m for m in members[:worst]
                       if m[0] > readings_mod.STATUS_RANK['ok']]
                report.append({
                    'group': group, 'devices': len(members),
                    'status': readings_mod.STATUSES[members[0][0]],
                    'worst': self._explain(s, top),
                    **{st: counts.get(st, 0)
                       for st in readings_mod.STATUSES}})
        report.sort(key=lambda g: (
            -readings_mod.STATUS_RANK[g['status']], -g['critical'],
            -g['warning'], str(g['group'])))
        return report

    @staticmethod
    def _explain(s, top):
        """The readings at each worst device's status (or "no readings")."""
        if not top:
            return []
        r = models.LatestReading
        by_device = collections.defaultdict(list)
        rows = s.execute(sa.select(r.device_id, r.metric, r.status).where(
            r.device_id.in_([m[2] for m in top])).order_by(r.metric))
        for dev_id, metric, status in rows:
            by_device[dev_id].append((status, metric))
        out = []
        for rank, name, dev_id in top:
            status = readings_mod.STATUSES[rank]
            metrics = [m for st, m in by_device.get(dev_id, ())
                       if st == status] or ['no readings']
            out.append({'device': name, 'status': status,
                        'readings': metrics})
        return out
