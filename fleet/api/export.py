"""Bulk resolution of every device's variables, and inventory exports.

Built for 100,000 devices: a handful of queries (no query per device), the
shared part of each chain (rack, cell, region, cloud, defaults) merged once
per placement, stored JSON text spliced into the output without being
decoded and encoded again.
"""

import collections
import contextlib
import functools
import gc
import itertools
import json
import operator
import re

from json import encoder as json_encoder

import sqlalchemy as sa

from fleet.api import refs
from fleet.db import models

_GROUP_RE = re.compile(r'[^A-Za-z0-9_]')
# JSON string quoting in C (what json.dumps does for a str, minus overhead).
_quote = json_encoder.encode_basestring_ascii

DeviceRow = collections.namedtuple(
    'DeviceRow', 'id name uuid type role region_id cell_id rack_id '
    'parent_id mgmt_address missing')


def _fetch_all(conn, query):
    """Run a fixed SELECT on the raw DB-API cursor; return tuples.

    The statement has no user input: it is compiled with literal values
    for the connection's dialect.
    """
    sql = str(query.compile(dialect=conn.dialect,
                            compile_kwargs={'literal_binds': True}))
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


@contextlib.contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while building a large export.

    The export allocates millions of tuples, dicts and strings and no
    reference cycles; the collector's passes over the growing heap cost
    5-10% of an export of 100,000 devices. Reference counting still frees
    everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def group_name(prefix, *parts):
    """An Ansible-safe group name: ``rack_region1_r12``."""
    return _GROUP_RE.sub('_', '_'.join((prefix,) + parts))


def _levels(fetch):
    """{id: name} of clouds; {id: (name, parent id)} of the rest.

    The parent of a region is its cloud, of a cell or rack its region.
    """
    clouds = dict(fetch(sa.select(models.Cloud.id, models.Cloud.name)))

    def named(model, parent):
        return {row[0]: row[1:] for row in fetch(
            sa.select(model.id, model.name, parent))}
    return (clouds, named(models.Region, models.Region.cloud_id),
            named(models.Cell, models.Cell.region_id),
            named(models.Rack, models.Rack.region_id))


class Exporter:
    """Resolve all devices at once and write exports."""

    def __init__(self, fleet):
        self.fleet = fleet

    def iter_resolved(self, ctx, include_secrets=False):
        """Yield ``(device_row, {key: json_text})`` for every device."""
        d = models.Device
        with self.fleet.reading() as s:
            fetch = functools.partial(_fetch_all, s.connection())
            devices = [DeviceRow(*row) for row in fetch(sa.select(
                d.id, d.name, d.uuid, d.type, d.role, d.region_id,
                d.cell_id, d.rack_id, d.parent_id, d.mgmt_address,
                d.missing).order_by(d.name))]
            _clouds, regions, _cells, _racks = _levels(fetch)
            layers = _layers(_values(
                fetch, (_V.scope, _V.scope_id, _V.key), sa.true(),
                self.fleet.keyring if include_secrets else None))
        chains = _Chains(layers, regions,
                         {row.id: row.parent_id for row in devices})
        for row in devices:
            merged = chains.shared(row.rack_id, row.cell_id, row.region_id,
                                   row.parent_id)
            own = layers['device'].get(row.id)
            if own:
                merged = dict(merged)
                merged.update(own)
            yield row, merged

    def resolved_all(self, ctx, include_secrets=False):
        """``{device name: {key: value}}`` for every device (decoded)."""
        return {row.name: {k: json.loads(v) for k, v in merged.items()}
                for row, merged in self.iter_resolved(ctx, include_secrets)}

    def ansible(self, ctx, include_secrets=False):
        """An Ansible dynamic inventory (JSON text) of the whole fleet.

        Groups: ``cloud_<c>`` (children: its regions), ``region_<r>``,
        ``cell_<r>_<c>``, ``rack_<r>_<k>``, ``role_<x>``, ``type_<t>``,
        ``label_<l>``, and ``fleet_missing`` for devices their source no
        longer reports (limit plays with ``--limit '!fleet_missing'``).
        Host variables: the resolved variables plus
        ``fleet_uuid``, ``fleet_type``, ``fleet_role``, ``fleet_region``,
        ``fleet_cell``, ``fleet_rack``; ``ansible_host`` defaults to the
        management address. Secret variables only with ``include_secrets``.
        """
        with _no_gc(), self.fleet.reading() as s:
            rows = _AnsibleRows(s.connection(), self.fleet.keyring
                                if include_secrets else None)
            return _AnsibleWriter(rows).render()


_V = models.Variable


def _values(fetch, columns, where, keyring=None):
    """Rows of ``columns`` + value of the variables ``where`` says.

    Secret variables only with a ``keyring``, their values decrypted
    through it; without one they are left out.
    """
    rows = fetch(sa.select(*columns, _V.value).where(
        where, _V.secret == sa.false()))
    if keyring is not None:
        decrypt = keyring.decrypt
        rows = list(rows)
        rows.extend(row[:-1] + (decrypt(row[-1], 'vars.' + row[-2]),)
                    for row in fetch(sa.select(*columns, _V.value).where(
                        where, _V.secret == sa.true())))
    return rows


def _member(key, value):
    """The JSON member ``"key": value`` of a stored variable.

    Keys are identifiers (see variables.KEY_RE) and values are stored as
    JSON text, so neither needs escaping.
    """
    return '"%s": %s' % (key, value)


def _layers(rows):
    """``layers[scope][id] = {key: text}`` from (scope, id, key, text)."""
    layers = {scope: {} for scope in refs.SCOPES}
    for scope, sid, key, text in rows:
        by_id = layers[scope]
        layer = by_id.get(sid)
        if layer is None:
            layer = by_id[sid] = {}
        layer[key] = text
    return layers


class _Chains:
    """Resolution of what devices share: levels, defaults, parent chain.

    ``shared(rack, cell, region, parent)`` is the merged {key: value} of
    defaults, cloud, region, cell, rack and the parent devices (nearest
    wins), computed once per distinct placement and parent. A device's own
    variables go on top of it.
    """

    def __init__(self, layers, regions, parent_of):
        self.layers = layers
        self.regions = regions
        self.parent_of = parent_of
        self._base = {}
        self._shared = {}

    def base(self, rack_id, cell_id, region_id):
        key = (rack_id, cell_id, region_id)
        merged = self._base.get(key)
        if merged is None:
            layers, empty = self.layers, {}
            merged = dict(layers['defaults'].get(0, empty))
            merged.update(layers['cloud'].get(self.regions[region_id][1],
                                              empty))
            merged.update(layers['region'].get(region_id, empty))
            if cell_id:
                merged.update(layers['cell'].get(cell_id, empty))
            if rack_id:
                merged.update(layers['rack'].get(rack_id, empty))
            self._base[key] = merged
        return merged

    def shared(self, rack_id, cell_id, region_id, parent_id):
        if not parent_id:
            return self.base(rack_id, cell_id, region_id)
        key = (rack_id, cell_id, region_id, parent_id)
        merged = self._shared.get(key)
        if merged is None:
            merged = dict(self.base(rack_id, cell_id, region_id))
            chain, seen, pid = [], set(), parent_id
            while pid and pid not in seen and pid in self.parent_of:
                seen.add(pid)
                chain.append(self.layers['device'].get(pid, {}))
                pid = self.parent_of[pid]
            for layer in reversed(chain):
                merged.update(layer)
            self._shared[key] = merged
        return merged


class _AnsibleRows:
    """What the Ansible export reads, in plain queries, no per-row ORM.

    ``layers[scope][id]`` is {key: '"key": value'} for the levels and for
    ``parents`` (the devices that are one); ``own[id]`` is a device's own
    variables rendered as ``, "k": v, ...``; ``exact`` the devices whose
    own variables override a shared key (``ansible_host`` included), with
    their layers in ``layers['device']`` too.
    """

    def __init__(self, conn, keyring=None):
        fetch = functools.partial(_fetch_all, conn)
        d, v = models.Device, _V
        self.clouds, self.regions, self.cells, self.racks = \
            _levels(fetch)
        # The placement (rack, cell, region, parent, type, role) is
        # row[2:8]: one slice makes the key the render caches by.
        self.devices = fetch(sa.select(
            d.name, d.uuid, d.rack_id, d.cell_id, d.region_id, d.parent_id,
            d.type, d.role, d.mgmt_address, d.id, d.missing).order_by(d.name))
        self.layers = _layers(
            (scope, sid, key, _member(key, value))
            for scope, sid, key, value in _values(
                fetch, (v.scope, v.scope_id, v.key),
                v.scope.in_(refs.SCOPES[:-1]), keyring))
        # Device variables, the bulk of the rows, without the scope column.
        self._own(_values(fetch, (v.scope_id, v.key), v.scope == 'device',
                          keyring))
        self.labels = fetch(sa.select(d.name, models.Label.label).join(
            models.Label, models.Label.device_id == d.id))

    def _own(self, rows):
        """Render each device's own variables; keep the layers needed."""
        own = self.own = {}
        get = own.get
        # _member() inlined: this loop runs once per device variable.
        for sid, key, value in rows:
            prev = get(sid)
            own[sid] = (', "%s": %s' % (key, value) if prev is None
                        else '%s, "%s": %s' % (prev, key, value))
        parents = self.parents = set(map(operator.itemgetter(5),
                                         self.devices))
        parents.discard(None)
        shared = {'ansible_host'}
        for by_id in self.layers.values():
            for layer in by_id.values():
                shared.update(layer)
        layers = self.layers['device']

        def keep(kept):
            for sid, key, value in kept:
                layers.setdefault(sid, {})[key] = _member(key, value)
        of_parents = [row for row in rows if row[0] in parents]
        keep(of_parents)
        shared.update(key for _sid, key, _value in of_parents)
        exact = self.exact = {sid for sid, key, _v in rows if key in shared}
        keep([row for row in rows if row[0] in exact])


_UUID = ': {"fleet_uuid": "'


def _host_part(mgmt):
    """``, "ansible_host": "<mgmt>"``, or nothing without an address."""
    return ', "ansible_host": ' + _quote(mgmt) if mgmt else ''


class _AnsibleWriter:
    """Renders the inventory.

    Devices that share placement, parent, type and role share everything
    but their name, UUID, own variables and address: that part is rendered
    once per such placement. Per device a lookup, a quote and a join of
    pieces are left; devices whose own variables override a shared key
    (or set ``ansible_host``) are merged key by key.
    """

    def __init__(self, rows):
        self.rows = rows
        self.chains = _Chains(rows.layers, rows.regions, {
            row[9]: row[5] for row in rows.devices if row[9] in rows.parents})
        self._prefixes = {}
        self._fragments = {}
        self._names = {}

    def _prefix(self, rack_id, cell_id, region_id, dtype, role):
        """(``fleet_*`` members, groups) of a placement, type and role."""
        key = (rack_id, cell_id, region_id, dtype, role)
        got = self._prefixes.get(key)
        if got is None:
            rows, named = self.rows, self._named
            region, group = named('region', region_id, rows.regions,
                                  rows.regions)
            fields = ['"fleet_type": ' + _quote(dtype),
                      '"fleet_role": ' + (_quote(role) if role else 'null'),
                      '"fleet_region": ' + region]
            groups = [group, 'type_' + dtype]
            if role:
                groups.append(group_name('role', role))
            if cell_id:
                cell, group = named('cell', cell_id, rows.cells,
                                    rows.regions)
                fields.append('"fleet_cell": ' + cell)
                groups.append(group)
            if rack_id:
                rack, group = named('rack', rack_id, rows.racks,
                                    rows.regions)
                fields.append('"fleet_rack": ' + rack)
                groups.append(group)
            got = self._prefixes[key] = (', '.join(fields), groups)
        return got

    def _named(self, kind, level_id, by_id, regions):
        """(quoted name, group name) of a region, cell or rack."""
        got = self._names.get((kind, level_id))
        if got is None:
            name, parent_id = by_id[level_id]
            parts = (name,) if kind == 'region' else (
                regions[parent_id][0], name)
            got = self._names[kind, level_id] = (
                _quote(name), group_name(kind, *parts))
        return got

    def _fragment(self, rack_id, cell_id, region_id, parent_id):
        """(merged, rendered) shared variables of a placement, parent."""
        key = (rack_id, cell_id, region_id, parent_id)
        got = self._fragments.get(key)
        if got is None:
            merged = self.chains.shared(rack_id, cell_id, region_id,
                                        parent_id)
            got = self._fragments[key] = (merged,
                                          ', '.join(merged.values()))
        return got

    def _placement(self, key):
        """(text, members, merged, prefix, groups) of a placement key.

        ``text`` is what to write after the UUID: its closing quote, the
        ``fleet_*`` members and the shared variables; ``members`` collects
        the quoted device names.
        """
        rack_id, cell_id, region_id, parent_id, dtype, role = key
        prefix, groups = self._prefix(rack_id, cell_id, region_id, dtype,
                                      role)
        merged, fragment = self._fragment(rack_id, cell_id, region_id,
                                          parent_id)
        text = '", ' + prefix
        if fragment:
            text += ', ' + fragment
        return (text, [], merged, prefix, groups)

    def _exact(self, place, dev_id, mgmt):
        """``text`` of a device whose variables are merged key by key."""
        _text, _members, merged, prefix, _groups = place
        full = dict(merged)
        full.update(self.rows.layers['device'].get(dev_id, ()))
        text = prefix + ', ' + ', '.join(full.values()) if full else prefix
        if 'ansible_host' in full:
            return text
        return text + _host_part(mgmt)

    def render(self):
        rows = self.rows
        quote, own_get, exact = _quote, rows.own.get, rows.exact
        places = {}
        parts = ['{"_meta": {"hostvars": {']
        extend = parts.extend
        # Each entry ends with '}, '; the last one's comma goes after.
        for row in rows.devices:
            key = row[2:8]
            place = places.get(key)
            if place is None:
                place = places[key] = self._placement(key)
            qname = quote(row[0])
            place[1].append(qname)
            dev_id = row[9]
            if dev_id in exact or 'ansible_host' in place[2]:
                extend((qname, _UUID, row[1], '", ',
                        self._exact(place, dev_id, row[8]), '}, '))
            elif row[8]:
                extend((qname, _UUID, row[1], place[0], own_get(dev_id, ''),
                        ', "ansible_host": ', quote(row[8]), '}, '))
            else:
                extend((qname, _UUID, row[1], place[0], own_get(dev_id, ''),
                        '}, '))
        if rows.devices:
            parts[-1] = '}'
        parts.append('}}')
        parts.extend(self._groups(places))
        return ''.join(parts)

    def _groups(self, places):
        """The rendered groups: ``, "name": {"hosts": [...]}`` each."""
        rows = self.rows
        # Group members are kept JSON-quoted, as the host keys were.
        groups = {}
        for _text, members, _merged, _prefix, names in places.values():
            for g in names:
                groups.setdefault(g, []).extend(members)
        for name, label in rows.labels:
            groups.setdefault(group_name('label', label), []).append(
                _quote(name))
        gone = list(map(_quote, itertools.compress(
            map(operator.itemgetter(0), rows.devices),
            map(operator.itemgetter(10), rows.devices))))
        if gone:
            groups['fleet_missing'] = gone
        children = {}
        for cid, cname in rows.clouds.items():
            children[group_name('cloud', cname)] = sorted(
                group_name('region', n)
                for _rid, (n, c) in rows.regions.items() if c == cid)
        every = sorted(set(groups) | set(children))
        parts = []
        for g in every:
            parts.append(', %s: {"hosts": [' % _quote(g))
            parts.append(', '.join(sorted(groups.get(g, ()))))
            parts.append(']')
            if g in children:
                parts.append(', "children": %s' % json.dumps(children[g]))
            parts.append('}')
        parts.append(', "all": {"children": %s}}' % json.dumps(every))
        return parts
