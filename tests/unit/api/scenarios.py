"""Inventory behaviour, written once and run on every database backend."""

import json

import sqlalchemy as sa

from fleet.api import context
from fleet.api import hostvars as one_host
from fleet.common import exception
from fleet.db import models


#: Context of the calls module-level helpers make.
CTX = context.RequestContext(actor='tester')


def strict_json(text):
    """Decode JSON, failing on an object with a key twice."""
    def pairs(items):
        keys = [k for k, _v in items]
        assert len(keys) == len(set(keys)), 'duplicate key in %s' % keys
        return dict(items)
    return json.loads(text, object_pairs_hook=pairs)


def build_tree(fleet):
    """A small fleet: cloud/region/cell/rack, a chassis and two hosts."""
    fleet.clouds.create(CTX, 'prod', description='production')
    fleet.regions.create(CTX, 'r1', cloud='prod')
    fleet.cells.create(CTX, 'c1', region='r1')
    fleet.racks.create(CTX, 'k1', region='r1', cell='c1')
    fleet.devices.create(CTX, 'chassis-1', type='chassis', rack='k1')
    fleet.devices.create(CTX, 'node-1', rack='k1', parent='chassis-1',
                         role='compute', labels=['gpu', 'ssd'],
                         serial='SN1', mgmt_address='10.0.0.1')
    fleet.devices.create(CTX, 'node-2', region='r1', role='compute')


class InventoryScenarios:
    """Mixed into a FleetTestCase per backend."""

    def _count(self, fleet, model):
        with fleet.reading() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(model))

    def test_migrations_match_models(self):
        from alembic import autogenerate
        from alembic import migration
        fleet = self.fleet()
        with fleet.engine.connect() as conn:
            context = migration.MigrationContext.configure(
                conn, opts={'compare_type': True})
            diff = autogenerate.compare_metadata(context,
                                                 models.Base.metadata)
        self.assertEqual([], diff)

    def test_device_placement_follows_rack(self):
        fleet = self.fleet()
        build_tree(fleet)
        dev = fleet.devices.show(self.ctx, 'node-1')
        self.assertEqual(('prod', 'r1', 'c1', 'k1', 'chassis-1'),
                         (dev['cloud'], dev['region'], dev['cell'],
                          dev['rack'], dev['parent']))
        self.assertEqual(['gpu', 'ssd'], dev['labels'])
        names = [d['name'] for d in fleet.devices.list(self.ctx, label='gpu')]
        self.assertEqual(['node-1'], names)
        names = [d['name'] for d in fleet.devices.list(
            self.ctx, role='compute', rack='k1')]
        self.assertEqual(['node-1'], names)
        self.assertEqual(3, len(fleet.devices.list(self.ctx, region='r1')))

    def test_resolution_order_and_blame(self):
        fleet = self.fleet()
        build_tree(fleet)
        v = fleet.variables
        v.set(self.ctx, 'defaults', None, {'a': 'defaults', 'b': 'defaults',
                                           'c': 'defaults', 'd': 'defaults',
                                           'e': 'defaults', 'f': 'defaults',
                                           'g': 'defaults'})
        v.set(self.ctx, 'cloud', 'prod', {
            'b': 'cloud', 'c': 'cloud', 'd': 'cloud', 'e': 'cloud',
            'f': 'cloud', 'g': 'cloud'})
        v.set(self.ctx, 'region', 'r1', {
            'c': 'region', 'd': 'region', 'e': 'region', 'f': 'region',
            'g': 'region'})
        v.set(self.ctx, 'cell', 'c1', {'d': 'cell', 'e': 'cell', 'f': 'cell',
                                       'g': 'cell'}, region='r1')
        v.set(self.ctx, 'rack', 'k1', {'e': 'rack', 'f': 'rack', 'g': 'rack'})
        v.set(self.ctx, 'device', 'chassis-1', {'f': 'parent', 'g': 'parent'})
        v.set(self.ctx, 'device', 'node-1', {'g': 'device'})
        got = {r['key']: (r['value'], r['level'])
               for r in v.resolved(self.ctx, 'node-1', blame=True)}
        self.assertEqual({
            'a': ('defaults', 'defaults'), 'b': ('cloud', 'cloud prod'),
            'c': ('region', 'region r1'), 'd': ('cell', 'cell c1'),
            'e': ('rack', 'rack k1'), 'f': ('parent', 'parent chassis-1'),
            'g': ('device', 'device node-1')}, got)
        # node-2 has no rack, cell or parent: region wins for d..g.
        got2 = {r['key']: r['value'] for r in v.resolved(self.ctx, 'node-2')}
        self.assertEqual('region', got2['g'])
        # The bulk resolver used by exports agrees with the single one.
        bulk = fleet.exporter.resolved_all(self.ctx)
        self.assertEqual({k: val for k, (val, _l) in got.items()},
                         bulk['node-1'])
        self.assertEqual(got2, bulk['node-2'])

    def test_typed_values_round_trip(self):
        fleet = self.fleet()
        build_tree(fleet)
        value = {'list': [1, 2.5, None, True], 'nested': {'x': 'y'}}
        fleet.variables.set(self.ctx, 'device', 'node-1', {'v': value, 'n': 3})
        got = {r['key']: r['value'] for r in
               fleet.variables.show(self.ctx, 'device', 'node-1')}
        self.assertEqual({'v': value, 'n': 3}, got)

    def test_secret_masked_everywhere(self):
        fleet = self.fleet()
        build_tree(fleet)
        fleet.variables.set(self.ctx, 'device', 'node-1',
                            {'bmc_password': 's3cr3t!'}, secret=True)
        fleet.variables.set(self.ctx, 'device', 'node-1',
                            {'bmc_password': 'n3w!'}, secret=True)
        shown = fleet.variables.show(self.ctx, 'device', 'node-1')
        self.assertEqual('******', shown[0]['value'])
        resolved = fleet.variables.resolved(self.ctx, 'node-1', blame=True)
        self.assertNotIn('s3cr3t!', json.dumps(resolved))
        log = json.dumps(fleet.changes.list(self.ctx, limit=None), default=str)
        self.assertNotIn('s3cr3t!', log)
        self.assertNotIn('n3w!', log)
        with fleet.reading() as s:
            raw = ' '.join(str(x) for x in s.execute(
                sa.select(models.Change.old, models.Change.new)).all())
        self.assertNotIn('s3cr3t', raw)
        self.assertNotIn('bmc_password', fleet.exporter.ansible(self.ctx))
        self.assertIn('n3w!', fleet.exporter.ansible(
            self.ctx, include_secrets=True))
        self.assertEqual('n3w!', fleet.variables.secret_value(
            self.ctx, 'node-1', 'bmc_password'))

    def test_change_log_as_of_and_revert(self):
        fleet = self.fleet()
        build_tree(fleet)
        fleet.variables.set(self.ctx, 'device', 'node-1', {'kernel': '6.1',
                                                           'tuned': True})
        rev = fleet.changes.list(self.ctx, object_type='device', name='node-1',
                                 limit=1)[0]['id']
        fleet.variables.set(self.ctx.replace(reason='upgrade'), 'device',
                            'node-1', {'kernel': '6.6'})
        fleet.variables.unset(self.ctx, 'device', 'node-1', ['tuned'])
        fleet.variables.set(self.ctx, 'device', 'node-1', {'extra': 1})
        past = fleet.changes.device_as_of(self.ctx, 'node-1', rev)
        self.assertEqual({'kernel': '6.1', 'tuned': True}, past['vars'])
        latest = fleet.changes.list(self.ctx, limit=3)
        self.assertEqual('tester', latest[0]['actor'])
        upgrade = [c for c in fleet.changes.list(self.ctx, limit=None)
                   if c['reason'] == 'upgrade'][0]
        self.assertEqual(('6.1', '6.6'), (upgrade['old'], upgrade['new']))
        plan = fleet.changes.revert_device_vars(
            self.ctx.replace(reason='bad upgrade'), 'node-1', rev)
        self.assertEqual({('extra', 'unset'), ('kernel', 'set'),
                          ('tuned', 'add')},
                         {(p['key'], p['action']) for p in plan})
        now = {r['key']: r['value'] for r in
               fleet.variables.show(self.ctx, 'device', 'node-1')}
        self.assertEqual({'kernel': '6.1', 'tuned': True}, now)
        reverted = fleet.changes.list(self.ctx, limit=3)
        self.assertTrue(all(c['reason'] == 'bad upgrade' for c in reverted))
        self.assertEqual(1, len({c['request_id'] for c in reverted}))

    def test_failed_write_leaves_nothing(self):
        fleet = self.fleet()
        build_tree(fleet)
        before = (self._count(fleet, models.Variable),
                  self._count(fleet, models.Change))
        self.assertRaises(exception.Invalid, fleet.variables.set,
                          self.ctx, 'device', 'node-1',
                          {'ok': 1, 'bad key': 2})
        self.assertRaises(exception.Invalid, fleet.variables.set,
                          self.ctx, 'device', 'node-1',
                          {'ok': 1, 'nan': float('nan')})
        self.assertRaises(exception.NotFound, fleet.variables.set,
                          self.ctx, 'device', 'no-such', {'ok': 1})
        self.assertRaises(exception.Invalid, fleet.devices.update,
                          self.ctx, 'chassis-1', parent='node-1')
        self.assertEqual(before, (self._count(fleet, models.Variable),
                                  self._count(fleet, models.Change)))

    def test_reserved_prefix_rejected(self):
        fleet = self.fleet()
        build_tree(fleet)
        err = self.assertRaises(exception.Invalid, fleet.variables.set,
                                self.ctx, 'device', 'node-1',
                                {'fleet_role': 'x'})
        self.assertIn("reserved prefix 'fleet_'", str(err))

    def test_export_hostvars_match_single_resolution(self):
        """Every host's variables in the export are what ``resolved`` says.

        Covers what the export's shortcuts must not get wrong: a parent
        chain through a device without variables, own variables that
        override a level's or only a grandparent's, ``ansible_host`` set
        above a device and on it, secrets at two levels.
        """
        fleet = self.fleet()
        build_tree(fleet)
        v = fleet.variables
        fleet.devices.create(self.ctx, 'blade-1', type='chassis', rack='k1',
                             parent='chassis-1')
        fleet.devices.create(self.ctx, 'node-3', rack='k1', parent='blade-1',
                             mgmt_address='10.0.0.3')
        fleet.devices.create(self.ctx, 'node-4', rack='k1', parent='blade-1',
                             mgmt_address='10.0.0.4')
        fleet.racks.create(self.ctx, 'k2', region='r1', cell='c1')
        fleet.devices.create(self.ctx, 'node-5', rack='k2',
                             mgmt_address='10.0.0.5')
        v.set(self.ctx, 'defaults', None, {'ntp': 'pool', 'tier': 'gold'})
        v.set(self.ctx, 'rack', 'k1', {'tier': 'silver'})
        v.set(self.ctx, 'rack', 'k2', {'ansible_host': 'via-bastion'})
        v.set(self.ctx, 'rack', 'k1', {'ipmi_pw': 'rack-pw'}, secret=True)
        v.set(self.ctx, 'device', 'chassis-1', {'slots': 10, 'psu': 'a'})
        v.set(self.ctx, 'device', 'node-3', {'psu': 'b', 'own': [1, 'x']})
        v.set(self.ctx, 'device', 'node-4',
              {'tier': 'bronze', 'own': {'y': None}})
        v.set(self.ctx, 'device', 'node-1',
              {'ansible_host': 'n1.lab', 'own': 1})
        v.set(self.ctx, 'device', 'node-2', {'own': 2})
        v.set(self.ctx, 'device', 'node-4',
              {'ipmi_pw': 'node-pw'}, secret=True)
        names = [d['name'] for d in fleet.devices.list(self.ctx)]
        for secrets in (False, True):
            hostvars = strict_json(fleet.exporter.ansible(
                self.ctx, include_secrets=secrets))['_meta']['hostvars']
            self.assertEqual(sorted(names), sorted(hostvars))
            for name in names:
                want = {}
                for r in v.resolved(self.ctx, name):
                    if r['secret'] and not secrets:
                        continue
                    want[r['key']] = (v.secret_value(self.ctx, name, r['key'])
                                      if r['secret'] else r['value'])
                mgmt = fleet.devices.show(self.ctx, name)['mgmt_address']
                if mgmt:
                    want.setdefault('ansible_host', mgmt)
                got = {k: val for k, val in hostvars[name].items()
                       if not k.startswith('fleet_')}
                self.assertEqual(want, got, name)
                # One host's, as the ansible executor passes them: the same.
                self.assertEqual(hostvars[name], one_host.ansible_host(
                    fleet, name, include_secrets=secrets), name)
        hostvars = json.loads(fleet.exporter.ansible(self.ctx))[
            '_meta']['hostvars']
        self.assertEqual(('b', 10, 'silver'), (
            hostvars['node-3']['psu'], hostvars['node-3']['slots'],
            hostvars['node-3']['tier']))
        self.assertEqual(('bronze', 'a'), (hostvars['node-4']['tier'],
                                           hostvars['node-4']['psu']))
        self.assertEqual('via-bastion', hostvars['node-5']['ansible_host'])
        self.assertEqual('n1.lab', hostvars['node-1']['ansible_host'])
        self.assertNotIn('ipmi_pw', hostvars['node-4'])

    def test_export_groups_and_missing(self):
        from fleet.plugins.sources import base
        fleet = self.fleet()
        build_tree(fleet)
        fleet.variables.set(self.ctx, 'device', 'node-1',
                            {'ansible_host': 'n1.lab'})
        snap = base.Snapshot(devices=[base.DeviceRecord(name='api-1'),
                                      base.DeviceRecord(name='api-2')])
        fleet.sync.apply(self.ctx, 'api', snap, region='r1')
        snap.devices.pop()
        fleet.sync.apply(self.ctx, 'api', snap, region='r1')
        inv = json.loads(fleet.exporter.ansible(self.ctx))
        self.assertEqual(['api-2'], inv['fleet_missing']['hosts'])
        self.assertEqual(['node-1'], inv['rack_r1_k1']['hosts'][1:])
        self.assertEqual(['region_r1'], inv['cloud_prod']['children'])
        self.assertEqual(['node-1', 'node-2'],
                         inv['role_compute']['hosts'])
        self.assertEqual(['node-1'], inv['label_gpu']['hosts'])
        hv = inv['_meta']['hostvars']
        self.assertEqual('n1.lab', hv['node-1']['ansible_host'])
        self.assertEqual(('compute', 'k1', 'c1'), (
            hv['node-1']['fleet_role'], hv['node-1']['fleet_rack'],
            hv['node-1']['fleet_cell']))
        self.assertEqual(set(inv['all']['children']),
                         set(inv) - {'_meta', 'all'})

    def test_delete_refuses_with_children(self):
        fleet = self.fleet()
        build_tree(fleet)
        err = self.assertRaises(
            exception.Conflict, fleet.racks.delete, self.ctx, 'k1')
        self.assertIn('still has 2 devices', str(err))
        self.assertRaises(exception.Conflict, fleet.devices.delete,
                          self.ctx, 'chassis-1')
        fleet.variables.set(self.ctx, 'device', 'node-2', {'x': 1})
        fleet.devices.delete(self.ctx.replace(reason='decommissioned'),
                             'node-2')
        self.assertRaises(exception.NotFound,
                          fleet.devices.show, self.ctx, 'node-2')
        gone = fleet.changes.list(
            self.ctx, object_type='device', name='node-2')
        self.assertEqual({'delete'}, {c['action'] for c in gone[:2]})

    def test_sync_is_idempotent_and_flags_missing(self):
        from fleet.plugins.sources import base
        fleet = self.fleet()
        snap = base.Snapshot(devices=[
            base.DeviceRecord(name='h1', external_id='u1', serial='A',
                              facts={'src': {'power': 'on'}},
                              secrets={'bmc_password': 'pw-1'}),
            base.DeviceRecord(name='h2', external_id='u2')])
        rep = fleet.sync.apply(self.ctx, 'api', snap,
                               cloud='lab', region='RegionOne')
        self.assertEqual(2, rep.counts['added'] - 2)  # + cloud and region
        seen = fleet.devices.show(self.ctx, 'h1')['last_seen']
        changes = len(fleet.changes.list(self.ctx, limit=None))
        again = fleet.sync.apply(self.ctx, 'api', snap, cloud='lab',
                                 region='RegionOne')
        self.assertEqual([], again.rows)
        # Liveness moves on; the change log does not.
        self.assertGreater(fleet.devices.show(
            self.ctx, 'h1')['last_seen'], seen)
        self.assertEqual(changes, len(
            fleet.changes.list(self.ctx, limit=None)))
        snap.devices[0].facts = {'src': {'power': 'off'}}
        snap.devices.pop()
        rep = fleet.sync.apply(self.ctx, 'api', snap,
                               cloud='lab', region='RegionOne')
        self.assertEqual({('changed', 'h1'), ('missing', 'h2')},
                         {(r['action'], r['name']) for r in rep.rows})
        self.assertTrue(fleet.devices.show(self.ctx, 'h2')['missing'])
        self.assertNotIn('pw-1', json.dumps(
            fleet.changes.list(self.ctx, limit=None), default=str))
