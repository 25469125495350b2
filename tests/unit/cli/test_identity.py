"""History follows an object's identity: ids are never reused.

On SQLite a rowid table without AUTOINCREMENT hands a deleted row's id to
the next insert, and the change log (which records object ids) would then
give a new device the dead device's past.
"""

from tests.unit.cli import base


class IdentityScenarios:

    def setUp(self):
        super().setUp()
        self.api = self.make_place()

    def test_new_device_does_not_inherit_a_deleted_devices_history(self):
        self.fleet_cli('device', 'create', 'node-a', '--region', 'RegionOne')
        self.fleet_cli('var', 'set', 'node-a', 'ntp=dead-device')
        rev = self.api.changes.list(self.ctx, limit=1)[0]['id']
        self.fleet_cli('device', 'delete', 'node-a')
        self.fleet_cli('device', 'create', 'node-b', '--region', 'RegionOne')
        res = self.fleet_cli('device', 'show', 'node-b', '--at', str(rev),
                             expect=1)
        self.assertIn('did not exist yet', res.err)
        res = self.fleet_cli('device', 'revert', 'node-b', '--to', str(rev),
                             expect=1)
        self.assertIn('did not exist yet', res.err)
        self.assertEqual([], self.api.variables.show(self.ctx, 'device',
                                                     'node-b'))
        now = self.fleet_json('device', 'show', 'node-b', '--at',
                              '2999-01-01T00:00:00Z')
        self.assertEqual({}, now['vars'])
        history = self.fleet_json('change', 'list', '--type', 'device',
                                  '--name', 'node-b')
        self.assertEqual(['node-b'], sorted({c['Name'] for c in history}))

    def test_new_levels_do_not_reuse_deleted_ids(self):
        import sqlalchemy as sa

        from fleet.db import models

        def last_id(kind):
            with self.api.reading() as s:
                return s.scalar(sa.select(models.Change.object_id).where(
                    models.Change.object_type == kind).order_by(
                        models.Change.id.desc()).limit(1))
        for kind, manager, extra in (
                ('cloud', self.api.clouds, {}),
                ('region', self.api.regions, {'cloud': 'c1'}),
                ('cell', self.api.cells, {'region': 'RegionOne'}),
                ('rack', self.api.racks, {'region': 'RegionOne'})):
            manager.create(self.ctx, 'old-' + kind, **extra)
            old = last_id(kind)
            manager.delete(self.ctx, 'old-' + kind, **extra)
            manager.create(self.ctx, 'new-' + kind, **extra)
            self.assertNotEqual(old, last_id(kind), kind)


class TestIdentitySQLite(IdentityScenarios, base.CLITestCase):
    backend = 'sqlite'


class TestIdentityPostgreSQL(IdentityScenarios, base.CLITestCase):
    backend = 'postgresql'


class TestIdentityMariaDB(IdentityScenarios, base.CLITestCase):
    backend = 'mysql'
