"""Devices (hosts, switches, PDUs, BMCs ...) and their labels."""

import uuid as uuid_mod

import sqlalchemy as sa
from sqlalchemy import orm

from fleet.api import refs
from fleet.api import validate
from fleet.common import constants
from fleet.common import exception
from fleet.db import models

DEVICE_TYPES = constants.DEVICE_TYPES
# Attributes an operator (or a source) may set directly.
PLAIN_FIELDS = constants.PLAIN_FIELDS
UNSETTABLE = tuple(f for f, _what in constants.UNSETTABLE_FIELDS)
# Placement columns and the model whose name the change log records.
PLACEMENT_COLUMNS = {'region_id': models.Region, 'cell_id': models.Cell,
                     'rack_id': models.Rack, 'parent_id': models.Device}

check_type = validate.device_type
check_role = validate.role
check_label = validate.label


def _device_query():
    region = orm.aliased(models.Region)
    cloud = orm.aliased(models.Cloud)
    cell = orm.aliased(models.Cell)
    rack = orm.aliased(models.Rack)
    parent = orm.aliased(models.Device)
    d = models.Device
    cols = [d.id, d.uuid, d.name, d.type, d.role, cloud.name.label('cloud'),
            region.name.label('region'), cell.name.label('cell'),
            rack.name.label('rack'), parent.name.label('parent'),
            d.serial, d.asset_tag, d.mgmt_address, d.source, d.missing,
            d.last_seen, d.created_at, d.updated_at]
    q = (sa.select(*cols)
         .join(region, d.region_id == region.id)
         .join(cloud, region.cloud_id == cloud.id)
         .outerjoin(cell, d.cell_id == cell.id)
         .outerjoin(rack, d.rack_id == rack.id)
         .outerjoin(parent, d.parent_id == parent.id))
    return q, {'region': region, 'cloud': cloud, 'cell': cell, 'rack': rack}


def _labels_of(session, device_ids):
    out = {}
    ids = list(device_ids)
    for i in range(0, len(ids), 500):
        for dev_id, label in session.execute(
                sa.select(models.Label.device_id, models.Label.label).where(
                    models.Label.device_id.in_(ids[i:i + 500]))):
            out.setdefault(dev_id, []).append(label)
    return {k: sorted(v) for k, v in out.items()}


class Devices:
    """Create, find, change and delete devices."""

    def __init__(self, fleet):
        self.fleet = fleet

    # -- placement helpers -------------------------------------------------
    def _placement(self, s, region=None, cell=None, rack=None, cloud=None):
        """Resolve region/cell/rack names to ids, checking they agree."""
        rack_obj = cell_obj = None
        if rack:
            rack_obj = refs.rack(s, rack, region, cloud)
            region_obj = s.get(models.Region, rack_obj.region_id)
        else:
            region_obj = refs.region(s, region, cloud)
        if cell:
            cell_obj = refs.cell(s, cell, region_obj.name, cloud)
        elif rack_obj is not None and rack_obj.cell_id:
            cell_obj = s.get(models.Cell, rack_obj.cell_id)
        if (rack_obj is not None and cell_obj is not None and
                rack_obj.cell_id not in (None, cell_obj.id)):
            raise exception.Invalid(
                'cell', 'rack %r is not in cell %r' % (rack, cell),
                'name the rack\'s own cell or leave --cell out')
        return region_obj, cell_obj, rack_obj

    @staticmethod
    def _check_parent(s, device, parent_name):
        parent = refs.device(s, parent_name)
        seen = set()
        node = parent
        while node is not None:
            if device is not None and node.id == device.id:
                raise exception.Invalid(
                    'parent', 'setting parent %r would make a cycle'
                    % parent_name, 'choose a device that is not below %r'
                    % device.name)
            if node.id in seen:
                break
            seen.add(node.id)
            node = s.get(models.Device, node.parent_id) \
                if node.parent_id else None
        return parent

    # -- writes -------------------------------------------------------------
    def create(self, ctx, name, type='host', region=None, cell=None, rack=None,
               cloud=None, parent=None, role=None, serial=None,
               asset_tag=None, mgmt_address=None, labels=(), uuid=None):
        """Create a device; return it as a dict.

        :raises fleet.common.exception.Invalid: a bad field value.
        :raises fleet.common.exception.NotFound: a named place is missing.
        :raises fleet.common.exception.Conflict: the name is taken.
        """
        refs.check_name('name', name)
        uuid = validate.device_fields({
            'type': type, 'role': role, 'serial': serial,
            'asset_tag': asset_tag, 'mgmt_address': mgmt_address,
            'uuid': uuid})['uuid']
        for label in labels:
            check_label(label)
        for field, value in (('cloud', cloud), ('region', region),
                             ('cell', cell), ('rack', rack),
                             ('parent', parent)):
            if value is not None:
                refs.check_name(field, value)
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            if s.scalar(sa.select(models.Device.id).where(
                    models.Device.name == name)):
                raise exception.Conflict('device %r already exists.' % name)
            if uuid is not None:
                taken = s.scalar(sa.select(models.Device.name).where(
                    models.Device.uuid == uuid))
                if taken is not None:
                    raise exception.Conflict(
                        'uuid %s is already the UUID of device %r; give '
                        'another UUID or leave it out.' % (uuid, taken),
                        field='uuid', value=uuid)
            region_obj, cell_obj, rack_obj = self._placement(
                s, region, cell, rack, cloud)
            parent_obj = self._check_parent(s, None, parent) \
                if parent else None
            dev = models.Device(
                uuid=uuid or str(uuid_mod.uuid4()), name=name, type=type,
                role=role, region_id=region_obj.id,
                cell_id=cell_obj.id if cell_obj else None,
                rack_id=rack_obj.id if rack_obj else None,
                parent_id=parent_obj.id if parent_obj else None,
                serial=serial, asset_tag=asset_tag,
                mgmt_address=mgmt_address, source='manual')
            s.add(dev)
            s.flush()
            for label in sorted(set(labels)):
                s.add(models.Label(device_id=dev.id, label=label))
            txn.record('create', 'device', dev.id, name, new={
                'uuid': dev.uuid, 'type': type, 'role': role,
                'region': region_obj.name,
                'cell': cell_obj.name if cell_obj else None,
                'rack': rack_obj.name if rack_obj else None,
                'parent': parent, 'serial': serial,
                'asset_tag': asset_tag, 'mgmt_address': mgmt_address,
                'labels': sorted(set(labels))})
        return self.show(ctx, name)

    def update(self, ctx, name, **fields):
        """Change attributes or placement of a device.

        Keywords: type, role, serial, asset_tag, mgmt_address, new_name
        (rename), region, cell, rack, cloud, parent. ``None`` leaves a
        field alone; use :meth:`unset` to clear one.
        """
        fields = validate.device_fields(
            {k: v for k, v in fields.items() if v is not None})
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            dev = refs.device(s, name)
            changes = {}
            if 'type' in fields:
                changes['type'] = check_type(fields['type'])
            if 'role' in fields:
                changes['role'] = check_role(fields['role'])
            for key in ('serial', 'asset_tag', 'mgmt_address'):
                if key in fields:
                    changes[key] = fields[key]
            if 'new_name' in fields:
                new_name = refs.check_name('name', fields['new_name'])
                if new_name != dev.name and s.scalar(
                        sa.select(models.Device.id).where(
                            models.Device.name == new_name)):
                    raise exception.Conflict(
                        'device %r already exists.' % new_name)
                changes['name'] = new_name
            if {'region', 'cell', 'rack'} & set(fields):
                region_obj, cell_obj, rack_obj = self._placement(
                    s, fields.get('region') or (
                        None if fields.get('rack') else
                        s.get(models.Region, dev.region_id).name),
                    fields.get('cell'), fields.get('rack'),
                    fields.get('cloud'))
                changes['region_id'] = region_obj.id
                if cell_obj is not None or 'region' in fields:
                    changes['cell_id'] = cell_obj.id if cell_obj else None
                if rack_obj is not None or 'region' in fields:
                    changes['rack_id'] = rack_obj.id if rack_obj else None
            if 'parent' in fields:
                changes['parent_id'] = self._check_parent(
                    s, dev, fields['parent']).id
            self._apply(txn, dev, changes)
            final_name = dev.name
        return self.show(ctx, final_name)

    def unset(self, ctx, name, fields):
        """Clear optional attributes.

        :param fields: names from role, serial, asset_tag, mgmt_address,
            cell, rack, parent.
        """
        for field in fields:
            if field not in UNSETTABLE:
                raise exception.Invalid(
                    field, 'cannot be unset',
                    'unset one of %s' % ', '.join(UNSETTABLE))
        with self.fleet.transaction(ctx) as txn:
            dev = refs.device(txn.session, name)
            column = {'cell': 'cell_id', 'rack': 'rack_id',
                      'parent': 'parent_id'}
            self._apply(txn, dev, {column.get(f, f): None for f in fields})
        return self.show(ctx, name)

    @staticmethod
    def _apply(txn, dev, changes):
        for field, value in changes.items():
            old = getattr(dev, field)
            if old == value:
                continue
            setattr(dev, field, value)
            if field in PLACEMENT_COLUMNS:
                # The log speaks in names, as the create record does.
                model = PLACEMENT_COLUMNS[field]
                name_of = (lambda i: None if i is None else
                           txn.session.get(model, i).name)
                txn.record('update', 'device', dev.id, dev.name,
                           field=field[:-3], old=name_of(old),
                           new=name_of(value))
            else:
                txn.record('update', 'device', dev.id, dev.name,
                           field=field, old=old, new=value)

    def delete(self, ctx, name):
        """Delete a device with its labels and variables (all recorded)."""
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            dev = refs.device(s, name)
            children = s.scalar(sa.select(sa.func.count()).where(
                models.Device.parent_id == dev.id))
            if children:
                raise exception.Conflict(
                    'device %r is the parent of %d devices; delete or move '
                    'them first.' % (dev.name, children))
            for var in s.scalars(sa.select(models.Variable).where(
                    models.Variable.scope == 'device',
                    models.Variable.scope_id == dev.id)):
                txn.record('delete', 'device', dev.id, dev.name,
                           field='vars.' + var.key, old=var.value,
                           secret=var.secret, raw=True)
                s.delete(var)
            labels = sorted(s.scalars(sa.select(models.Label.label).where(
                models.Label.device_id == dev.id)))
            s.execute(sa.delete(models.Label).where(
                models.Label.device_id == dev.id))
            txn.record('delete', 'device', dev.id, dev.name, old={
                'uuid': dev.uuid, 'type': dev.type, 'role': dev.role,
                'serial': dev.serial, 'labels': labels})
            s.delete(dev)

    # -- reads ----------------------------------------------------------------
    def show(self, ctx, name):
        with self.fleet.reading() as s:
            dev = refs.device(s, name)
            q, _ = _device_query()
            row = s.execute(q.where(models.Device.id == dev.id)).one()
            out = dict(row._mapping)
            out['labels'] = _labels_of(s, [dev.id]).get(dev.id, [])
            return out

    def list(self, ctx, region=None, cell=None, rack=None, role=None,
             label=None, type=None, cloud=None, source=None, missing=None,
             limit=None, with_labels=True):
        """Devices as dicts, filtered; all filters combine with AND."""
        with self.fleet.reading() as s:
            q, al = _device_query()
            d = models.Device
            _require_filters(s, cloud, region, cell, rack)
            if cloud:
                q = q.where(al['cloud'].name == cloud)
            if region:
                q = q.where(al['region'].name == region)
            if cell:
                q = q.where(al['cell'].name == cell)
            if rack:
                q = q.where(al['rack'].name == rack)
            if role:
                q = q.where(d.role == role)
            if type:
                q = q.where(d.type == check_type(type))
            if source:
                # "static" also matches "static:<file>" owners.
                q = q.where(sa.or_(d.source == source,
                                   d.source.like(source + ':%')))
            if missing is not None:
                q = q.where(d.missing == bool(missing))
            for one in ([label] if isinstance(label, str) else label or []):
                q = q.where(d.id.in_(sa.select(models.Label.device_id).where(
                    models.Label.label == one)))
            q = q.order_by(d.name)
            if limit:
                q = q.limit(limit)
            rows = [dict(r._mapping) for r in s.execute(q)]
            if with_labels and rows:
                if len(rows) > 5000:
                    labels = {}
                    for dev_id, lab in s.execute(sa.select(
                            models.Label.device_id, models.Label.label)):
                        labels.setdefault(dev_id, []).append(lab)
                    labels = {k: sorted(v) for k, v in labels.items()}
                else:
                    labels = _labels_of(s, [r['id'] for r in rows])
                for r in rows:
                    r['labels'] = labels.get(r['id'], [])
            return rows


def _require_filters(s, cloud, region, cell, rack):
    """A filter naming no such level is an error, not an empty list."""
    if cloud:
        refs.require(s, 'cloud', cloud)
    if region:
        refs.require(s, 'region', region, cloud_name=cloud)
    if cell:
        refs.require(s, 'cell', cell, region, cloud)
    if rack:
        refs.require(s, 'rack', rack, region, cloud)


class Labels:
    """Free tags on devices."""

    def __init__(self, fleet):
        self.fleet = fleet

    def add(self, ctx, device, labels):
        labels = sorted({check_label(x) for x in labels})
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            dev = refs.device(s, device)
            have = set(s.scalars(sa.select(models.Label.label).where(
                models.Label.device_id == dev.id)))
            new = [x for x in labels if x not in have]
            for label in new:
                s.add(models.Label(device_id=dev.id, label=label))
            if new:
                txn.record('update', 'device', dev.id, dev.name,
                           field='labels', old=sorted(have),
                           new=sorted(have | set(new)))
            return sorted(have | set(new))

    def remove(self, ctx, device, labels):
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            dev = refs.device(s, device)
            have = set(s.scalars(sa.select(models.Label.label).where(
                models.Label.device_id == dev.id)))
            gone = [x for x in labels if x in have]
            missing = [x for x in labels if x not in have]
            if missing:
                raise exception.Invalid(
                    'label', 'device %r has no label %s' % (
                        dev.name, ', '.join(repr(m) for m in missing)),
                    'see: fleet label list %s' % dev.name)
            s.execute(sa.delete(models.Label).where(
                models.Label.device_id == dev.id,
                models.Label.label.in_(gone)))
            if gone:
                txn.record('update', 'device', dev.id, dev.name,
                           field='labels', old=sorted(have),
                           new=sorted(have - set(gone)))
            return sorted(have - set(gone))

    def list(self, ctx, device=None):
        """Labels of one device, or every label with its device count."""
        with self.fleet.reading() as s:
            if device:
                dev = refs.device(s, device)
                return [{'label': x} for x in sorted(s.scalars(
                    sa.select(models.Label.label).where(
                        models.Label.device_id == dev.id)))]
            q = (sa.select(models.Label.label,
                           sa.func.count(models.Label.device_id))
                 .group_by(models.Label.label).order_by(models.Label.label))
            return [{'label': lab, 'devices': n} for lab, n in s.execute(q)]
