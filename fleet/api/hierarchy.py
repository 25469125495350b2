"""Clouds, regions, cells and racks: the levels above devices."""

import sqlalchemy as sa

from fleet.api import refs
from fleet.api import validate
from fleet.common import exception
from fleet.db import models


def _as_dict(obj, **extra):
    out = {'id': obj.id, 'name': obj.name,
           'description': obj.description,
           'created_at': obj.created_at, 'updated_at': obj.updated_at}
    out.update(extra)
    return out


class _Level:
    """Shared create/update/delete logic of one hierarchy level."""

    kind = None
    model = None
    #: the level a name is unique in ('cloud' for regions, 'region' for
    #: cells and racks; None for clouds)
    parent_kind = None

    def __init__(self, fleet):
        self.fleet = fleet

    #: what must be gone before a level is: (label, model) of the
    #: models whose ``<kind>_id`` points at it
    children = ()

    def _find(self, s, name, region=None, cloud=None):
        """The object called ``name`` (region/cloud narrow the search)."""
        find = getattr(refs, self.kind)
        if self.parent_kind is None:
            return find(s, name)
        if self.parent_kind == 'cloud':
            return find(s, name, cloud)
        return find(s, name, region, cloud)

    def _children(self, s, obj):
        """[(label, count)] of what must be gone before ``obj`` is."""
        return [(label, self._count(s, model,
                                    getattr(model, self.kind + '_id'),
                                    obj.id))
                for label, model in self.children]

    def update(self, ctx, name, description=None, region=None,
               cloud=None):
        """Change the description of the object called ``name``."""
        validate.description(description)
        with self.fleet.transaction(ctx) as txn:
            obj = self._find(txn.session, name, region, cloud)
            if description is not None:
                self._update(txn, obj, {'description': description})
            return _as_dict(obj)

    def delete(self, ctx, name, region=None, cloud=None):
        """Delete the object called ``name``; it must have no children.

        Its variables are deleted with it (and recorded).
        """
        with self.fleet.transaction(ctx) as txn:
            obj = self._find(txn.session, name, region, cloud)
            self._delete(txn, obj, self._children(txn.session, obj))

    def _creating(self, ctx, name, description):
        """Check a new level's name and description; its transaction."""
        refs.check_name('name', name)
        validate.description(description)
        return self.fleet.transaction(ctx)

    def _insert(self, txn, name, description, parent=None, cell=None):
        """Add the level ``name`` under ``parent``; record it; its dict.

        ``parent`` is the region (the cloud, for a region; none for a
        cloud) that must not hold a ``name`` already; ``cell`` a rack's.
        """
        s, model = txn.session, self.model
        taken = sa.select(model.id).where(model.name == name)
        placed, where = {}, ''
        if parent is not None:
            column = self.parent_kind + '_id'
            taken = taken.where(getattr(model, column) == parent.id)
            placed[column] = parent.id
            where = ' in %s %r' % (self.parent_kind, parent.name)
        if s.scalar(taken):
            raise exception.Conflict('%s %r already exists%s.'
                                     % (self.kind, name, where))
        names = {self.parent_kind: parent.name} if parent is not None else {}
        attrs = dict(names, description=description)
        if self.kind == 'rack':
            placed['cell_id'] = cell.id if cell else None
            names['cell'] = attrs['cell'] = cell.name if cell else None
        obj = model(name=name, description=description, **placed)
        s.add(obj)
        s.flush()
        txn.record('create', self.kind, obj.id, obj.name, new=attrs)
        return _as_dict(obj, **names)

    def _update(self, txn, obj, changes):
        for field, value in changes.items():
            old = getattr(obj, field)
            if old != value:
                setattr(obj, field, value)
                txn.record('update', self.kind, obj.id, obj.name,
                           field=field, old=old, new=value)

    def _delete(self, txn, obj, children):
        for label, count in children:
            if count:
                raise exception.Conflict(
                    '%s %r still has %d %s; delete or move them first.'
                    % (self.kind, obj.name, count, label))
        s = txn.session
        var_rows = s.scalars(sa.select(models.Variable).where(
            models.Variable.scope == self.kind,
            models.Variable.scope_id == obj.id)).all()
        for var in var_rows:
            txn.record('delete', self.kind, obj.id, obj.name,
                       field='vars.' + var.key, old=var.value,
                       secret=var.secret, raw=True)
            s.delete(var)
        txn.record('delete', self.kind, obj.id, obj.name,
                   old={'description': obj.description})
        s.delete(obj)

    @staticmethod
    def _count(session, model, column, value):
        return session.scalar(sa.select(sa.func.count()).select_from(
            model).where(column == value))


def _in_region(s, q, region, cloud):
    """Narrow a query joined to regions by region and cloud name."""
    if cloud:
        refs.require(s, 'cloud', cloud)
        q = q.where(models.Region.cloud_id.in_(sa.select(
            models.Cloud.id).where(models.Cloud.name == cloud)))
    if region:
        refs.require(s, 'region', region, cloud_name=cloud)
        q = q.where(models.Region.name == region)
    return q


class Clouds(_Level):
    kind = 'cloud'
    model = models.Cloud
    children = (('regions', models.Region),)

    def create(self, ctx, name, description=None):
        with self._creating(ctx, name, description) as txn:
            return self._insert(txn, name, description)

    def list(self, ctx):
        with self.fleet.reading() as s:
            return [_as_dict(c) for c in s.scalars(
                sa.select(models.Cloud).order_by(models.Cloud.name))]

    def show(self, ctx, name):
        with self.fleet.reading() as s:
            return _as_dict(refs.cloud(s, name))


class Regions(_Level):
    kind = 'region'
    parent_kind = 'cloud'
    model = models.Region
    children = (('cells', models.Cell), ('racks', models.Rack),
                ('devices', models.Device))

    def create(self, ctx, name, cloud=None, description=None):
        with self._creating(ctx, name, description) as txn:
            return self.create_in(txn, name, cloud, description)

    def create_in(self, txn, name, cloud=None, description=None):
        return self._insert(txn, name, description,
                            refs.cloud(txn.session, cloud))

    def list(self, ctx, cloud=None):
        with self.fleet.reading() as s:
            q = sa.select(models.Region, models.Cloud.name).join(
                models.Cloud, models.Region.cloud_id == models.Cloud.id)
            if cloud:
                refs.require(s, 'cloud', cloud)
                q = q.where(models.Cloud.name == cloud)
            return [_as_dict(r, cloud=c) for r, c in s.execute(
                q.order_by(models.Cloud.name, models.Region.name))]

    def show(self, ctx, name, cloud=None):
        with self.fleet.reading() as s:
            obj = refs.region(s, name, cloud)
            return _as_dict(obj, cloud=s.get(models.Cloud, obj.cloud_id).name)


class Cells(_Level):
    kind = 'cell'
    parent_kind = 'region'
    model = models.Cell
    children = (('racks', models.Rack), ('devices', models.Device))

    def create(self, ctx, name, region=None, cloud=None, description=None):
        with self._creating(ctx, name, description) as txn:
            return self._insert(txn, name, description,
                                refs.region(txn.session, region, cloud))

    def list(self, ctx, region=None, cloud=None):
        """Cells; a filter naming no such region or cloud is NotFound."""
        with self.fleet.reading() as s:
            q = sa.select(models.Cell, models.Region.name).join(
                models.Region, models.Cell.region_id == models.Region.id)
            q = _in_region(s, q, region, cloud)
            return [_as_dict(c, region=r) for c, r in s.execute(
                q.order_by(models.Region.name, models.Cell.name))]

    def show(self, ctx, name, region=None, cloud=None):
        with self.fleet.reading() as s:
            obj = refs.cell(s, name, region, cloud)
            return _as_dict(obj,
                            region=s.get(models.Region, obj.region_id).name)


class Racks(_Level):
    kind = 'rack'
    parent_kind = 'region'
    model = models.Rack
    children = (('devices', models.Device),)

    def create(self, ctx, name, region=None, cell=None, cloud=None,
               description=None):
        with self._creating(ctx, name, description) as txn:
            s = txn.session
            parent = refs.region(s, region, cloud)
            cell_obj = refs.cell(s, cell, parent.name, cloud) if cell else None
            return self._insert(txn, name, description, parent, cell_obj)

    def list(self, ctx, region=None, cell=None, cloud=None):
        """Racks; a filter naming no such level is NotFound."""
        with self.fleet.reading() as s:
            cell_alias = sa.orm.aliased(models.Cell)
            q = (sa.select(models.Rack, models.Region.name, cell_alias.name)
                 .join(models.Region,
                       models.Rack.region_id == models.Region.id)
                 .outerjoin(cell_alias, models.Rack.cell_id == cell_alias.id))
            q = _in_region(s, q, region, cloud)
            if cell:
                refs.require(s, 'cell', cell, region, cloud)
                q = q.where(cell_alias.name == cell)
            return [_as_dict(r, region=rg, cell=c) for r, rg, c in s.execute(
                q.order_by(models.Region.name, models.Rack.name))]

    def show(self, ctx, name, region=None, cloud=None):
        with self.fleet.reading() as s:
            obj = refs.rack(s, name, region, cloud)
            cell = s.get(models.Cell, obj.cell_id) if obj.cell_id else None
            return _as_dict(obj,
                            region=s.get(models.Region, obj.region_id).name,
                            cell=cell.name if cell else None)
