"""Sync step: the hierarchy levels of a snapshot, and where records go.

Creates the clouds, regions, cells and racks a snapshot declares (API
sources: the target cloud and region), and resolves the level names a
record gives to ids. A name that exists under several parents is resolved
by what the snapshot itself declares first: an asset file that declares
``RegionOne`` in cloud ``prod`` means that one, even when a sync from
another source created a ``RegionOne`` in another cloud.
"""

from fleet.api.sync import state as state_mod
from fleet.common import constants
from fleet.db import models

invalid = state_mod.invalid
MODELS = {'region': models.Region, 'cell': models.Cell, 'rack': models.Rack}


class Hierarchy:
    """Apply a snapshot's levels; resolve names to ids for later steps."""

    def __init__(self, state):
        self.st = state
        self.index = state.index
        # Ids of the levels the snapshot declares, by name: the preferred
        # reading of a name the snapshot uses without its parent.
        self._declared = {'region': {}, 'cell': {}, 'rack': {}}
        self._snap_clouds = [c['name'] for c in state.snap.clouds]

    def _insert(self, model, kind, values):
        st = self.st
        obj = model(**values)
        st.session.add(obj)
        st.session.flush()
        shown = {k: v for k, v in values.items() if not k.endswith('_id')}
        st.txn.record('create', kind, obj.id, obj.name, new=shown)
        st.report('added', kind, obj.name)
        return obj.id

    def _declare(self, level, name, level_id):
        self._declared[level].setdefault(name, set()).add(level_id)

    # -- applying ------------------------------------------------------------
    def apply(self):
        """Create the levels the snapshot declares and does not exist."""
        snap, index = self.st.snap, self.index
        strict = snap.strict_hierarchy
        for c in snap.clouds:
            if index.cloud_id(c['name']) is None:
                index.add_cloud(self._insert(
                    models.Cloud, 'cloud', {
                        'name': c['name'],
                        'description': c.get('description')}), c['name'])
        for r in snap.regions:
            where = r.get('where') or 'region %r' % r['name']
            cid = self.cloud_id(r.get('cloud'), where, not strict)
            self._ensure('region', r, index.region_id(r['name'], cid),
                         {'cloud_id': cid}, index.add_region, cid)
        for c in snap.cells:
            where = c.get('where') or 'cell %r' % c['name']
            rid = self.region_id(c.get('region'), c.get('cloud'), where,
                                 False)
            self._ensure('cell', c, index.cell_id(rid, c['name']),
                         {'region_id': rid}, index.add_cell, rid)
        for k in snap.racks:
            where = k.get('where') or 'rack %r' % k['name']
            rid = self.region_id(k.get('region'), k.get('cloud'), where,
                                 False)
            cell_id = None
            if k.get('cell'):
                cell_id = index.cell_id(rid, k['cell'])
                if cell_id is None:
                    raise invalid(where, 'unknown cell %r in region %r; '
                                  'declare it under "cells"'
                                  % (k['cell'], k.get('region')))
            found = index.rack(rid, k['name'])
            self._ensure('rack', k, found and found[0],
                         {'region_id': rid, 'cell_id': cell_id},
                         index.add_rack, rid, cell_id)

    def _ensure(self, level, item, found, parents, register, *where):
        """Create the declared level ``item`` unless ``found``; declare it.

        :param parents: the parent id columns of the new row.
        :param register: the index's ``add_<level>``, called with the new
            id, the name and ``where`` (the parent ids).
        """
        name = item['name']
        if found is None:
            values = dict(parents, name=name,
                          description=item.get('description'))
            found = self._insert(MODELS[level], level, values)
            register(found, name, *where)
        self._declare(level, name, found)
        return found

    # -- resolving names -----------------------------------------------------
    def _prefer(self, level, name, candidates):
        """Narrow ``{parent_id: id}`` to what the snapshot declares."""
        declared = self._declared[level].get(name, set())
        narrowed = {p: i for p, i in candidates.items() if i in declared}
        return narrowed if len(narrowed) == 1 else candidates

    def cloud_id(self, name, where, create):
        """Id of cloud ``name`` (None: the only one); may create it."""
        st, index = self.st, self.index
        if name is None:
            ids = index.cloud_ids()
            if len(ids) == 1:
                return ids[0]
            if len(self._snap_clouds) == 1:
                return index.cloud_id(self._snap_clouds[0])
            if not ids and not create:
                raise invalid(where, 'no cloud exists; declare one under '
                              '"clouds"')
            if len(ids) > 1:
                raise invalid(where, 'more than one cloud exists; name the '
                              'cloud')
            name = 'default'
        cid = index.cloud_id(name)
        if cid is None:
            if not create:
                raise invalid(where, 'unknown cloud %r; declare it under '
                              '"clouds"' % name)
            cid = self._insert(models.Cloud, 'cloud', {
                'name': name, 'description': 'created by %s sync'
                % st.source})
            index.add_cloud(cid, name)
        return cid

    def region_id(self, name, cloud, where, create):
        """Id of region ``name`` (in ``cloud`` if given); may create it."""
        index = self.index
        if name is None:
            raise invalid(where, 'no region given; set "region"')
        by_cloud = index.regions_named(name)
        if cloud is None and len(by_cloud) > 1:
            by_cloud = self._prefer('region', name, by_cloud)
            if len(by_cloud) > 1 and len(self._snap_clouds) == 1:
                only = index.cloud_id(self._snap_clouds[0])
                if only in by_cloud:
                    by_cloud = {only: by_cloud[only]}
        if cloud is None and len(by_cloud) == 1:
            return next(iter(by_cloud.values()))
        if cloud is None and len(by_cloud) > 1:
            raise invalid(where, 'region %r exists in several clouds; set '
                          '"cloud"' % name)
        cid = self.cloud_id(cloud, where, create)
        rid = index.region_id(name, cid)
        if rid is None:
            if not create:
                raise invalid(where, 'unknown region %r; declare it under '
                              '"regions"' % name)
            rid = self._insert(models.Region, 'region', {'name': name,
                                                         'cloud_id': cid})
            index.add_region(rid, name, cid)
        return rid

    def _region_of(self, level, name, cloud, where):
        """Region id of a cell or rack given by name only."""
        named = (self.index.racks_named if level == 'rack'
                 else self.index.cells_named)(name)
        if cloud is not None:
            cid = self.cloud_id(cloud, where, False)
            named = {r: i for r, i in named.items()
                     if self.index.region_cloud(r) == cid}
        named = self._prefer(level, name, named)
        if len(named) > 1:
            raise invalid(where, '%s %r exists in several regions; set '
                          '"region"' % (level, name))
        if not named:
            raise invalid(where, 'unknown %s %r; declare it under "%ss"'
                          % (level, name, level))
        return next(iter(named))

    def placement(self, rec):
        """``(region_id, cell_id, rack_id)`` of a device record."""
        st, index = self.st, self.index
        where = rec.where or 'device %r' % rec.name
        region = rec.region or st.default_region
        cloud = rec.cloud or st.default_cloud
        if region is None and rec.rack:
            rid = self._region_of('rack', rec.rack, cloud, where)
        else:
            rid = self.region_id(region, cloud, where,
                                 not st.snap.strict_hierarchy)
        region = index.name('region', rid)
        cell_id = rack_id = None
        if rec.rack:
            found = index.rack(rid, rec.rack)
            if found is None:
                raise invalid(where, 'unknown rack %r in region %r; declare '
                              'it under "racks"' % (rec.rack, region))
            rack_id, cell_id = found
        if rec.cell:
            cid = index.cell_id(rid, rec.cell)
            if cid is None:
                raise invalid(where, 'unknown cell %r in region %r; declare '
                              'it under "cells"' % (rec.cell, region))
            if cell_id is not None and cell_id != cid:
                raise invalid(where, 'rack %r is not in cell %r'
                              % (rec.rack, rec.cell))
            cell_id = cid
        return rid, cell_id, rack_id

    def scope_id(self, item, ids):
        """Scope id of a level-variable item (``vars`` of a snapshot)."""
        index = self.index
        scope, name = item['scope'], item.get('name')
        where = item.get('where') or '%s %r' % (scope, name)
        if scope == 'defaults':
            return 0
        if scope not in constants.SCOPES:
            raise invalid(where, 'unknown scope %r; use one of %s' % (
                scope, ', '.join(constants.SCOPES)))
        if not name:
            raise invalid(where, 'missing "name"')
        if scope == 'cloud':
            return self.cloud_id(name, where, False)
        if scope == 'device':
            if name not in ids:
                raise invalid(where, 'unknown device %r' % name)
            return ids[name]
        if scope == 'region':
            return self.region_id(name, item.get('cloud'), where, False)
        region = item.get('region')
        if region is None:
            rid = self._region_of(scope, name, item.get('cloud'), where)
        else:
            rid = self.region_id(region, item.get('cloud'), where, False)
        if scope == 'rack':
            found = index.rack(rid, name)
            found = found and found[0]
        else:
            found = index.cell_id(rid, name)
        if found is None:
            raise invalid(where, 'unknown %s %r in region %r'
                          % (scope, name, region))
        return found
