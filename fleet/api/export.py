"""Bulk resolution of every device's variables, and inventory exports.

Built for 100,000 devices: a handful of queries (no query per device), the
shared part of each chain (rack, cell, region, cloud, defaults) merged once
per placement, and stored JSON text spliced into the output without being
decoded and encoded again.
"""

import json
import re

import sqlalchemy as sa

from fleet.db import models

_GROUP_RE = re.compile(r'[^A-Za-z0-9_]')


def group_name(prefix, *parts):
    """An Ansible-safe group name: ``rack_region1_r12``."""
    return _GROUP_RE.sub('_', '_'.join((prefix,) + parts))


class Exporter:
    """Resolve all devices at once and write exports."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _load(self, s, include_secrets):
        d = models.Device
        devices = s.execute(sa.select(
            d.id, d.name, d.uuid, d.type, d.role, d.region_id, d.cell_id,
            d.rack_id, d.parent_id, d.mgmt_address, d.missing).order_by(
                d.name)).all()
        clouds = dict(s.execute(sa.select(models.Cloud.id,
                                          models.Cloud.name)).all())
        regions = {rid: (name, cid) for rid, name, cid in s.execute(
            sa.select(models.Region.id, models.Region.name,
                      models.Region.cloud_id))}
        cells = dict(s.execute(sa.select(models.Cell.id,
                                         models.Cell.name)).all())
        racks = dict(s.execute(sa.select(models.Rack.id,
                                         models.Rack.name)).all())
        q = sa.select(models.Variable.scope, models.Variable.scope_id,
                      models.Variable.key, models.Variable.value)
        if not include_secrets:
            q = q.where(models.Variable.secret == sa.false())
        layers = {}
        for scope, sid, key, value in s.execute(q):
            layers.setdefault((scope, sid), {})[key] = value
        labels = {}
        for dev_id, label in s.execute(sa.select(models.Label.device_id,
                                                 models.Label.label)):
            labels.setdefault(dev_id, []).append(label)
        return devices, clouds, regions, cells, racks, layers, labels

    def iter_resolved(self, include_secrets=False):
        """Yield ``(device_row, {key: json_text})`` for every device."""
        with self.fleet.reading() as s:
            devices, clouds, regions, cells, racks, layers, labels = \
                self._load(s, include_secrets)
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
        ``label_<l>``. Host variables: the resolved variables plus
        ``fleet_uuid``, ``fleet_type``, ``fleet_role``, ``fleet_region``,
        ``fleet_cell``, ``fleet_rack``; ``ansible_host`` defaults to the
        management address. Secret variables only with ``include_secrets``.
        """
        with self.fleet.reading() as s:
            devices, clouds, regions, cells, racks, layers, labels = \
                self._load(s, include_secrets)
        dumps = json.dumps
        keycache = {}
        groups = {}
        host_parts = []
        region_group = {rid: group_name('region', name)
                        for rid, (name, _c) in regions.items()}
        cell_group = {}
        rack_group = {}
        for row, merged in self._resolve(devices, regions, layers):
            rname = regions[row.region_id][0]
            fields = ['"fleet_uuid": "%s"' % row.uuid,
                      '"fleet_type": %s' % dumps(row.type),
                      '"fleet_role": %s' % dumps(row.role),
                      '"fleet_region": %s' % dumps(rname)]
            member_of = [region_group[row.region_id],
                         'type_' + row.type]
            if row.role:
                member_of.append(group_name('role', row.role))
            if row.cell_id:
                g = cell_group.get(row.cell_id)
                if g is None:
                    g = cell_group[row.cell_id] = group_name(
                        'cell', rname, cells[row.cell_id])
                member_of.append(g)
                fields.append('"fleet_cell": %s' % dumps(cells[row.cell_id]))
            if row.rack_id:
                g = rack_group.get(row.rack_id)
                if g is None:
                    g = rack_group[row.rack_id] = group_name(
                        'rack', rname, racks[row.rack_id])
                member_of.append(g)
                fields.append('"fleet_rack": %s' % dumps(racks[row.rack_id]))
            for label in labels.get(row.id, ()):
                member_of.append(group_name('label', label))
            if row.mgmt_address and 'ansible_host' not in merged:
                fields.append('"ansible_host": %s' % dumps(row.mgmt_address))
            for key, text in merged.items():
                qk = keycache.get(key)
                if qk is None:
                    qk = keycache[key] = dumps(key)
                fields.append('%s: %s' % (qk, text))
            host_parts.append('%s: {%s}' % (dumps(row.name),
                                            ', '.join(fields)))
            for g in member_of:
                members = groups.get(g)
                if members is None:
                    groups[g] = [row.name]
                else:
                    members.append(row.name)
        out = {}
        for cid, cname in clouds.items():
            out[group_name('cloud', cname)] = {
                'hosts': [], 'children': sorted(
                    region_group[rid] for rid, (_n, c) in regions.items()
                    if c == cid)}
        for g, members in groups.items():
            out[g] = {'hosts': members}
        out['all'] = {'children': sorted(out)}
        groups_json = dumps(out, sort_keys=True)
        return ('{"_meta": {"hostvars": {' + ', '.join(host_parts) +
                '}}, ' + groups_json[1:])
