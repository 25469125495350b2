"""Checks only the Python API reaches (no CLI option for them), on every
backend: UUIDs given to devices.create and in an API source's snapshot."""

from fleet.common import exception
from fleet.plugins.sources import base as sources
from tests import base

UUID = '6f1c1a3e-1d2b-4c5d-8e9f-0a1b2c3d4e5f'


class ApiChecks:

    def setUp(self):
        super().setUp()
        self.api = self.fleet()
        self.api.clouds.create(self.ctx, 'c1')
        self.api.regions.create(self.ctx, 'RegionOne', cloud='c1')
        self.api.devices.create(self.ctx, 'node-1', region='RegionOne',
                                uuid='urn:uuid:' + UUID.upper())

    def test_uuid_stored_canonical_and_found_in_any_form(self):
        self.assertEqual(UUID, self.api.devices.show(self.ctx,
                                                     'node-1')['uuid'])
        self.assertEqual('node-1', self.api.devices.show(
            self.ctx, UUID.upper())['name'])

    def test_duplicate_uuid_is_a_conflict(self):
        err = self.assertRaises(exception.Conflict, self.api.devices.create,
                                self.ctx, 'node-2', region='RegionOne',
                                uuid='{%s}' % UUID)
        self.assertEqual("uuid %s is already the UUID of device 'node-1'; "
                         "give another UUID or leave it out." % UUID,
                         str(err))
        self.assertEqual('uuid', err.field)

    def test_bad_uuid(self):
        err = self.assertRaises(exception.Invalid, self.api.devices.create,
                                self.ctx, 'node-2', region='RegionOne',
                                uuid='x' * 300)
        self.assertEqual('uuid', err.field)
        self.assertLess(len(str(err)), 200)

    def test_api_source_snapshot_is_invalid_input(self):
        snap = sources.Snapshot(devices=[
            sources.DeviceRecord(name='node-9', uuid=UUID,
                                 where='ironic node node-9')])
        before = len(self.api.changes.list(self.ctx, limit=None))
        err = self.assertRaises(exception.InvalidInput, self.api.sync.apply,
                                self.ctx, 'ironic', snap, cloud='c1',
                                region='RegionOne')
        self.assertNotIsInstance(err, exception.InvalidAssetFile)
        self.assertEqual("ironic node node-9: uuid %s is already the UUID "
                         "of device 'node-1'; give another UUID or leave it "
                         "out" % UUID, str(err))
        self.assertEqual(before, len(self.api.changes.list(self.ctx,
                                                           limit=None)))

    def test_api_source_number_as_asset_tag(self):
        snap = sources.Snapshot(devices=[
            sources.DeviceRecord(name='node-9', asset_tag=12345, serial=7)])
        self.api.sync.apply(self.ctx, 'ironic', snap, cloud='c1',
                            region='RegionOne')
        dev = self.api.devices.show(self.ctx, 'node-9')
        self.assertEqual(('12345', '7'), (dev['asset_tag'], dev['serial']))


class TestApiChecksSQLite(ApiChecks, base.FleetTestCase):
    backend = 'sqlite'


class TestApiChecksPostgreSQL(ApiChecks, base.FleetTestCase):
    backend = 'postgresql'


class TestApiChecksMariaDB(ApiChecks, base.FleetTestCase):
    backend = 'mysql'
