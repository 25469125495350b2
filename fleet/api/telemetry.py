"""The readings store: latest reading per device and metric, and history.

Collectors return :class:`fleet.common.readings.Reading` objects; ``record``
writes a sweep's readings in batches, in one transaction: the latest table
is upserted, the history appended and pruned. Readings are not inventory:
they are never change-logged. Reads answer ``metric list`` / ``metric show``
and feed :mod:`fleet.api.health`.
"""

import collections
import datetime
import re

import sqlalchemy as sa

from fleet.api import selection
from fleet.common import exception
from fleet.common import readings as readings_mod
from fleet.db import bulk
from fleet.db import models

METRIC_RE = re.compile(r'^[a-z][a-z0-9_]*(\.[A-Za-z0-9_.:-]{1,100})?$')
LATEST_UPDATE = ('value', 'unit', 'status', 'threshold', 'reason', 'source',
                 'read_at')

Summary = collections.namedtuple('Summary', 'written unknown pruned')


def _check(reading, good_metrics):
    """A one-line error naming the field of a bad reading."""
    if type(reading.device_id) is not int:
        raise exception.Invalid('device_id', 'not a device id: %.40r'
                                % (reading.device_id,))
    metric = reading.metric
    if metric in good_metrics:
        pass
    elif isinstance(metric, str) and METRIC_RE.match(metric):
        good_metrics.add(metric)
    else:
        raise exception.Invalid(
            'metric', 'invalid metric name %.80r' % (metric,),
            'use <kind> or <kind>.<name>: lower-case kind, then letters, '
            'digits and _ . : - (at most %d)' % readings_mod.MAX_METRIC)
    if reading.status not in readings_mod.STATUSES:
        raise exception.Invalid(
            'status', 'unknown status %r' % (reading.status,),
            'use one of %s' % ', '.join(readings_mod.STATUSES))
    for field, limit in (('unit', readings_mod.MAX_UNIT),
                         ('source', readings_mod.MAX_SOURCE)):
        value = getattr(reading, field)
        if value is not None and (not isinstance(value, str) or
                                  len(value) > limit):
            raise exception.Invalid(field, 'must be text of at most %d '
                                    'characters' % limit)


def _threshold(value):
    """A threshold as text: ``95`` for a number, as given otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return '%g' % value
    return value


def _clip(text, limit):
    if text is None:
        return None
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + '~'


class Telemetry:
    """Write and read telemetry readings."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _conf(self, name):
        return getattr(self.fleet.conf.telemetry, name)

    # -- writes -------------------------------------------------------------
    def record(self, ctx, readings, prune=True, txn=None):
        """Store ``readings`` of one sweep; return a :class:`Summary`.

        :param txn: the caller's :class:`fleet.api.store.Txn` to write in
            (``fleet collect`` stores a run's readings and alerts in one
            transaction); default one of its own.

        A reading with a nonsense value (NaN, not a number) is stored as
        ``unknown`` with the reason. The latest table keeps the last
        reading per (device, metric) of the batch.

        :raises fleet.common.exception.Invalid: a bad metric name, status,
            unit or source, or a device id that names no device; nothing
            is written.
        """
        now = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None)
        latest = {}
        history = []
        unknown = 0
        clip = _clip
        good_metrics = set()
        for reading in readings:
            _check(reading, good_metrics)
            value = reading.value
            if not (type(value) is float and value - value == 0.0 and
                    reading.status != 'unknown'):
                # Not a plain finite float: the careful path.
                reading = reading.checked()
            read_at = reading.read_at or now
            if read_at.tzinfo is not None:
                read_at = read_at.astimezone(
                    datetime.timezone.utc).replace(tzinfo=None)
            if reading.status == 'unknown':
                unknown += 1
            key = (reading.device_id, reading.metric)
            latest[key] = {
                'device_id': reading.device_id, 'metric': reading.metric,
                'value': reading.value, 'unit': reading.unit,
                'status': reading.status,
                'threshold': clip(_threshold(reading.threshold),
                                  readings_mod.MAX_THRESHOLD),
                'reason': clip(reading.reason, readings_mod.MAX_REASON),
                'source': reading.source, 'read_at': read_at}
            history.append({'device_id': reading.device_id,
                            'metric': reading.metric,
                            'value': reading.value,
                            'status': reading.status, 'read_at': read_at})
        keep_history = self._conf('history_max_age') > 0
        batch = self.fleet.batch_size
        pruned = 0
        with self.fleet.transaction(ctx, txn=txn) as txn:
            conn = txn.session.connection()
            self._check_devices(conn, {k[0] for k in latest})
            bulk.upsert_many(txn.session, models.LatestReading,
                             list(latest.values()), ('device_id', 'metric'),
                             LATEST_UPDATE, batch)
            if keep_history:
                bulk.insert_many(txn.session, models.ReadingHistory,
                                 history, batch)
            if prune:
                pruned = self._prune(conn, now, {k[0] for k in latest})
        return Summary(len(history), unknown, pruned)

    def _check_devices(self, conn, device_ids):
        ids = sorted(device_ids)
        d = models.Device.__table__
        found = set()
        for batch in bulk.batches(ids, self.fleet.batch_size):
            found.update(conn.execute(sa.select(d.c.id).where(
                d.c.id.in_(batch))).scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise exception.Invalid(
                'device_id', 'no device with id %s' % ', '.join(
                    map(str, missing[:5])) + (' ...' if len(missing) > 5
                                              else ''),
                'collect for devices of the inventory only')

    def _prune(self, conn, now, device_ids=None):
        """Delete history past the age limit, then past the count limit."""
        h = models.ReadingHistory.__table__
        max_age = self._conf('history_max_age')
        cutoff = now - datetime.timedelta(seconds=max_age)
        deleted = conn.execute(h.delete().where(
            h.c.read_at < cutoff)).rowcount or 0
        limit = self._conf('history_max_per_metric')
        # All devices at once, or the devices just written, a batch of ids
        # per statement (an IN list has a length limit on SQLite).
        groups = [None] if device_ids is None else list(bulk.batches(
            sorted(device_ids), self.fleet.batch_size))
        for ids in groups:
            ranked = sa.select(h.c.id, sa.func.row_number().over(
                partition_by=(h.c.device_id, h.c.metric),
                order_by=(h.c.read_at.desc(), h.c.id.desc())).label('rn'))
            if ids is not None:
                ranked = ranked.where(h.c.device_id.in_(ids))
            ranked = ranked.subquery()
            # The extra derived table lets MySQL/MariaDB delete from the
            # table the subquery reads.
            doomed = sa.select(ranked.c.id).where(
                ranked.c.rn > limit).subquery()
            deleted += conn.execute(h.delete().where(h.c.id.in_(
                sa.select(doomed.c.id)))).rowcount or 0
        return deleted

    def prune(self, ctx):
        """Apply the history limits to every device; return rows deleted."""
        now = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None)
        with self.fleet.transaction(ctx) as txn:
            return self._prune(txn.session.connection(), now)

    # -- reads ----------------------------------------------------------------
    def latest(self, ctx, device=None, metric=None, status=None,
               limit=None, **place):
        """Latest readings as dicts, worst first, then device and metric.

        :param place: ``region``, ``cell``, ``rack``, ``role``, ``label``,
            ``cloud`` filters (a name that matches nothing is an error).
        :param metric: a metric name, or a kind prefix such as
            ``temperature``.
        """
        if status is not None and status not in readings_mod.STATUSES:
            raise exception.Invalid(
                'status', 'unknown status %r' % (status,),
                'use one of %s' % ', '.join(readings_mod.STATUSES))
        r = models.LatestReading
        d = models.Device
        with self.fleet.reading() as s:
            ids = selection.device_ids(s, device=device, **place)
            q = sa.select(d.name, d.uuid, r.metric, r.value, r.unit,
                          r.status, r.threshold, r.reason, r.source,
                          r.read_at).join(d, d.id == r.device_id)
            if ids is not None:
                q = q.where(r.device_id.in_(ids))
            if metric:
                q = q.where(sa.or_(r.metric == metric,
                                   r.metric.like(metric + '.%')))
            if status:
                q = q.where(r.status == status)
            rank = sa.case({s_: i for s_, i in
                            readings_mod.STATUS_RANK.items()},
                           value=r.status, else_=1)
            q = q.order_by(rank.desc(), d.name, r.metric)
            if limit:
                q = q.limit(limit)
            return [dict(row._mapping) for row in s.execute(q)]

    def history(self, ctx, device, metric=None, limit=100):
        """A device's past readings, newest first."""
        h = models.ReadingHistory
        with self.fleet.reading() as s:
            ids = selection.device_ids(s, device=device)
            q = sa.select(h.metric, h.value, h.status, h.read_at).where(
                h.device_id.in_(ids))
            if metric:
                q = q.where(sa.or_(h.metric == metric,
                                   h.metric.like(metric + '.%')))
            q = q.order_by(h.read_at.desc(), h.id.desc())
            if limit:
                q = q.limit(limit)
            return [dict(row._mapping) for row in s.execute(q)]
