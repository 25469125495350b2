"""Bulk resolution of every device's variables, and inventory exports.

Built for 100,000 devices: a handful of queries (no query per device), the
shared part of each chain (rack, cell, region, cloud, defaults) merged once
per placement, and stored JSON text spliced into the output without being
decoded and encoded again.
"""

import collections
import functools
import json
import re

import sqlalchemy as sa

from fleet.db import models

_GROUP_RE = re.compile(r'[^A-Za-z0-9_]')

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


def group_name(prefix, *parts):
    """An Ansible-safe group name: ``rack_region1_r12``."""
    return _GROUP_RE.sub('_', '_'.join((prefix,) + parts))


class Exporter:
    """Resolve all devices at once and write exports."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _load(self, conn, include_secrets):
        """Read every row the exports need, in six queries.

        Rows come straight from the DB-API cursor (plain tuples): at
        100,000 devices the result-row layer would cost more than the
        database itself.
        """
        d = models.Device
        v = models.Variable
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
        q = sa.select(v.scope, v.scope_id, v.key, v.value)
        if not include_secrets:
            q = q.where(v.secret == sa.false())
        layers = {}
        for scope, sid, key, value in fetch(q):
            layer = layers.get((scope, sid))
            if layer is None:
                layer = layers[(scope, sid)] = {}
            layer[key] = value
        labels = {}
        for dev_id, label in fetch(sa.select(models.Label.device_id,
                                             models.Label.label)):
            labels.setdefault(dev_id, []).append(label)
        return devices, clouds, regions, cells, racks, layers, labels

    def iter_resolved(self, include_secrets=False):
        """Yield ``(device_row, {key: json_text})`` for every device."""
        with self.fleet.reading() as s:
            devices, clouds, regions, cells, racks, layers, labels = \
                self._load(s.connection(), include_secrets)
        devices = [DeviceRow(*row) for row in devices]
        yield from self._resolve(devices, regions, layers)

    @staticmethod
    def _resolve(devices, regions, layers):
        empty = {}
        base_cache = {}
        by_id = {row.id: row for row in devices}
        parent_cache = {}

        def parents_merged(parent_id):
            # Merged vars of the parent chain, nearest parent winning.
            if parent_id in parent_cache:
                return parent_cache[parent_id]
            chain, seen, pid = [], set(), parent_id
            while pid and pid not in seen and pid in by_id:
                seen.add(pid)
                chain.append(layers.get(('device', pid), empty))
                pid = by_id[pid].parent_id
            merged = {}
            for layer in reversed(chain):
                merged.update(layer)
            parent_cache[parent_id] = merged
            return merged

        for row in devices:
            key = (row.rack_id, row.cell_id, row.region_id)
            base = base_cache.get(key)
            if base is None:
                cloud_id = regions[row.region_id][1]
                base = dict(layers.get(('defaults', 0), empty))
                base.update(layers.get(('cloud', cloud_id), empty))
                base.update(layers.get(('region', row.region_id), empty))
                if row.cell_id:
                    base.update(layers.get(('cell', row.cell_id), empty))
                if row.rack_id:
                    base.update(layers.get(('rack', row.rack_id), empty))
                base_cache[key] = base
            own = layers.get(('device', row.id))
            if row.parent_id:
                merged = dict(base)
                merged.update(parents_merged(row.parent_id))
                if own:
                    merged.update(own)
            elif own:
                merged = dict(base)
                merged.update(own)
            else:
                merged = base
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
        with self.fleet.reading() as s:
            devices, clouds, regions, cells, racks, layers, labels = \
                self._load(s.connection(), include_secrets)
        return _AnsibleWriter(devices, clouds, regions, cells, racks,
                              layers, labels).render()


_QUOTED = {}


def _quoted(key):
    """JSON-quoted variable name followed by ': ' (cached)."""
    got = _QUOTED.get(key)
    if got is None:
        got = _QUOTED[key] = json.dumps(key) + ': '
    return got


def _fragment(merged):
    """``"k": v, ...`` of stored JSON texts (no decoding)."""
    quoted = _QUOTED
    return ', '.join((quoted.get(k) or _quoted(k)) + v
                     for k, v in merged.items())


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
        self.parent_of = {row[0]: row[8] for row in devices}
        self.base = {}

    def _base(self, rack_id, cell_id, region_id):
        """Merged variables of rack, cell, region, cloud and defaults."""
        key = (rack_id, cell_id, region_id)
        merged = self.base.get(key)
        if merged is None:
            layers, empty = self.layers, {}
            merged = dict(layers.get(('defaults', 0), empty))
            merged.update(layers.get(
                ('cloud', self.regions[region_id][1]), empty))
            merged.update(layers.get(('region', region_id), empty))
            if cell_id:
                merged.update(layers.get(('cell', cell_id), empty))
            if rack_id:
                merged.update(layers.get(('rack', rack_id), empty))
            self.base[key] = merged
        return merged

    def _shared(self, key):
        """(merged vars, fleet_* text, full text, groups) for one key."""
        rack_id, cell_id, region_id, parent_id, dtype, role = key
        merged = self._base(rack_id, cell_id, region_id)
        if parent_id:
            merged = dict(merged)
            chain, seen, pid = [], set(), parent_id
            while pid and pid not in seen and pid in self.parent_of:
                seen.add(pid)
                chain.append(self.layers.get(('device', pid), {}))
                pid = self.parent_of[pid]
            for layer in reversed(chain):
                merged.update(layer)
        dumps = json.dumps
        rname = self.regions[region_id][0]
        fields = ['"fleet_type": %s' % dumps(dtype),
                  '"fleet_role": %s' % dumps(role),
                  '"fleet_region": %s' % dumps(rname)]
        groups = [group_name('region', rname), 'type_' + dtype]
        if role:
            groups.append(group_name('role', role))
        if cell_id:
            fields.append('"fleet_cell": %s' % dumps(self.cells[cell_id]))
            groups.append(group_name('cell', rname, self.cells[cell_id]))
        if rack_id:
            fields.append('"fleet_rack": %s' % dumps(self.racks[rack_id]))
            groups.append(group_name('rack', rname, self.racks[rack_id]))
        prefix = ', '.join(fields)
        text = prefix + ', ' + _fragment(merged) if merged else prefix
        return merged, prefix, text, groups

    def render(self):
        dumps = json.dumps
        layers = self.layers
        shared = {}
        members = {}
        parts = []
        append = parts.append
        missing = []
        for (dev_id, name, uuid, dtype, role, region_id, cell_id, rack_id,
             parent_id, mgmt, is_missing) in self.devices:
            if is_missing:
                missing.append(name)
            key = (rack_id, cell_id, region_id, parent_id, dtype, role)
            got = shared.get(key)
            if got is None:
                got = shared[key] = self._shared(key)
                members[key] = []
            merged, prefix, text, _groups = got
            members[key].append(name)
            own = layers.get(('device', dev_id))
            if own:
                if merged.keys().isdisjoint(own):
                    text = text + ', ' + _fragment(own)
                else:
                    full = dict(merged)
                    full.update(own)
                    text = prefix + ', ' + _fragment(full)
            if mgmt and 'ansible_host' not in merged and (
                    not own or 'ansible_host' not in own):
                text = text + ', "ansible_host": ' + dumps(mgmt)
            append('%s: {"fleet_uuid": "%s", %s}' % (dumps(name), uuid,
                                                     text))
        groups = {}
        for key, names in members.items():
            for g in shared[key][3]:
                groups.setdefault(g, []).extend(names)
        for dev_id, name in ((row[0], row[1]) for row in self.devices
                             if row[0] in self.labels):
            for label in self.labels[dev_id]:
                groups.setdefault(group_name('label', label), []).append(
                    name)
        out = {}
        for cid, cname in self.clouds.items():
            out[group_name('cloud', cname)] = {
                'hosts': [], 'children': sorted(
                    group_name('region', n)
                    for _rid, (n, c) in self.regions.items() if c == cid)}
        if missing:
            groups['fleet_missing'] = missing
        for g, names in groups.items():
            out[g] = {'hosts': sorted(names)}
        out['all'] = {'children': sorted(out)}
        groups_json = dumps(out, sort_keys=True)
        return ('{"_meta": {"hostvars": {' + ', '.join(parts) + '}}, ' +
                groups_json[1:])
