"""Apply an inventory source's snapshot to the inventory.

One sync is one transaction: it adds what is new, changes what differs,
flags devices the source owns but no longer lists as missing (never deletes
them) and records every change. Run twice on the same input, the second run
changes nothing. With ``dry_run`` the same code runs and is rolled back.

Ownership: a device belongs to the source that created it. The owner may
change any attribute it reports; another source only fills attributes that
are empty, and adds its observations as variables.
"""

import collections
import json
import logging
import uuid as uuid_mod

import sqlalchemy as sa

from fleet.api import owners
from fleet.api import refs
from fleet.api import snapshot_checks
from fleet.api import variables as variables_api
from fleet.common import exception
from fleet.db import models

LOG = logging.getLogger(__name__)
ATTRS = ('type', 'role', 'serial', 'asset_tag', 'mgmt_address')

Report = collections.namedtuple('Report', 'rows counts')


class Sync:
    """Compare a snapshot with the inventory and apply the difference."""

    def __init__(self, fleet):
        self.fleet = fleet

    def run(self, ctx, source, params=None, conf=None, progress=None):
        """Load the source plugin ``source``, collect and apply.

        With ``ctx.dry_run`` the plan is computed and rolled back.

        :param params: passed to the plugin (``path``,
            ``connection_factory`` or ``connection``, ``cloud``,
            ``region``).
        """
        from fleet.plugins import loader
        if conf is None:
            from fleet.conf import CONF as conf
        params = dict(params or {})
        params.setdefault('default_region', conf.inventory.default_region)
        plugin = loader.load_source(source, conf, params)
        if progress:
            progress('collecting from %s' % source)
        snapshot = plugin.collect()
        return self.apply(ctx, source, snapshot, cloud=params.get('cloud'),
                          region=params.get('region'), progress=progress)

    def apply(self, ctx, source, snapshot, cloud=None, region=None,
              progress=None):
        """Apply ``snapshot`` from ``source``; return a :class:`Report`.

        :param cloud: cloud for devices that name none (API sources).
        :param region: region for devices that name none.
        :raises fleet.common.exception.InvalidAssetFile: bad records; the
            database is unchanged.
        """
        snapshot_checks.check(snapshot)
        run = _Run(self.fleet, snapshot.owner or source, snapshot, cloud,
                   region, progress)
        with self.fleet.transaction(
                ctx, 'inventory sync %s' % source) as txn:
            run.apply(txn)
        # Names and counts only: values (secrets among them) never.
        LOG.info('sync %s by %s%s: %s', run.source, ctx.actor,
                 ' (dry run)' if ctx.dry_run else '',
                 ', '.join('%d %s' % (n, action) for action, n in
                           sorted(run.counts.items())) or 'no changes')
        for row in run.rows:
            LOG.debug('sync %s: %s %s %s', run.source, row['action'],
                      row['kind'], row['name'])
        return Report(run.rows, run.counts)


def _insert_many(txn, model, rows, batch):
    """Core executemany INSERT in batches (no ORM bookkeeping)."""
    conn = txn.session.connection()
    insert = model.__table__.insert()
    for i in range(0, len(rows), batch):
        conn.execute(insert, rows[i:i + batch])


def _update_many(txn, model, rows, batch):
    """Core executemany UPDATE ... WHERE id = :_id; rows share keys."""
    if not rows:
        return
    table = model.__table__
    groups = collections.defaultdict(list)
    for row in rows:
        groups[tuple(sorted(row))].append(row)
    conn = txn.session.connection()
    for keys, items in groups.items():
        stmt = table.update().where(table.c.id == sa.bindparam('_id')).values(
            {k: sa.bindparam(k) for k in keys if k != '_id'})
        for i in range(0, len(items), batch):
            conn.execute(stmt, items[i:i + batch])


class _Run:
    """State of one sync: lookups loaded once, bulk writes, report rows."""

    def __init__(self, fleet, source, snapshot, cloud, region, progress):
        self.fleet = fleet
        self.source = source
        self.snap = snapshot
        self.default_cloud = cloud
        self.default_region = region
        self.progress = progress or (lambda msg: None)
        self.rows = []
        self._by_object = {}
        self._name_cache = {}
        self.counts = collections.Counter()

    def report(self, action, kind, name, details=''):
        """Add a report row; one row per object, details joined."""
        key = (kind, name)
        row = self._by_object.get(key)
        if row is not None:
            if action == 'changed' and row['action'] == 'returned':
                row['action'] = 'changed'
                self.counts['returned'] -= 1
                self.counts['changed'] += 1
            if details:
                row['details'] = '; '.join(x for x in (row['details'],
                                                       details) if x)
            return
        row = {'action': action, 'kind': kind, 'name': name,
               'details': details}
        self._by_object[key] = row
        self.rows.append(row)
        self.counts[action] += 1

    # -- hierarchy -----------------------------------------------------------
    def _load_hierarchy(self, s):
        self.clouds = {n: i for i, n in s.execute(
            sa.select(models.Cloud.id, models.Cloud.name))}
        self.regions = {}
        for rid, name, cid in s.execute(sa.select(
                models.Region.id, models.Region.name,
                models.Region.cloud_id)):
            self.regions.setdefault(name, {})[cid] = rid
        self.cells = {(r, n): i for i, n, r in s.execute(sa.select(
            models.Cell.id, models.Cell.name, models.Cell.region_id))}
        self.racks = {(r, n): (i, c) for i, n, r, c in s.execute(sa.select(
            models.Rack.id, models.Rack.name, models.Rack.region_id,
            models.Rack.cell_id))}

    def _cloud_id(self, txn, name, where, create):
        if name is None:
            if len(self.clouds) == 1:
                return next(iter(self.clouds.values()))
            if not self.clouds and not create:
                raise exception.InvalidAssetFile(
                    where, 'no cloud exists; declare one under "clouds"')
            if len(self.clouds) > 1:
                raise exception.InvalidAssetFile(
                    where, 'more than one cloud exists; name the cloud')
            name = 'default'
        if name not in self.clouds:
            if not create:
                raise exception.InvalidAssetFile(
                    where, 'unknown cloud %r; declare it under "clouds"'
                    % name)
            self.clouds[name] = self._insert(txn, models.Cloud, 'cloud', {
                'name': name, 'description': 'created by %s sync'
                % self.source})
        return self.clouds[name]

    def _region_id(self, txn, name, cloud, where, create):
        if name is None:
            raise exception.InvalidAssetFile(where, 'no region given; set '
                                             '"region"')
        by_cloud = self.regions.get(name, {})
        if cloud is None and len(by_cloud) == 1:
            return next(iter(by_cloud.values()))
        if cloud is None and len(by_cloud) > 1:
            raise exception.InvalidAssetFile(
                where, 'region %r exists in several clouds; set "cloud"'
                % name)
        cid = self._cloud_id(txn, cloud, where, create)
        if cid not in by_cloud:
            if not create:
                raise exception.InvalidAssetFile(
                    where, 'unknown region %r; declare it under "regions"'
                    % name)
            self.regions.setdefault(name, {})[cid] = self._insert(
                txn, models.Region, 'region', {'name': name,
                                               'cloud_id': cid})
        return self.regions[name][cid]

    def _level_name(self, column, level_id):
        """Name of a region, cell or rack id (reverse of the loaded maps)."""
        if level_id is None:
            return None
        return self._names(column).get(level_id)

    def _region_name(self, region_id):
        return self._names('region_id').get(region_id)

    def _names(self, column):
        """{id: name} for one level, rebuilt only when the level grew."""
        source = {'region_id': self.regions, 'cell_id': self.cells,
                  'rack_id': self.racks}[column]
        size = sum(len(v) for v in source.values()) \
            if column == 'region_id' else len(source)
        cached = self._name_cache.get(column)
        if cached is None or cached[0] != size:
            if column == 'region_id':
                names = {rid: name for name, by_cloud in source.items()
                         for rid in by_cloud.values()}
            elif column == 'cell_id':
                names = {i: n for (_r, n), i in source.items()}
            else:
                names = {v[0]: n for (_r, n), v in source.items()}
            cached = self._name_cache[column] = (size, names)
        return cached[1]

    def _insert(self, txn, model, kind, values):
        obj = model(**values)
        txn.session.add(obj)
        txn.session.flush()
        shown = {k: v for k, v in values.items() if not k.endswith('_id')}
        txn.record('create', kind, obj.id, obj.name, new=shown)
        self.report('added', kind, obj.name)
        return obj.id

    def _apply_hierarchy(self, txn):
        strict = self.snap.strict_hierarchy
        for c in self.snap.clouds:
            if c['name'] not in self.clouds:
                self.clouds[c['name']] = self._insert(
                    txn, models.Cloud, 'cloud',
                    {'name': c['name'], 'description': c.get('description')})
        for r in self.snap.regions:
            where = r.get('where') or 'region %r' % r['name']
            cid = self._cloud_id(txn, r.get('cloud'), where, not strict)
            if cid not in self.regions.get(r['name'], {}):
                self.regions.setdefault(r['name'], {})[cid] = self._insert(
                    txn, models.Region, 'region',
                    {'name': r['name'], 'cloud_id': cid,
                     'description': r.get('description')})
        for c in self.snap.cells:
            where = c.get('where') or 'cell %r' % c['name']
            rid = self._region_id(txn, c.get('region'), c.get('cloud'),
                                  where, False)
            if (rid, c['name']) not in self.cells:
                self.cells[(rid, c['name'])] = self._insert(
                    txn, models.Cell, 'cell', {
                        'name': c['name'], 'region_id': rid,
                        'description': c.get('description')})
        for k in self.snap.racks:
            where = k.get('where') or 'rack %r' % k['name']
            rid = self._region_id(txn, k.get('region'), k.get('cloud'),
                                  where, False)
            cell_id = None
            if k.get('cell'):
                cell_id = self.cells.get((rid, k['cell']))
                if cell_id is None:
                    raise exception.InvalidAssetFile(
                        where, 'unknown cell %r in region %r; declare it '
                        'under "cells"' % (k['cell'], k.get('region')))
            if (rid, k['name']) not in self.racks:
                self.racks[(rid, k['name'])] = (self._insert(
                    txn, models.Rack, 'rack', {
                        'name': k['name'], 'region_id': rid,
                        'cell_id': cell_id,
                        'description': k.get('description')}), cell_id)

    def _placement(self, txn, rec):
        where = rec.where or 'device %r' % rec.name
        strict = self.snap.strict_hierarchy
        region = rec.region or self.default_region
        cloud = rec.cloud or self.default_cloud
        if region is None and rec.rack:
            rids = [rid for (rid, name) in self.racks if name == rec.rack]
            if len(rids) > 1:
                raise exception.InvalidAssetFile(
                    where, 'rack %r exists in several regions; set "region"'
                    % rec.rack)
            if not rids:
                raise exception.InvalidAssetFile(
                    where, 'unknown rack %r; declare it under "racks"'
                    % rec.rack)
            region = self._region_name(rids[0])
        rid = self._region_id(txn, region, cloud, where, not strict)
        cell_id = rack_id = None
        if rec.rack:
            found = self.racks.get((rid, rec.rack))
            if found is None:
                raise exception.InvalidAssetFile(
                    where, 'unknown rack %r in region %r; declare it under '
                    '"racks"' % (rec.rack, region))
            rack_id, cell_id = found
        if rec.cell:
            cid = self.cells.get((rid, rec.cell))
            if cid is None:
                raise exception.InvalidAssetFile(
                    where, 'unknown cell %r in region %r; declare it under '
                    '"cells"' % (rec.cell, region))
            if cell_id is not None and cell_id != cid:
                raise exception.InvalidAssetFile(
                    where, 'rack %r is not in cell %r' % (rec.rack,
                                                          rec.cell))
            cell_id = cid
        return rid, cell_id, rack_id

    # -- devices -------------------------------------------------------------
    def apply(self, txn):
        s = txn.session
        owners.adopt_legacy(txn, self.snap, self.source,
                            self.fleet.batch_size)
        self._load_hierarchy(s)
        self._apply_hierarchy(txn)
        d = models.Device
        existing = {r.name: r for r in s.execute(sa.select(
            d.id, d.name, d.uuid, d.type, d.role, d.serial, d.asset_tag,
            d.mgmt_address, d.region_id, d.cell_id, d.rack_id, d.parent_id,
            d.source, d.external_id, d.missing))}
        by_external = {(r.source, r.external_id): r
                       for r in existing.values() if r.external_id}
        self.progress('comparing %d devices with %d in the inventory'
                      % (len(self.snap.devices), len(existing)))
        inserts, updates, seen = [], [], set()
        matched = {}
        for rec in self.snap.devices:
            row = None
            if rec.external_id:
                row = by_external.get((self.source, rec.external_id))
            if row is None:
                row = existing.get(rec.name)
            if row is None:
                inserts.append(self._new_device(txn, rec))
            else:
                seen.add(row.id)
                matched[rec.name] = row
                upd = self._device_diff(txn, rec, row)
                if upd:
                    updates.append(upd)
        snapshot_checks.new_uuids(self.snap, inserts, existing.values())
        self._write_devices(txn, inserts, updates)
        ids = {name: i for i, name in s.execute(sa.select(d.id, d.name))} \
            if inserts else {r.name: r.id for r in existing.values()}
        for rec in self.snap.devices:
            if rec.name not in ids and rec.name in matched:
                ids[rec.name] = matched[rec.name].id
        for values in inserts:
            txn.record('create', 'device', ids[values['name']],
                       values['name'], new={
                           k: v for k, v in values.items()
                           if not k.endswith('_id') and k != 'last_seen'})
        self._apply_parents(txn, ids, existing)
        self._apply_labels(txn, ids, matched)
        self._apply_device_vars(txn, ids, matched)
        self._apply_level_vars(txn, ids)
        self._touch(txn, seen)
        if self.snap.complete:
            self._flag_missing(txn, existing, seen)

    def _touch(self, txn, seen):
        """Set ``last_seen`` of the devices the source reported.

        A liveness timestamp, not inventory state: not in the change log.
        """
        table = models.Device.__table__
        conn = txn.session.connection()
        ids = sorted(seen)
        for i in range(0, len(ids), 500):
            conn.execute(table.update().where(
                table.c.id.in_(ids[i:i + 500])).values(last_seen=txn.now))

    def _new_device(self, txn, rec):
        rid, cell_id, rack_id = self._placement(txn, rec)
        self.report('added', 'device', rec.name)
        return {'uuid': rec.uuid or str(uuid_mod.uuid4()), 'name': rec.name,
                'type': rec.type, 'role': rec.role, 'serial': rec.serial,
                'asset_tag': rec.asset_tag, 'mgmt_address': rec.mgmt_address,
                'region_id': rid, 'cell_id': cell_id, 'rack_id': rack_id,
                'source': self.source, 'external_id': rec.external_id,
                'missing': False, 'last_seen': txn.now,
                'created_at': txn.now, 'updated_at': txn.now}

    def _device_diff(self, txn, rec, row):
        owner = row.source == self.source
        changes = {}
        for attr in ATTRS:
            new = getattr(rec, attr)
            old = getattr(row, attr)
            if new is None and old is not None and \
                    rec.retract.get(attr) == old:
                changes[attr] = None
                continue
            if new is None or new == old:
                continue
            if owner or old is None:
                changes[attr] = new
        if self.snap.strict_hierarchy:
            # Checked for every record (bad input is an error); applied
            # only to devices this source owns.
            rid, cell_id, rack_id = self._placement(txn, rec)
            for attr, new in (('region_id', rid), ('cell_id', cell_id),
                              ('rack_id', rack_id)):
                if owner and getattr(row, attr) != new:
                    changes[attr] = new
        if owner and rec.external_id and row.external_id != rec.external_id:
            changes['external_id'] = rec.external_id
        if owner and row.missing:
            changes['missing'] = False
        if not changes:
            return None
        shown = {}
        for attr, new in changes.items():
            field, old = attr, getattr(row, attr)
            if attr in ('region_id', 'cell_id', 'rack_id'):
                field = attr[:-3]
                old, new = self._level_name(attr, old), \
                    self._level_name(attr, new)
            shown[field] = (old, new)
            txn.record('update', 'device', row.id, row.name, field=field,
                       old=old, new=new)
        details = '; '.join('%s: %s -> %s' % (f, o, n)
                            for f, (o, n) in shown.items())
        self.report('returned' if changes.get('missing') is False and
                    len(changes) == 1 else 'changed', 'device', row.name,
                    details)
        changes['_id'] = row.id
        return changes

    def _write_devices(self, txn, inserts, updates):
        batch = self.fleet.batch_size
        if inserts:
            self.progress('adding %d devices' % len(inserts))
        _insert_many(txn, models.Device, inserts, batch)
        for upd in updates:
            upd['updated_at'] = txn.now
        _update_many(txn, models.Device, updates, batch)

    def _apply_parents(self, txn, ids, existing):
        s = txn.session
        parent_updates = []
        name_of = None
        for rec in self.snap.devices:
            if not rec.parent:
                continue
            pid = ids.get(rec.parent)
            if pid is None:
                raise exception.InvalidAssetFile(
                    rec.where or 'device %r' % rec.name,
                    'unknown parent device %r; list it in the file or '
                    'create it first' % rec.parent)
            dev_id = ids[rec.name]
            old = existing.get(rec.name)
            if old is not None and old.parent_id == pid:
                continue
            parent_updates.append({'_id': dev_id, 'parent_id': pid})
            if old is not None:
                if name_of is None:
                    name_of = {i: n for n, i in ids.items()}
                old_parent = name_of.get(old.parent_id)
                txn.record('update', 'device', dev_id, rec.name,
                           field='parent', old=old_parent, new=rec.parent)
                self.report('changed', 'device', rec.name,
                            'parent -> %s' % rec.parent)
        _update_many(txn, models.Device, parent_updates,
                     self.fleet.batch_size)
        if parent_updates:
            self._check_no_cycles(s)

    @staticmethod
    def _check_no_cycles(s):
        parent = dict(s.execute(sa.select(
            models.Device.id, models.Device.parent_id).where(
                models.Device.parent_id.is_not(None))).all())
        for start in parent:
            seen, node = set(), start
            while node in parent:
                if node in seen:
                    raise exception.InvalidAssetFile(
                        'device id %d' % start, 'parent cycle with devices '
                        'already in the inventory; fix the parents')
                seen.add(node)
                node = parent[node]

    def _apply_labels(self, txn, ids, matched):
        s = txn.session
        wanted = {r.name: set(r.labels) for r in self.snap.devices
                  if r.labels is not None}
        if not wanted:
            return
        have = collections.defaultdict(set)
        matched_ids = {matched[n].id for n in wanted if n in matched}
        if matched_ids:
            for dev_id, label in s.execute(sa.select(
                    models.Label.device_id, models.Label.label)):
                if dev_id in matched_ids:
                    have[dev_id].add(label)
        adds, removes = [], []
        for name, labels in wanted.items():
            dev_id = ids[name]
            row = matched.get(name)
            current = have.get(dev_id, set())
            owner = row is None or row.source == self.source
            target = labels if owner else current | labels
            for label in target - current:
                adds.append({'device_id': dev_id, 'label': label})
            for label in current - target:
                removes.append((dev_id, label))
            if row is not None and target != current:
                txn.record('update', 'device', dev_id, name,
                           field='labels', old=sorted(current),
                           new=sorted(target))
                self.report('changed', 'device', name, 'labels')
        _insert_many(txn, models.Label, adds, self.fleet.batch_size)
        for dev_id, label in removes:
            s.execute(sa.delete(models.Label).where(
                models.Label.device_id == dev_id,
                models.Label.label == label))

    def _apply_device_vars(self, txn, ids, matched):
        s = txn.session
        recs = [r for r in self.snap.devices
                if r.vars or r.facts or r.secrets]
        if not recs:
            return
        current = collections.defaultdict(dict)
        matched_ids = {matched[r.name].id for r in recs if r.name in matched}
        if matched_ids:
            v = models.Variable
            q = sa.select(v.id, v.scope_id, v.key, v.value, v.secret).where(
                v.scope == 'device')
            if len(matched_ids) < 500:
                q = q.where(v.scope_id.in_(matched_ids))
            for row in s.execute(q):
                if row.scope_id in matched_ids:
                    current[row.scope_id][row.key] = row
        inserts, updates = [], []
        changed_devices = {}
        keyring = self.fleet.keyring
        for rec in recs:
            dev_id = ids[rec.name]
            have = current.get(dev_id, {})
            for values, secret, observed in ((rec.vars, False, False),
                                             (rec.facts, False, True),
                                             (rec.secrets, True, False)):
                for key, value in values.items():
                    text = json.dumps(value, sort_keys=True)
                    old = have.get(key)
                    if old is None:
                        inserts.append({
                            'scope': 'device', 'scope_id': dev_id,
                            'key': key, 'value': (
                                keyring.encrypt(text, 'vars.' + key)
                                if secret else text), 'secret': secret,
                            'observed': observed, 'updated_at': txn.now})
                        txn.record('create', 'device', dev_id, rec.name,
                                   field='vars.' + key, new=text,
                                   secret=secret, raw=True)
                    elif (old.secret != secret or text != (
                            keyring.decrypt(old.value, 'vars.' + key)
                            if old.secret else old.value)):
                        updates.append({
                            '_id': old.id, 'value': (
                                keyring.encrypt(text, 'vars.' + key)
                                if secret else text),
                            'secret': secret, 'observed': observed})
                        txn.record('update', 'device', dev_id, rec.name,
                                   field='vars.' + key, old=old.value,
                                   new=text, secret=secret or old.secret,
                                   raw=True)
                    else:
                        continue
                    if rec.name in matched:
                        changed_devices.setdefault(rec.name, []).append(key)
        _insert_many(txn, models.Variable, inserts, self.fleet.batch_size)
        for upd in updates:
            upd['updated_at'] = txn.now
        _update_many(txn, models.Variable, updates, self.fleet.batch_size)
        for name in sorted(changed_devices):
            self.report('changed', 'device', name, 'vars: %s' % ', '.join(
                sorted(changed_devices[name])))

    def _level_scope_id(self, txn, item, ids):
        """Scope id of a hierarchy-level variable set, from loaded maps."""
        scope, name = item['scope'], item.get('name')
        where = item.get('where') or '%s %r' % (scope, name)
        if scope == 'defaults':
            return 0
        if scope not in refs.SCOPES:
            raise exception.InvalidAssetFile(
                where, 'unknown scope %r; use one of %s' % (
                    scope, ', '.join(refs.SCOPES)))
        if not name:
            raise exception.InvalidAssetFile(where, 'missing "name"')
        if scope == 'cloud':
            return self._cloud_id(txn, name, where, False)
        if scope == 'device':
            if name not in ids:
                raise exception.InvalidAssetFile(
                    where, 'unknown device %r' % name)
            return ids[name]
        if scope == 'region':
            return self._region_id(txn, name, item.get('cloud'), where,
                                   False)
        table = self.cells if scope == 'cell' else self.racks
        region = item.get('region')
        if region is None:
            rids = [rid for (rid, n) in table if n == name]
            if len(rids) != 1:
                raise exception.InvalidAssetFile(where, (
                    'unknown %s %r' if not rids else
                    '%s %r exists in several regions; set "region"')
                    % (scope, name))
            rid = rids[0]
        else:
            rid = self._region_id(txn, region, item.get('cloud'), where,
                                  False)
        found = table.get((rid, name))
        if found is None:
            raise exception.InvalidAssetFile(
                where, 'unknown %s %r in region %r' % (scope, name, region))
        return found[0] if scope == 'rack' else found

    def _apply_level_vars(self, txn, ids):
        items = list(self.snap.variables)
        if self.snap.defaults:
            items.append({'scope': 'defaults', 'name': None,
                          'vars': self.snap.defaults})
        if not items:
            return
        v = models.Variable
        existing = collections.defaultdict(dict)
        for var in txn.session.scalars(sa.select(v).where(
                v.scope != 'device')):
            existing[(var.scope, var.scope_id)][var.key] = var
        for item in items:
            scope = item['scope']
            scope_id = self._level_scope_id(txn, item, ids)
            obj_name = item.get('name') or 'defaults'
            have = existing[(scope, scope_id)] if scope != 'device' else None
            for values, secret in ((item.get('vars') or {}, False),
                                   (item.get('secrets') or {}, True)):
                try:
                    encoded = {variables_api.check_key(k):
                               variables_api.encode(k, val)
                               for k, val in values.items()}
                except exception.FleetError as exc:
                    raise exception.InvalidAssetFile(
                        item.get('where') or obj_name, str(exc))
                if encoded and self.fleet.variables.apply(
                        txn, scope, scope_id, obj_name, encoded,
                        secret=secret, existing=have):
                    self.report('changed', scope, obj_name, 'variables')

    def _flag_missing(self, txn, existing, seen):
        s = txn.session
        gone = [r for r in existing.values()
                if r.source == self.source and r.id not in seen and
                not r.missing]
        for row in gone:
            s.execute(sa.update(models.Device).where(
                models.Device.id == row.id).values(missing=True,
                                                   updated_at=txn.now))
            txn.record('update', 'device', row.id, row.name,
                       field='missing', old=False, new=True)
            self.report('missing', 'device', row.name,
                        'no longer reported by %s; flagged, not deleted'
                        % self.source)
        for row in existing.values():
            if (row.source == self.source and row.id not in seen and
                    row.missing):
                self.counts['still missing'] += 1
