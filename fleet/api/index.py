"""An in-memory index of the hierarchy and the devices: id <-> name.

Bulk code (sync, exports, the audits' selectors) loads it once, with one
query per level, and then looks names and placements up without touching
the database. Names are unique only under their parent (a region in its
cloud, a cell or rack in its region); lookups by name alone therefore
return every match, keyed by the parent's id, and the caller decides what
an ambiguity means.

The index does not follow later writes by itself: code that creates a
level or a device inside the same transaction registers it with the
``add_*`` methods.
"""

import sqlalchemy as sa

from fleet.db import models

LEVELS = ('cloud', 'region', 'cell', 'rack', 'device')


class LevelIndex:
    """Clouds, regions, cells, racks and devices by id and by name."""

    def __init__(self):
        self._names = {level: {} for level in LEVELS}
        self._clouds = {}          # name -> id
        self._regions = {}         # name -> {cloud_id: region_id}
        self._region_cloud = {}    # region_id -> cloud_id
        self._cells = {}           # (region_id, name) -> cell_id
        self._cell_region = {}     # cell_id -> region_id
        self._racks = {}           # (region_id, name) -> (rack_id, cell_id)
        self._rack_region = {}     # rack_id -> region_id
        self._devices = {}         # name -> id

    @classmethod
    def load(cls, session, devices=True):
        """Read every level (and, with ``devices``, device names).

        :param session: a SQLAlchemy session; the index reflects what it
            sees.
        :returns: a :class:`LevelIndex`.
        """
        index = cls()
        for cid, name in session.execute(sa.select(
                models.Cloud.id, models.Cloud.name)):
            index.add_cloud(cid, name)
        for rid, name, cid in session.execute(sa.select(
                models.Region.id, models.Region.name,
                models.Region.cloud_id)):
            index.add_region(rid, name, cid)
        for cid, name, rid in session.execute(sa.select(
                models.Cell.id, models.Cell.name, models.Cell.region_id)):
            index.add_cell(cid, name, rid)
        for kid, name, rid, cell_id in session.execute(sa.select(
                models.Rack.id, models.Rack.name, models.Rack.region_id,
                models.Rack.cell_id)):
            index.add_rack(kid, name, rid, cell_id)
        if devices:
            for did, name in session.execute(sa.select(
                    models.Device.id, models.Device.name)):
                index.add_device(did, name)
        return index

    # -- registering ---------------------------------------------------------
    def add_cloud(self, cloud_id, name):
        """Register a cloud."""
        self._clouds[name] = cloud_id
        self._names['cloud'][cloud_id] = name

    def add_region(self, region_id, name, cloud_id):
        """Register a region of cloud ``cloud_id``."""
        self._regions.setdefault(name, {})[cloud_id] = region_id
        self._region_cloud[region_id] = cloud_id
        self._names['region'][region_id] = name

    def add_cell(self, cell_id, name, region_id):
        """Register a cell of region ``region_id``."""
        self._cells[(region_id, name)] = cell_id
        self._cell_region[cell_id] = region_id
        self._names['cell'][cell_id] = name

    def add_rack(self, rack_id, name, region_id, cell_id=None):
        """Register a rack of region ``region_id`` (in ``cell_id``)."""
        self._racks[(region_id, name)] = (rack_id, cell_id)
        self._rack_region[rack_id] = region_id
        self._names['rack'][rack_id] = name

    def add_device(self, device_id, name):
        """Register a device."""
        self._devices[name] = device_id
        self._names['device'][device_id] = name

    # -- by name -------------------------------------------------------------
    def cloud_id(self, name):
        """Id of the cloud ``name``, or None."""
        return self._clouds.get(name)

    def cloud_ids(self):
        """Ids of every cloud."""
        return list(self._clouds.values())

    def regions_named(self, name):
        """``{cloud_id: region_id}`` of every region called ``name``."""
        return dict(self._regions.get(name, {}))

    def region_id(self, name, cloud_id):
        """Id of region ``name`` in cloud ``cloud_id``, or None."""
        return self._regions.get(name, {}).get(cloud_id)

    def cell_id(self, region_id, name):
        """Id of cell ``name`` in region ``region_id``, or None."""
        return self._cells.get((region_id, name))

    def cells_named(self, name):
        """``{region_id: cell_id}`` of every cell called ``name``."""
        return {rid: cid for (rid, n), cid in self._cells.items()
                if n == name}

    def rack(self, region_id, name):
        """``(rack_id, cell_id)`` of rack ``name`` in a region, or None."""
        return self._racks.get((region_id, name))

    def racks_named(self, name):
        """``{region_id: rack_id}`` of every rack called ``name``."""
        return {rid: v[0] for (rid, n), v in self._racks.items()
                if n == name}

    def device_id(self, name):
        """Id of the device ``name``, or None."""
        return self._devices.get(name)

    def device_ids(self):
        """``{name: id}`` of every registered device."""
        return dict(self._devices)

    # -- by id ---------------------------------------------------------------
    def name(self, level, level_id):
        """Name of a ``level`` (cloud, region, cell, rack, device) id.

        :returns: the name, or None for a None or unknown id.
        """
        if level_id is None:
            return None
        return self._names[level].get(level_id)

    def region_cloud(self, region_id):
        """Id of the cloud a region belongs to."""
        return self._region_cloud.get(region_id)

    def rack_region(self, rack_id):
        """Id of the region a rack belongs to."""
        return self._rack_region.get(rack_id)

    def cell_region(self, cell_id):
        """Id of the region a cell belongs to."""
        return self._cell_region.get(cell_id)

    def placement(self, region_id, cell_id=None, rack_id=None):
        """Names of where a record sits.

        :returns: ``{'cloud', 'region', 'cell', 'rack'}`` names (None where
            the record has no such level).
        """
        return {'cloud': self.name('cloud', self.region_cloud(region_id)),
                'region': self.name('region', region_id),
                'cell': self.name('cell', cell_id),
                'rack': self.name('rack', rack_id)}
