"""What an audit reads, read once for every rule of the audit.

:class:`Snapshot` loads the devices (one query, plus one for labels), then
only what the audit's auditors ask for: the latest readings of the metric
prefixes they name (one query), the resolved values of the variable keys
they name (one query over the variables table, merged per placement by
:class:`fleet.api.resolve.Chains`), secret values (decrypted for the
devices of the rules that compare them) and, on demand, readings history
for some (device, metric) pairs in batches. Selectors are evaluated in
memory over indexes of the devices.
"""

import collections
import datetime
import fnmatch

import sqlalchemy as sa

from fleet.api import resolve
from fleet.db import bulk
from fleet.db import models
from fleet.plugins.auditors import base as auditor_base

#: A latest reading as auditors see it.
Reading = collections.namedtuple(
    'Reading', 'metric value unit status threshold read_at')
#: A past reading.
Past = collections.namedtuple('Past', 'read_at value status')

_FIELDS = ('region', 'cell', 'rack', 'role', 'type')


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
        self._readings = {}
        self._vars = {}
        self._chains = None
        self._secrets = {}
        self._load_devices()

    # -- devices and selectors ------------------------------------------------
    def _load_devices(self):
        s = self.session
        names = {}
        for model, key in ((models.Region, 'region'), (models.Cell, 'cell'),
                           (models.Rack, 'rack')):
            names[key] = dict(s.execute(sa.select(model.id,
                                                  model.name)).all())
        labels = collections.defaultdict(set)
        for dev_id, label in s.execute(sa.select(models.Label.device_id,
                                                 models.Label.label)):
            labels[dev_id].add(label)
        d = models.Device
        self.devices = {}
        self._placed = {}
        index = {f: collections.defaultdict(set) for f in _FIELDS}
        index['labels'] = collections.defaultdict(set)
        index['devices'] = collections.defaultdict(set)
        empty = frozenset()
        for row in s.execute(sa.select(
                d.id, d.name, d.type, d.role, d.region_id, d.cell_id,
                d.rack_id, d.parent_id).where(d.missing == sa.false())):
            dev = auditor_base.Device(
                row.id, row.name, row.type, row.role,
                names['region'].get(row.region_id),
                names['cell'].get(row.cell_id),
                names['rack'].get(row.rack_id),
                frozenset(labels[row.id]) if row.id in labels else empty)
            self.devices[row.id] = dev
            self._placed[row.id] = resolve.Placed(
                row.id, row.rack_id, row.cell_id, row.region_id,
                row.parent_id)
            for f in _FIELDS:
                index[f][getattr(dev, f)].add(row.id)
            for label in dev.labels:
                index['labels'][label].add(row.id)
            index['devices'][row.name].add(row.id)
        self._index = index
        self._all = frozenset(self.devices)

    def select(self, selector):
        """The devices a rule's ``selector`` picks, ordered by name."""
        ids = self._all
        for f in _FIELDS:
            wanted = _names(selector.get(f))
            if wanted is not None:
                ids = ids & self._union(f, wanted)
        for label in selector.get('labels') or ():
            ids = ids & self._index['labels'].get(label, frozenset())
        exclude = selector.get('exclude') or {}
        for f in _FIELDS + ('devices', 'labels'):
            unwanted = _names(exclude.get(f))
            if unwanted:
                ids = ids - self._union(f, unwanted)
        return sorted((self.devices[i] for i in ids), key=lambda d: d.name)

    def _union(self, field, names):
        index = self._index[field]
        if len(names) == 1:
            return index.get(names[0], frozenset())
        out = set()
        for name in names:
            out |= index.get(name, frozenset())
        return out

    # -- readings ---------------------------------------------------------------
    def load_readings(self, patterns):
        """Read the latest readings of every metric matching ``patterns``
        (names, or prefixes ending in ``*``) in one query."""
        patterns = sorted(set(patterns))
        if not patterns:
            return
        r = models.LatestReading
        conds = []
        for p in patterns:
            if '*' in p or '?' in p:
                prefix = p.split('*')[0].split('?')[0]
                conds.append(r.metric.like(prefix + '%') if prefix
                             else sa.true())
            else:
                conds.append(r.metric == p)
        self._patterns = patterns
        out = self._readings
        for row in self.session.execute(sa.select(
                r.device_id, r.metric, r.value, r.unit, r.status,
                r.threshold, r.read_at).where(sa.or_(*conds))):
            per = out.get(row.device_id)
            if per is None:
                per = out[row.device_id] = {}
            per[row.metric] = Reading(row.metric, row.value, row.unit,
                                      row.status, row.threshold, row.read_at)

    def readings(self, device_id, pattern=None):
        """``{metric: Reading}`` of a device, those matching ``pattern``
        (a name or glob) only when given."""
        got = self._readings.get(device_id, {})
        if pattern is None:
            return got
        if '*' not in pattern and '?' not in pattern:
            one = got.get(pattern)
            return {pattern: one} if one is not None else {}
        return {m: v for m, v in got.items()
                if fnmatch.fnmatchcase(m, pattern)}

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
                for row in self.session.execute(q):
                    key = (row.device_id, row.metric)
                    if key in out:
                        out[key].append(Past(row.read_at, row.value,
                                             row.status))
        return out

    # -- variables --------------------------------------------------------------
    def load_variables(self, keys):
        """Read the variables ``keys`` at every level, in one query."""
        keys = sorted(set(keys))
        if not keys:
            return
        v = models.Variable.__table__
        rows = resolve.with_values(
            lambda q: self.session.execute(q).all(),
            (v.c.scope, v.c.scope_id, v.c.key), v.c.key.in_(keys))
        cloud_of = dict(self.session.execute(sa.select(
            models.Region.id, models.Region.cloud_id)).all())
        parent_of = {i: p.parent_id for i, p in self._placed.items()
                     if p.parent_id}
        self._chains = resolve.Chains(resolve.layers(rows), cloud_of,
                                      parent_of)

    def variables(self, device_id):
        """``{key: value}`` (decoded) of the loaded keys for a device."""
        got = self._vars.get(device_id)
        if got is None:
            if self._chains is None:
                return {}
            merged = self._chains.device(self._placed[device_id])
            got = self._vars[device_id] = {
                k: resolve.decode(t) for k, t in merged.items()}
        return got

    def load_secrets(self, device_ids, keys):
        """Decrypt the secret ``keys`` of some devices (batched)."""
        keys = sorted(set(keys))
        if not keys or not device_ids:
            return
        got = resolve.secrets(self.session, device_ids, keys, self.keyring,
                              batch=self.batch_size)
        for dev_id, values in got.items():
            self._secrets.setdefault(dev_id, {}).update(values)

    def secret(self, device_id, key):
        """A secret's plain value (compare it; never print or log it)."""
        return self._secrets.get(device_id, {}).get(key)
