"""What an audit reads, read once for every rule of the audit.

:class:`Snapshot` loads the devices (one query, plus one for labels), then
only what the audit's auditors ask for: the latest readings of the metric
names and prefixes they name (one query each), the resolved values of the
variable keys they name (one query over the variables table, merged per
placement by
:class:`fleet.api.resolve.Chains`), secret values (decrypted for the
devices of the rules that compare them) and, on demand, readings history
for some (device, metric) pairs in batches. Selectors are evaluated in
memory over indexes of the devices (set operations on the ids).

Rules that compare can have the database compare: the threshold auditor
asks for the failing readings of a rule (:meth:`Snapshot.failing_readings`)
and the actionable alerts of a name (:meth:`Snapshot.firing_alerts`), one
query each, rather than loading every reading of the fleet. Rows are kept
as the driver's tuples (no object per reading); variables are resolved
one key at a time for every device (:meth:`Snapshot.values_of`).
"""

import collections
import datetime
import fnmatch
import json

import sqlalchemy as sa

from fleet.api import resolve
from fleet.db import bulk
from fleet.db import models
from fleet.plugins.auditors import base as auditor_base

#: A latest reading as auditors see it.
Reading = collections.namedtuple('Reading', 'metric value unit status')
#: Positions in the rows of :meth:`Snapshot.rows_of` and
#: :meth:`Snapshot.failing_readings`: ``(device_id, metric, value, unit,
#: status)``.
VALUE, UNIT, STATUS = 2, 3, 4
#: An actionable alert (:meth:`Snapshot.firing_alerts`); ``since`` is when
#: it started firing (naive UTC).
Alert = collections.namedtuple(
    'Alert', 'id name device_id severity labels since occurrences')
#: A past reading.
Past = collections.namedtuple('Past', 'read_at value status')

_FIELDS = ('region', 'cell', 'rack', 'role', 'type')


def _raw(conn, stmt):
    """Rows of ``stmt`` as the driver's plain tuples (no Row objects).

    For the big reads of an audit (devices, readings, variables): building
    a SQLAlchemy Row per row costs as much as fetching it. Only columns
    that need no result processing (no times) are read this way.
    """
    compiled = stmt.compile(dialect=conn.dialect,
                            compile_kwargs={'render_postcompile': True})
    params = compiled.construct_params()
    if compiled.positional:
        params = tuple(params[k] for k in compiled.positiontup)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _names(value):
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


class Snapshot:
    """Devices, readings and variables for one audit (see module doc).

    :ivar now: the audit's time (naive UTC).
    :ivar devices: ``{device id: Device}``.
    """

    def __init__(self, session, batch_size=2000, keyring=None, now=None):
        self.session = session
        self.batch_size = batch_size
        self.keyring = keyring
        self.now = now or datetime.datetime.now(
            datetime.timezone.utc).replace(tzinfo=None)
        self._by_metric = {}
        self._loaded = set()
        self._per_key = {}
        self._alerts = None
        self._matching = {}
        self._vars = {}
        self._decoded = {}
        self._chains = None
        self._secrets = {}
        self._load_devices()

    # -- devices and selectors ------------------------------------------------
    def _load_devices(self):
        conn = self.conn = self.session.connection()
        names = {}
        for model, key in ((models.Region, 'region'), (models.Cell, 'cell'),
                           (models.Rack, 'rack')):
            t = model.__table__
            names[key] = dict(conn.execute(sa.select(t.c.id,
                                                     t.c.name)).all())
        labels = collections.defaultdict(set)
        lt = models.Label.__table__
        for dev_id, label in conn.execute(sa.select(lt.c.device_id,
                                                    lt.c.label)):
            labels[dev_id].add(label)
        d = models.Device.__table__.c
        self.devices = devices = {}
        # The placement ids of each device, as read (the driver's tuple):
        # resolve.Placed objects only for the devices that need them.
        self._rows = rows = {}
        regions, cells, racks = names['region'], names['cell'], names['rack']
        empty = frozenset()
        make = auditor_base.Device
        for row in _raw(conn, sa.select(
                d.id, d.name, d.type, d.role, d.region_id, d.cell_id,
                d.rack_id, d.parent_id).where(d.missing == sa.false())):
            dev_id = row[0]
            own = labels.get(dev_id)
            devices[dev_id] = make(dev_id, row[1], row[2], row[3],
                                   regions.get(row[4]), cells.get(row[5]),
                                   racks.get(row[6]),
                                   frozenset(own) if own else empty)
            rows[dev_id] = row
        # Selector indexes, built on first use (a field no rule selects on
        # costs nothing).
        self._index = {}
        self._all = frozenset(devices)
        self._by_name = sorted(devices.values(), key=lambda dev: dev.name)

    def _placed(self, dev_id):
        """The :class:`fleet.api.resolve.Placed` of a device."""
        row = self._rows[dev_id]
        return resolve.Placed(dev_id, row[6], row[5], row[4], row[7])

    def _field(self, field):
        """``{value: {device id}}`` of a selector field (built once)."""
        index = self._index.get(field)
        if index is None:
            index = self._index[field] = collections.defaultdict(set)
            if field == 'labels':
                for dev in self.devices.values():
                    for label in dev.labels:
                        index[label].add(dev.id)
            else:
                attr = 'name' if field == 'devices' else field
                for dev in self.devices.values():
                    index[getattr(dev, attr)].add(dev.id)
        return index

    def select(self, selector):
        """The devices a rule's ``selector`` picks, ordered by name."""
        ids = self._all
        for f in _FIELDS:
            wanted = _names(selector.get(f))
            if wanted is not None:
                ids = ids & self._union(f, wanted)
        for label in selector.get('labels') or ():
            ids = ids & self._field('labels').get(label, frozenset())
        exclude = selector.get('exclude') or {}
        for f in _FIELDS + ('devices', 'labels'):
            unwanted = _names(exclude.get(f))
            if unwanted:
                ids = ids - self._union(f, unwanted)
        if ids is self._all:
            return list(self._by_name)
        return [dev for dev in self._by_name if dev.id in ids]

    def _union(self, field, names):
        index = self._field(field)
        if len(names) == 1:
            return index.get(names[0], frozenset())
        out = set()
        for name in names:
            out |= index.get(name, frozenset())
        return out

    # -- readings -------------------------------------------------------------
    @staticmethod
    def _metric_where(column, pattern):
        """SQL condition for a metric name or glob (a superset: LIKE is
        case-insensitive on some databases and ``_`` is its wildcard;
        callers filter the names again with :func:`fnmatch.fnmatchcase`)."""
        if '*' in pattern or '?' in pattern:
            prefix = pattern.split('*')[0].split('?')[0]
            return column.like(prefix + '%') if prefix else sa.true()
        return column == pattern

    def load_readings(self, patterns):
        """Read the latest readings of every metric matching ``patterns``
        (names, or globs such as ``temperature.*``): one query per name,
        one per glob, each row kept as the driver's tuple."""
        r = models.LatestReading.__table__.c
        by_metric = self._by_metric
        for p in sorted(set(patterns)):
            if p in self._loaded:
                continue
            self._loaded.add(p)
            rows = _raw(self.conn, sa.select(
                r.device_id, r.metric, r.value, r.unit, r.status).where(
                self._metric_where(r.metric, p)))
            if '*' not in p and '?' not in p:
                rows = [row for row in rows if row[1] == p]
                if rows:
                    per = by_metric.setdefault(p, {})
                    per.update({row[0]: row for row in rows})
                continue
            for row in rows:
                per = by_metric.get(row[1])
                if per is None:
                    per = by_metric[row[1]] = {}
                per[row[0]] = row
        self._matching.clear()

    def failing_readings(self, pattern, statuses=(), above=None,
                         below=None):
        """Latest readings of ``pattern`` (a name or glob) whose status is
        one of ``statuses``, or whose value is above ``above`` or below
        ``below``: one query, the comparison made by the database.

        :returns: rows ``(device_id, metric, value, unit, status)`` (see
            :data:`VALUE`, :data:`UNIT`, :data:`STATUS`).
        """
        r = models.LatestReading.__table__.c
        bad = []
        if statuses:
            bad.append(r.status.in_(sorted(statuses)))
        if above is not None:
            bad.append(r.value > above)
        if below is not None:
            bad.append(r.value < below)
        if not bad:
            return []
        rows = _raw(self.conn, sa.select(
            r.device_id, r.metric, r.value, r.unit, r.status).where(
            self._metric_where(r.metric, pattern), sa.or_(*bad)))
        glob = '*' in pattern or '?' in pattern
        match = fnmatch.fnmatchcase
        return [row for row in rows
                if (match(row[1], pattern) if glob else row[1] == pattern)]

    def metrics(self, pattern):
        """The loaded metric names matching ``pattern`` (name or glob)."""
        found = self._matching.get(pattern)
        if found is None:
            if '*' in pattern or '?' in pattern:
                found = sorted(m for m in self._by_metric
                               if fnmatch.fnmatchcase(m, pattern))
            else:
                found = [pattern] if pattern in self._by_metric else []
            self._matching[pattern] = found
        return found

    def rows_of(self, metric):
        """``{device id: row}`` of one loaded metric, rows as
        :meth:`failing_readings` returns them (no object per reading)."""
        return self._by_metric.get(metric, {})

    def readings_of(self, metric):
        """``{device id: Reading}`` of one metric (a loaded name)."""
        return {dev_id: Reading(row[1], row[2], row[3], row[4])
                for dev_id, row in self.rows_of(metric).items()}

    def readings(self, device_id, pattern=None):
        """``{metric: Reading}`` of a device: the loaded metrics, or those
        matching ``pattern`` (a name or glob)."""
        names = self._by_metric if pattern is None else \
            self.metrics(pattern)
        out = {}
        for metric in names:
            row = self._by_metric[metric].get(device_id)
            if row is not None:
                out[metric] = Reading(row[1], row[2], row[3], row[4])
        return out

    def history(self, pairs, since):
        """Past readings of (device id, metric) ``pairs``: the last one at
        or before ``since`` and every later one, oldest first:
        ``{(device_id, metric): [Past]}``; two queries per batch."""
        h = models.ReadingHistory
        pairs = sorted(set(pairs))
        out = {p: [] for p in pairs}
        metrics = sorted({m for _d, m in pairs})
        ids = sorted({d for d, _m in pairs})
        cols = (h.device_id, h.metric, h.read_at, h.value, h.status)
        for batch in bulk.batches(ids, self.batch_size):
            where = (h.device_id.in_(batch), h.metric.in_(metrics))
            last = sa.select(h.device_id, h.metric, sa.func.max(
                h.read_at).label('t')).where(
                *where, h.read_at <= since).group_by(
                h.device_id, h.metric).subquery()
            before = sa.select(*cols).join(last, sa.and_(
                h.device_id == last.c.device_id, h.metric == last.c.metric,
                h.read_at == last.c.t))
            after = sa.select(*cols).where(*where, h.read_at > since)
            for q in (before, after.order_by(h.read_at, h.id)):
                for row in self.conn.execute(q):
                    key = (row.device_id, row.metric)
                    if key in out:
                        out[key].append(Past(row.read_at, row.value,
                                             row.status))
        return out

    # -- alerts ---------------------------------------------------------------
    def firing_alerts(self, pattern):
        """The actionable alerts named ``pattern`` (a name or glob) of
        known devices, in one query: firing, not under an unexpired
        silence, not held under their repeat threshold, not flapping, not
        acknowledged (state ``firing``, :mod:`fleet.api.alerts.state`).

        :returns: :data:`Alert` tuples, ``labels`` decoded.
        """
        from fleet.db import alert_models

        a = alert_models.Alert.__table__.c
        si = alert_models.Silence.__table__.c
        silenced = sa.exists().where(si.id == a.silence_id,
                                     si.expires_at > self.now)
        rows = self.conn.execute(sa.select(
            a.id, a.name, a.device_id, a.severity, a.labels, a.starts_at,
            a.first_seen, a.occurrences).where(
            self._metric_where(a.name, pattern), a.status == 'firing',
            a.device_id.is_not(None), a.held == sa.false(),
            a.flapping == sa.false(), a.acknowledged_by.is_(None),
            sa.not_(silenced)).order_by(a.id)).all()
        glob = '*' in pattern or '?' in pattern
        match = fnmatch.fnmatchcase
        return [Alert(r.id, r.name, r.device_id, r.severity,
                      json.loads(r.labels), r.starts_at or r.first_seen,
                      r.occurrences) for r in rows
                if (match(r.name, pattern) if glob else r.name == pattern)]

    # -- variables ------------------------------------------------------------
    def load_variables(self, keys):
        """Read the variables ``keys`` at every level, in one query."""
        keys = sorted(set(keys))
        if not keys:
            return
        v = models.Variable.__table__
        rows = resolve.with_values(
            lambda q: _raw(self.conn, q),
            (v.c.scope, v.c.scope_id, v.c.key), v.c.key.in_(keys))
        rt = models.Region.__table__.c
        cloud_of = dict(self.conn.execute(sa.select(
            rt.id, rt.cloud_id)).all())
        parent_of = {i: row[7] for i, row in self._rows.items()
                     if row[7]}
        self._chains = resolve.Chains(resolve.layers(rows), cloud_of,
                                      parent_of)
        self._vars.clear()
        self._per_key.clear()

    def variables(self, device_id):
        """``{key: value}`` (decoded) of the loaded keys for a device."""
        got = self._vars.get(device_id)
        if got is None:
            if self._chains is None:
                return {}
            merged = self._chains.device(self._placed(device_id))
            decoded = self._decoded
            got = {}
            for k, text in merged.items():
                value = decoded.get(text, decoded)
                if value is decoded:
                    value = decoded[text] = resolve.decode(text)
                got[k] = value
            self._vars[device_id] = got
        return got

    def values_of(self, key):
        """``{device id: value}`` (decoded) of one loaded variable key,
        resolved down the hierarchy for every device at once; devices no
        level sets it for are absent."""
        got = self._per_key.get(key)
        if got is not None:
            return got
        got = self._per_key[key] = {}
        chains = self._chains
        if chains is None:
            return got
        own = chains.layers['device']
        shared = chains.shared
        decoded = self._decoded
        decode = resolve.decode
        for dev_id, row in self._rows.items():
            mine = own.get(dev_id)
            text = mine.get(key) if mine else None
            if text is None:
                # (rack, cell, region, parent) ids of the device's row
                text = shared(row[6], row[5], row[4], row[7]).get(key)
                if text is None:
                    continue
            value = decoded.get(text, decoded)
            if value is decoded:
                value = decoded[text] = decode(text)
            got[dev_id] = value
        return got

    def load_secrets(self, device_ids, keys):
        """Decrypt the secret ``keys`` (one query; values resolved down
        the hierarchy for ``device_ids``)."""
        keys = sorted(set(keys))
        if not keys or not device_ids:
            return
        v = models.Variable.__table__
        rows = self.conn.execute(sa.select(
            v.c.scope, v.c.scope_id, v.c.key, v.c.value).where(
            v.c.key.in_(keys), v.c.secret == sa.true())).all()
        decrypt = self.keyring.decrypt
        plain = [(scope, sid, key, decrypt(text, 'vars.' + key))
                 for scope, sid, key, text in rows]
        rt = models.Region.__table__.c
        chains = resolve.Chains(
            resolve.layers(plain),
            dict(self.conn.execute(sa.select(rt.id, rt.cloud_id)).all()),
            {i: row[7] for i, row in self._rows.items() if row[7]})
        for dev_id in device_ids:
            got = chains.device(self._placed(dev_id))
            if got:
                self._secrets.setdefault(dev_id, {}).update(
                    (k, resolve.decode(t)) for k, t in got.items()
                    if k in keys)

    def secret(self, device_id, key):
        """A secret's plain value (compare it; never print or log it)."""
        return self._secrets.get(device_id, {}).get(key)
