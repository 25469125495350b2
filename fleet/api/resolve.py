"""Variable resolution: the one place that knows the order.

A device's variables resolve key by key, first match wins, in
:data:`ORDER`: the device itself, its parent devices (nearest first), its
rack, cell, region, cloud, then the global defaults.

Two ways in, one order:

* :func:`resolve` (and :func:`device` and :func:`secrets` on top of it) for
  some devices: one SQL statement per ``batch`` devices, whatever the
  number of devices, levels or parents. ``var show --resolved [--blame]``
  and a collector's credential lookup use it.
* :class:`Chains` over :func:`layers` for the whole fleet in memory: what
  devices of one placement share is merged once per placement. Both export
  formats use it.

Values are JSON text as stored; :func:`decode` turns one into Python.
"""

import collections
import json

import sqlalchemy as sa

from fleet.common import constants
from fleet.db import models

#: Resolution order, nearest first.
ORDER = ('device', 'parent', 'rack', 'cell', 'region', 'cloud', 'defaults')
#: The levels devices of one placement share, nearest first.
SHARED = ORDER[2:]
#: Parent chains are followed this far (sync and the device commands
#: refuse cycles; the bound only keeps a corrupt database from looping).
MAX_DEPTH = 64

#: One resolved variable: ``text`` is the stored JSON, ``level`` the
#: blame label (``device node-1``, ``parent chassis-1``, ``rack k1``,
#: ``cell c1``, ``region r1``, ``cloud prod``, ``defaults``).
Resolved = collections.namedtuple('Resolved',
                                  'key text secret observed level')

_V = models.Variable.__table__
_D = models.Device.__table__


def decode(text):
    """The Python value of a stored variable."""
    return json.loads(text)


def visible(include_secrets):
    """The condition that leaves secret variables out unless asked for."""
    return sa.true() if include_secrets else _V.c.secret == sa.false()


def with_values(fetch, columns, where, keyring=None):
    """Rows of ``columns`` + the stored JSON value of the variables
    ``where`` selects.

    Secret variables only with a ``keyring`` (:class:`fleet.common.crypto.
    Keyring`), their values decrypted through it; without one they are
    left out. The last of ``columns`` must be the key.

    :param fetch: runs a SELECT and returns its rows.
    """
    rows = fetch(sa.select(*columns, _V.c.value).where(
        where, _V.c.secret == sa.false()))
    if keyring is not None:
        decrypt = keyring.decrypt
        rows = list(rows)
        rows.extend(row[:-1] + (decrypt(row[-1], 'vars.' + row[-2]),)
                    for row in fetch(sa.select(*columns, _V.c.value).where(
                        where, _V.c.secret == sa.true())))
    return rows


def _candidates(device_ids, keys, include_secrets):
    """Every (device, level) value that could win, with its rank.

    One UNION ALL statement: a branch per level, the parent chain through
    a recursive CTE. Columns: ``device_id, rank, depth, level, key, value,
    secret, observed``; ``(rank, depth)`` orders them nearest first.
    """
    targets = sa.select(_D.c.id, _D.c.parent_id, _D.c.rack_id,
                        _D.c.cell_id, _D.c.region_id).where(
        _D.c.id.in_(list(device_ids))).cte('targets')
    up = sa.select(targets.c.id.label('device_id'),
                   targets.c.parent_id.label('ancestor_id'),
                   sa.literal(1, sa.Integer).label('depth')).where(
        targets.c.parent_id.isnot(None)).cte('ancestors', recursive=True)
    p = _D.alias('p')
    up = up.union_all(sa.select(up.c.device_id, p.c.parent_id,
                                up.c.depth + 1).select_from(
        up.join(p, p.c.id == up.c.ancestor_id)).where(
        p.c.parent_id.isnot(None), up.c.depth < MAX_DEPTH))

    def var(scope, scope_id):
        cond = sa.and_(_V.c.scope == scope, _V.c.scope_id == scope_id)
        if keys is not None:
            cond = sa.and_(cond, _V.c.key.in_(list(keys)))
        return sa.and_(cond, visible(include_secrets))

    def branch(rank, depth, level, device_id, source, scope, scope_id):
        return sa.select(
            device_id.label('device_id'),
            sa.literal(rank, sa.Integer).label('rank'),
            depth.label('depth'),
            level.label('level'), _V.c.key, _V.c.value, _V.c.secret,
            _V.c.observed).select_from(
            source.join(_V, var(scope, scope_id)))

    zero = sa.literal(0, sa.Integer)
    t = targets.c
    own = _D.alias('own')
    anc = _D.alias('anc')
    rack, cell = models.Rack.__table__, models.Cell.__table__
    region, cloud = models.Region.__table__, models.Cloud.__table__
    label = sa.literal
    parts = [
        branch(0, zero, label('device ') + own.c.name, t.id,
               targets.join(own, own.c.id == t.id), 'device', t.id),
        branch(1, up.c.depth, label('parent ') + anc.c.name, up.c.device_id,
               up.join(anc, anc.c.id == up.c.ancestor_id), 'device',
               up.c.ancestor_id),
        branch(2, zero, label('rack ') + rack.c.name, t.id,
               targets.join(rack, rack.c.id == t.rack_id), 'rack',
               t.rack_id),
        branch(3, zero, label('cell ') + cell.c.name, t.id,
               targets.join(cell, cell.c.id == t.cell_id), 'cell',
               t.cell_id),
        branch(4, zero, label('region ') + region.c.name, t.id,
               targets.join(region, region.c.id == t.region_id), 'region',
               t.region_id),
        branch(5, zero, label('cloud ') + cloud.c.name, t.id,
               targets.join(region, region.c.id == t.region_id).join(
                   cloud, cloud.c.id == region.c.cloud_id), 'cloud',
               cloud.c.id),
        branch(6, zero, label('defaults', sa.String), t.id, targets,
               'defaults', 0),
    ]
    return sa.union_all(*parts)


def resolve(session, device_ids, keys=None, include_secrets=True,
            batch=2000, keyring=None):
    """Resolve some devices' variables.

    :param device_ids: device ids (unknown ids are left out).
    :param keys: only these keys; default every key.
    :param batch: devices per statement.
    :param keyring: decrypts secret values; without one they stay as
        stored (encrypted) -- fine for callers that mask them.
    :returns: ``{device_id: {key: Resolved}}``; with a keyring, secret
        values in plain (mask them before output, as :func:`device` does).
    """
    ids = sorted(set(device_ids))
    out = {i: {} for i in ids}
    best = {}
    for start in range(0, len(ids), batch):
        stmt = _candidates(ids[start:start + batch], keys, include_secrets)
        for row in session.execute(stmt):
            slot = (row.device_id, row.key)
            rank = (row.rank, row.depth)
            if slot in best and best[slot] <= rank:
                continue
            best[slot] = rank
            text = row.value
            if row.secret and keyring is not None:
                text = keyring.decrypt(text, 'vars.' + row.key)
            out[row.device_id][row.key] = Resolved(
                row.key, text, bool(row.secret), bool(row.observed),
                row.level)
    return out


def device(session, dev, blame=False):
    """What ``var show DEVICE --resolved [--blame]`` shows.

    :param dev: a :class:`fleet.db.models.Device`.
    :returns: ``[{key, value, secret, observed}]`` sorted by key, secret
        values masked, with ``level`` when ``blame``.
    """
    got = resolve(session, [dev.id])[dev.id]
    out = []
    for key in sorted(got):
        r = got[key]
        row = {'key': key,
               'value': constants.MASK if r.secret else decode(r.text),
               'secret': r.secret, 'observed': r.observed}
        if blame:
            row['level'] = r.level
        out.append(row)
    return out


def secrets(session, device_ids, keys, keyring, batch=2000):
    """Resolved values of ``keys`` for many devices, for code that uses them.

    Credentials for a BMC sweep: ``secrets(s, ids, ['bmc_username',
    'bmc_password'])`` is one statement for up to ``batch`` devices.
    Secret or not, values are returned in plain: never print or log them.

    :returns: ``{device_id: {key: value}}``; a key no level sets is absent.
    """
    return {dev_id: {k: decode(r.text) for k, r in got.items()}
            for dev_id, got in resolve(session, device_ids, keys,
                                       batch=batch,
                                       keyring=keyring).items()}


# -- the whole fleet, in memory ----------------------------------------------

def layers(rows):
    """``layers[scope][scope_id] = {key: item}`` from (scope, id, key, item).

    ``item`` is whatever the caller wants merged: the stored JSON text, or
    an export's rendered ``"key": value`` member.
    """
    out = {scope: {} for scope in constants.SCOPES}
    for scope, sid, key, item in rows:
        by_id = out[scope]
        layer = by_id.get(sid)
        if layer is None:
            layer = by_id[sid] = {}
        layer[key] = item
    return out


class Chains:
    """Resolution of what devices share, computed once per placement.

    :param layers: from :func:`layers`.
    :param cloud_of: ``{region_id: cloud_id}``.
    :param parent_of: ``{device_id: parent_id}`` of (at least) every
        device that is a parent.

    ``shared(rack, cell, region, parent)`` is the merged ``{key: item}`` of
    every level in :data:`ORDER` but the device itself (nearest wins); a
    device's own layer goes on top of it (:meth:`device`).
    """

    def __init__(self, layers, cloud_of, parent_of):
        self.layers = layers
        self.cloud_of = cloud_of
        self.parent_of = parent_of
        self._base = {}
        self._shared = {}

    def base(self, rack_id, cell_id, region_id):
        """Merged levels of :data:`SHARED` for one placement."""
        key = (rack_id, cell_id, region_id)
        merged = self._base.get(key)
        if merged is None:
            ids = {'rack': rack_id, 'cell': cell_id, 'region': region_id,
                   'cloud': self.cloud_of[region_id], 'defaults': 0}
            merged = {}
            for scope in reversed(SHARED):
                if ids[scope] is not None:
                    merged.update(self.layers[scope].get(ids[scope], ()))
            self._base[key] = merged
        return merged

    def parents(self, parent_id):
        """The parent chain's device ids, nearest first."""
        chain, seen, pid = [], set(), parent_id
        while pid and pid not in seen and len(chain) < MAX_DEPTH:
            seen.add(pid)
            chain.append(pid)
            pid = self.parent_of.get(pid)
        return chain

    def shared(self, rack_id, cell_id, region_id, parent_id):
        """Merged levels of a placement and a parent chain."""
        if not parent_id:
            return self.base(rack_id, cell_id, region_id)
        key = (rack_id, cell_id, region_id, parent_id)
        merged = self._shared.get(key)
        if merged is None:
            merged = dict(self.base(rack_id, cell_id, region_id))
            own = self.layers['device']
            for pid in reversed(self.parents(parent_id)):
                merged.update(own.get(pid, ()))
            self._shared[key] = merged
        return merged

    def device(self, dev):
        """The merged ``{key: item}`` of one device (a :class:`Placed`)."""
        merged = self.shared(dev.rack_id, dev.cell_id, dev.region_id,
                             dev.parent_id)
        own = self.layers['device'].get(dev.id)
        if own:
            merged = dict(merged)
            merged.update(own)
        return merged


#: What :class:`Chains` needs of a device.
Placed = collections.namedtuple('Placed',
                                'id rack_id cell_id region_id parent_id')


def fleet_wide(session, keyring=None):
    """Resolve every device: ``[(name, {key: json_text})]``, by name.

    Three queries for the whole fleet (four with secrets); the merge runs
    in :class:`Chains`. Secret variables only with a ``keyring``,
    decrypted.
    """
    d = _D.c
    rows = session.execute(sa.select(
        d.id, d.rack_id, d.cell_id, d.region_id, d.parent_id, d.name
    ).order_by(d.name)).all()
    cloud_of = dict(session.execute(sa.select(
        models.Region.id, models.Region.cloud_id)).all())
    chains = Chains(layers(with_values(
        lambda q: session.execute(q).all(),
        (_V.c.scope, _V.c.scope_id, _V.c.key), sa.true(), keyring)),
        cloud_of, {r.id: r.parent_id for r in rows})
    out = []
    for r in rows:
        placed = Placed(r.id, r.rack_id, r.cell_id, r.region_id,
                        r.parent_id)
        out.append((r.name, chains.device(placed)))
    return out
