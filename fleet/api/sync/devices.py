"""Sync step: devices — match, add, change, parents, labels, missing.

A record matches the device this source created with the same external id,
else the device of the same name. The owner may change every attribute it
reports; another source only fills empty ones. Every write here is a bulk
statement per batch (:mod:`fleet.db.bulk`): nothing runs one query per
device.
"""

import collections
import uuid as uuid_mod

import sqlalchemy as sa

from fleet.api import snapshot_checks
from fleet.api.sync import state as state_mod
from fleet.db import bulk
from fleet.db import models

ATTRS = ('type', 'role', 'serial', 'asset_tag', 'mgmt_address')
LEVEL_OF = {'region_id': 'region', 'cell_id': 'cell', 'rack_id': 'rack'}

invalid = state_mod.invalid


class Devices:
    """Apply a snapshot's device records."""

    def __init__(self, state, hierarchy):
        self.st = state
        self.hier = hierarchy
        self.existing = {}     # name -> row of every device before the sync
        self.matched = {}      # record name -> existing row
        self.seen = set()      # ids of existing devices the source reported
        self.ids = {}          # device name -> id, after inserts

    def apply(self):
        """Add and change devices; then parents and labels."""
        st = self.st
        d = models.Device
        self.existing = {r.name: r for r in st.session.execute(sa.select(
            d.id, d.name, d.uuid, d.type, d.role, d.serial, d.asset_tag,
            d.mgmt_address, d.region_id, d.cell_id, d.rack_id, d.parent_id,
            d.source, d.external_id, d.missing))}
        by_external = {(r.source, r.external_id): r
                       for r in self.existing.values() if r.external_id}
        st.progress('comparing %d devices with %d in the inventory'
                    % (len(st.snap.devices), len(self.existing)))
        inserts, updates = [], []
        for rec in st.snap.devices:
            row = None
            if rec.external_id:
                row = by_external.get((st.source, rec.external_id))
            if row is None:
                row = self.existing.get(rec.name)
            if row is None:
                inserts.append(self._new_device(rec))
                continue
            self.seen.add(row.id)
            self.matched[rec.name] = row
            upd = self._diff(rec, row)
            if upd:
                updates.append(upd)
        snapshot_checks.new_uuids(st.snap, inserts, self.existing.values())
        self._write(inserts, updates)
        self._apply_parents()
        self._apply_labels()

    def _new_device(self, rec):
        st = self.st
        rid, cell_id, rack_id = self.hier.placement(rec)
        st.report('added', 'device', rec.name)
        now = st.txn.now
        return {'uuid': rec.uuid or str(uuid_mod.uuid4()), 'name': rec.name,
                'type': rec.type, 'role': rec.role, 'serial': rec.serial,
                'asset_tag': rec.asset_tag, 'mgmt_address': rec.mgmt_address,
                'region_id': rid, 'cell_id': cell_id, 'rack_id': rack_id,
                'source': st.source, 'external_id': rec.external_id,
                'missing': False, 'last_seen': now,
                'created_at': now, 'updated_at': now}

    def _diff(self, rec, row):
        st = self.st
        owner = row.source == st.source
        changes = {}
        for attr in ATTRS:
            new = getattr(rec, attr)
            old = getattr(row, attr)
            if new is None and old is not None and \
                    rec.retract.get(attr) == old:
                # A value this source set before and now takes back.
                changes[attr] = None
                continue
            if new is None or new == old:
                continue
            if owner or old is None:
                changes[attr] = new
        if st.snap.strict_hierarchy:
            # Checked for every record (bad input is an error); applied
            # only to devices this source owns.
            placed = self.hier.placement(rec)
            for attr, new in zip(('region_id', 'cell_id', 'rack_id'),
                                 placed):
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
            if attr in LEVEL_OF:
                field = LEVEL_OF[attr]
                old = st.index.name(field, old)
                new = st.index.name(field, new)
            shown[field] = (old, new)
            st.txn.record('update', 'device', row.id, row.name, field=field,
                          old=old, new=new)
        details = '; '.join('%s: %s -> %s' % (f, o, n)
                            for f, (o, n) in shown.items())
        st.report('returned' if changes.get('missing') is False and
                  len(changes) == 1 else 'changed', 'device', row.name,
                  details)
        changes['_id'] = row.id
        return changes

    def _write(self, inserts, updates):
        st = self.st
        s = st.session
        if inserts:
            st.progress('adding %d devices' % len(inserts))
        bulk.insert_many(s, models.Device, inserts, st.batch)
        for upd in updates:
            upd['updated_at'] = st.txn.now
        bulk.update_many(s, models.Device, updates, st.batch)
        d = models.Device
        if inserts:
            self.ids = {name: i for i, name in s.execute(
                sa.select(d.id, d.name))}
        else:
            self.ids = {r.name: r.id for r in self.existing.values()}
        for name, row in self.matched.items():
            self.ids.setdefault(name, row.id)
        for name, dev_id in self.ids.items():
            st.index.add_device(dev_id, name)
        for values in inserts:
            st.txn.record('create', 'device', self.ids[values['name']],
                          values['name'], new={
                              k: v for k, v in values.items()
                              if not k.endswith('_id') and k != 'last_seen'})

    def _apply_parents(self):
        st = self.st
        updates = []
        for rec in st.snap.devices:
            if not rec.parent:
                continue
            pid = self.ids.get(rec.parent)
            if pid is None:
                raise invalid(rec.where or 'device %r' % rec.name,
                              'unknown parent device %r; list it in the '
                              'input or create it first' % rec.parent)
            dev_id = self.ids[rec.name]
            old = self.existing.get(rec.name)
            if old is not None and old.parent_id == pid:
                continue
            updates.append({'_id': dev_id, 'parent_id': pid})
            if old is not None:
                st.txn.record('update', 'device', dev_id, rec.name,
                              field='parent',
                              old=st.index.name('device', old.parent_id),
                              new=rec.parent)
                st.report('changed', 'device', rec.name,
                          'parent -> %s' % rec.parent)
        bulk.update_many(st.session, models.Device, updates, st.batch)
        if updates:
            self._check_no_cycles()

    def _check_no_cycles(self):
        parent = dict(self.st.session.execute(sa.select(
            models.Device.id, models.Device.parent_id).where(
                models.Device.parent_id.is_not(None))).all())
        for start in parent:
            seen, node = set(), start
            while node in parent:
                if node in seen:
                    raise invalid(
                        'device %r' % self.st.index.name('device', start),
                        'parent cycle with devices already in the '
                        'inventory; fix the parents')
                seen.add(node)
                node = parent[node]

    def _apply_labels(self):
        st = self.st
        wanted = {r.name: set(r.labels) for r in st.snap.devices
                  if r.labels is not None}
        if not wanted:
            return
        have = collections.defaultdict(set)
        matched_ids = {self.matched[n].id for n in wanted
                       if n in self.matched}
        if matched_ids:
            for dev_id, label in st.session.execute(sa.select(
                    models.Label.device_id, models.Label.label)):
                if dev_id in matched_ids:
                    have[dev_id].add(label)
        adds, removes = [], []
        for name, labels in wanted.items():
            dev_id = self.ids[name]
            row = self.matched.get(name)
            current = have.get(dev_id, set())
            owner = row is None or row.source == st.source
            target = labels if owner else current | labels
            adds.extend({'device_id': dev_id, 'label': label}
                        for label in sorted(target - current))
            removes.extend((dev_id, label)
                           for label in sorted(current - target))
            if row is not None and target != current:
                st.txn.record('update', 'device', dev_id, name,
                              field='labels', old=sorted(current),
                              new=sorted(target))
                st.report('changed', 'device', name, 'labels')
        bulk.insert_many(st.session, models.Label, adds, st.batch)
        bulk.delete_keys(st.session, models.Label, ('device_id', 'label'),
                         removes, st.batch)

    def touch(self):
        """Set ``last_seen`` of the devices the source reported.

        A liveness timestamp, not inventory state: not in the change log.
        """
        st = self.st
        bulk.update_ids(st.session, models.Device, self.seen,
                        {'last_seen': st.txn.now}, st.batch)

    def flag_missing(self):
        """Flag devices the source owns and no longer reports (bulk)."""
        st = self.st
        gone = []
        for row in self.existing.values():
            if row.source != st.source or row.id in self.seen:
                continue
            if row.missing:
                st.counts['still missing'] += 1
                continue
            gone.append(row)
            st.txn.record('update', 'device', row.id, row.name,
                          field='missing', old=False, new=True)
            st.report('missing', 'device', row.name,
                      'no longer reported by %s; flagged, not deleted'
                      % st.source)
        bulk.update_ids(st.session, models.Device, [r.id for r in gone],
                        {'missing': True, 'updated_at': st.txn.now},
                        st.batch)
