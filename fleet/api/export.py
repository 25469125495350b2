"""Bulk resolution of every device's variables, and inventory exports.

Built for 100,000 devices: a handful of queries (no query per device), the
shared part of each chain (rack, cell, region, cloud, defaults) merged once
per placement, and stored JSON text spliced into the output without being
decoded and encoded again.
"""

import collections
import contextlib
import functools
import gc
import json
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


class Exporter:
    """Resolve all devices at once and write exports."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _load(self, conn, include_secrets, rendered=False):
        """Read every row the exports need, in six queries.

        Rows come straight from the DB-API cursor (plain tuples): at
        100,000 devices the result-row layer would cost more than the
        database itself. ``layers[scope][id]`` is {key: JSON text}, or with
        ``rendered`` {key: '"key": JSON text'}, ready to join.
        """
        d = models.Device
        fetch = functools.partial(_fetch_all, conn)
        devices = fetch(sa.select(
            d.id, d.name, d.uuid, d.type, d.role, d.region_id, d.cell_id,
            d.rack_id, d.parent_id, d.mgmt_address, d.missing).order_by(
                d.name))
        clouds = dict(fetch(sa.select(models.Cloud.id, models.Cloud.name)))
        regions = {rid: (name, cid) for rid, name, cid in fetch(
            sa.select(models.Region.id, models.Region.name,
                      models.Region.cloud_id))}
        cells = dict(fetch(sa.select(models.Cell.id, models.Cell.name)))
        racks = dict(fetch(sa.select(models.Rack.id, models.Rack.name)))
        layers = self._load_layers(fetch, include_secrets, rendered)
        labels = {}
        for dev_id, label in fetch(sa.select(models.Label.device_id,
                                             models.Label.label)):
            labels.setdefault(dev_id, []).append(label)
        return devices, clouds, regions, cells, racks, layers, labels

    @staticmethod
    def _load_layers(fetch, include_secrets, rendered):
        """Variables as ``layers[scope][id] = {key: text}``."""
        v = models.Variable
        value = v.value
        if rendered:
            # Keys are identifiers (see variables.KEY_RE): no escaping.
            value = sa.literal('"') + v.key + sa.literal('": ') + v.value
        q = sa.select(v.scope, v.scope_id, v.key, value)
        if not include_secrets:
            q = q.where(v.secret == sa.false())
        layers = {scope: {} for scope in refs.SCOPES}
        for scope, sid, key, text in fetch(q):
            by_id = layers[scope]
            layer = by_id.get(sid)
            if layer is None:
                layer = by_id[sid] = {}
            layer[key] = text
        return layers

    def iter_resolved(self, include_secrets=False):
        """Yield ``(device_row, {key: json_text})`` for every device."""
        with self.fleet.reading() as s:
            devices, clouds, regions, cells, racks, layers, labels = \
                self._load(s.connection(), include_secrets)
        devices = [DeviceRow(*row) for row in devices]
        yield from self._resolve(devices, regions, layers)

    @staticmethod
    def _resolve(devices, regions, layers):
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

    def resolved_all(self, include_secrets=False):
        """``{device name: {key: value}}`` for every device (decoded)."""
        return {row.name: {k: json.loads(v) for k, v in merged.items()}
                for row, merged in self.iter_resolved(include_secrets)}

    def ansible(self, include_secrets=False):
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
            devices, clouds, regions, cells, racks, layers, labels = \
                self._load(s.connection(), include_secrets, rendered=True)
            return _AnsibleWriter(devices, clouds, regions, cells, racks,
                                  layers, labels).render()


def _fragment(layer):
    """``"k": v, ...`` of a layer of pre-rendered pairs."""
    return ', '.join(layer.values())


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


class _AnsibleWriter:
    """Renders the inventory.

    Devices that share placement, parent, type and role share everything
    but their UUID, name and own variables, so that part is rendered once
    per such group and spliced; per device only a lookup and a format are
    left.
    """

    def __init__(self, devices, clouds, regions, cells, racks, layers,
                 labels):
        self.devices = devices
        self.clouds = clouds
        self.regions = regions
        self.cells = cells
        self.racks = racks
        self.layers = layers
        self.labels = labels
        self.chains = _Chains(layers, regions,
                              {row[0]: row[8] for row in devices})
        self.merged = {}
        self.prefixes = {}

    def _merged(self, rack_id, cell_id, region_id, parent_id):
        """(merged vars, rendered text) of what a placement shares."""
        key = (rack_id, cell_id, region_id, parent_id)
        got = self.merged.get(key)
        if got is None:
            merged = self.chains.shared(rack_id, cell_id, region_id,
                                        parent_id)
            got = self.merged[key] = (merged, _fragment(merged))
        return got

    def _prefix(self, rack_id, cell_id, region_id, dtype, role):
        """(fleet_* text, group names) of a placement, type and role."""
        key = (rack_id, cell_id, region_id, dtype, role)
        got = self.prefixes.get(key)
        if got is None:
            dumps = json.dumps
            rname = self.regions[region_id][0]
            fields = ['"fleet_type": %s' % dumps(dtype),
                      '"fleet_role": %s' % dumps(role),
                      '"fleet_region": %s' % dumps(rname)]
            groups = [group_name('region', rname), 'type_' + dtype]
            if role:
                groups.append(group_name('role', role))
            if cell_id:
                cell = self.cells[cell_id]
                fields.append('"fleet_cell": %s' % dumps(cell))
                groups.append(group_name('cell', rname, cell))
            if rack_id:
                rack = self.racks[rack_id]
                fields.append('"fleet_rack": %s' % dumps(rack))
                groups.append(group_name('rack', rname, rack))
            got = self.prefixes[key] = (', '.join(fields), groups)
        return got

    def _shared(self, key):
        """(merged vars, fleet_* text, full text, groups, members)."""
        rack_id, cell_id, region_id, parent_id, dtype, role = key
        merged, fragment = self._merged(rack_id, cell_id, region_id,
                                        parent_id)
        prefix, groups = self._prefix(rack_id, cell_id, region_id, dtype,
                                      role)
        text = prefix + ', ' + fragment if fragment else prefix
        return merged, prefix, text, groups, []

    def render(self):
        quote = _quote
        own_layers = self.layers['device']
        shared = {}
        parts = ['{"_meta": {"hostvars": {']
        extend = parts.extend
        missing = []
        sep = ''
        for (dev_id, name, uuid, dtype, role, region_id, cell_id, rack_id,
             parent_id, mgmt, is_missing) in self.devices:
            if is_missing:
                missing.append(name)
            key = (rack_id, cell_id, region_id, parent_id, dtype, role)
            got = shared.get(key)
            if got is None:
                got = shared[key] = self._shared(key)
            merged, prefix, text, _groups, members = got
            qname = quote(name)
            members.append(qname)
            own = own_layers.get(dev_id)
            if own:
                if merged.keys().isdisjoint(own):
                    extend((sep, qname, ': {"fleet_uuid": "', uuid,
                            '", ', text, ', ', ', '.join(own.values())))
                else:
                    full = dict(merged)
                    full.update(own)
                    extend((sep, qname, ': {"fleet_uuid": "', uuid,
                            '", ', prefix, ', ', ', '.join(full.values())))
            else:
                extend((sep, qname, ': {"fleet_uuid": "', uuid, '", ',
                        text))
            if mgmt and 'ansible_host' not in merged and (
                    not own or 'ansible_host' not in own):
                extend((', "ansible_host": ', quote(mgmt), '}'))
            else:
                parts.append('}')
            sep = ', '
        # Group members are kept JSON-quoted, as the host keys were.
        groups = {}
        for _m, _p, _t, names_of, names in shared.values():
            for g in names_of:
                groups.setdefault(g, []).extend(names)
        for dev_id, name in ((row[0], row[1]) for row in self.devices
                             if row[0] in self.labels):
            for label in self.labels[dev_id]:
                groups.setdefault(group_name('label', label), []).append(
                    quote(name))
        if missing:
            groups['fleet_missing'] = [quote(n) for n in missing]
        children = {}
        for cid, cname in self.clouds.items():
            children[group_name('cloud', cname)] = sorted(
                group_name('region', n)
                for _rid, (n, c) in self.regions.items() if c == cid)
        every = sorted(set(groups) | set(children))
        parts.append('}}')
        for g in every:
            parts.append(', %s: {"hosts": [' % quote(g))
            parts.append(', '.join(sorted(groups.get(g, ()))))
            parts.append(']')
            if g in children:
                parts.append(', "children": %s' % json.dumps(children[g]))
            parts.append('}')
        parts.append(', "all": {"children": %s}}' % json.dumps(every))
        return ''.join(parts)
