"""fleet.api.sync: one sync, step by step, through ``Fleet.sync.apply``.

End-to-end scenarios (asset files, the CLI) are in
``tests/unit/sources/test_static.py`` and ``tests/unit/cli/test_inventory.py``;
concurrent syncs in ``tests/unit/api/test_concurrency.py``.
"""

import threading

from sqlalchemy import event

from fleet.common import exception
from fleet.plugins.sources import base as sources
from tests import base


def snapshot(names, labels=('a', 'b'), **kw):
    return sources.Snapshot(devices=[
        sources.DeviceRecord(name=n, external_id='x-' + n,
                             labels=list(labels), **kw)
        for n in names])


class StatementCounter:
    """Count the statements a block sends (executemany counts once)."""

    def __init__(self, engine):
        self.engine = engine
        self.statements = []
        self._thread = threading.get_ident()

    def _before(self, conn, cursor, statement, params, context, many):
        if threading.get_ident() == self._thread:
            self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, 'before_cursor_execute', self._before)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, 'before_cursor_execute', self._before)


class TestSync(base.FleetTestCase):

    def apply(self, snap, fleet=None, **kw):
        kw.setdefault('cloud', 'lab')
        kw.setdefault('region', 'RegionOne')
        ctx = self.ctx.replace(dry_run=kw.pop('dry_run', False))
        return (fleet or self.fleet()).sync.apply(ctx, 'api', snap, **kw)

    def test_statements_do_not_grow_with_devices(self):
        """Label removals and missing flags are bulk statements."""
        fleet = self.fleet()
        counts = []
        for n in (4, 40):
            base._wipe(self.db_url)
            names = ['n%d-%03d' % (n, i) for i in range(2 * n)]
            self.apply(snapshot(names), fleet)
            with StatementCounter(fleet.engine) as counter:
                rep = self.apply(snapshot(names[:n], labels=()), fleet)
            self.assertEqual((n, n), (rep.counts['changed'],
                                      rep.counts['missing']))
            self.assertEqual([], fleet.devices.show(self.ctx,
                                                    names[0])['labels'])
            self.assertEqual(n, len(fleet.devices.list(self.ctx,
                                                       missing=True)))
            counts.append(len(counter.statements))
        self.assertEqual(counts[0], counts[1], counts)

    def test_variable_statements_do_not_grow_with_devices(self):
        """Changed, added and level variables: bulk statements too."""
        fleet = self.fleet()
        counts = []
        for n in (4, 40):
            base._wipe(self.db_url)
            names = ['v%d-%03d' % (n, i) for i in range(n)]
            self.apply(snapshot(names, vars={'kernel': '1'}), fleet)
            snap = snapshot(names, vars={'kernel': '2', 'new': 1})
            snap.variables = [{'scope': 'device', 'name': name,
                               'vars': {'lvl': 1}} for name in names]
            with StatementCounter(fleet.engine) as counter:
                rep = self.apply(snap, fleet)
            self.assertEqual(n, rep.counts['changed'])
            counts.append(len(counter.statements))
        self.assertEqual(counts[0], counts[1], counts)

    def test_labels_removed_and_missing_flagged(self):
        fleet = self.fleet()
        self.apply(snapshot(['h1', 'h2', 'h3']), fleet)
        rep = self.apply(snapshot(['h1'], labels=['b']), fleet)
        self.assertEqual({('changed', 'h1'), ('missing', 'h2'),
                          ('missing', 'h3')},
                         {(r['action'], r['name']) for r in rep.rows})
        self.assertEqual(['b'], fleet.devices.show(self.ctx, 'h1')['labels'])
        self.assertEqual(['h2', 'h3'], [d['name'] for d in
                                        fleet.devices.list(self.ctx,
                                                           missing=True)])
        log = [c for c in fleet.changes.list(self.ctx, limit=None)
               if c['field'] in ('labels', 'missing')]
        self.assertEqual(3, len(log))
        rep = self.apply(snapshot(['h1'], labels=['b']), fleet)
        self.assertEqual([], rep.rows)
        self.assertEqual(2, rep.counts['still missing'])

    def test_api_source_errors_name_the_record_not_a_file_or_flag(self):
        snap = sources.Snapshot(devices=[sources.DeviceRecord(
            name='bad name', where='ironic node 1be2')])
        err = self.assertRaises(exception.InvalidInput, self.apply, snap)
        self.assertNotIsInstance(err, exception.InvalidAssetFile)
        self.assertEqual('ironic node 1be2', err.where)
        self.assertTrue(str(err).startswith(
            "ironic node 1be2: name: invalid name 'bad name'"), str(err))
        self.assertNotIn('--', str(err))
        snap = sources.Snapshot(devices=[sources.DeviceRecord(
            name='n1', where='nova hypervisor n1')])
        err = self.assertRaises(exception.InvalidInput, self.apply, snap,
                                region=None)
        self.assertEqual('nova hypervisor n1: no region given; set '
                         '"region"', str(err))
        self.assertNotIsInstance(err, exception.InvalidAssetFile)

    def test_same_key_as_var_and_secret_is_an_input_error(self):
        snap = sources.Snapshot(devices=[sources.DeviceRecord(
            name='n1', vars={'pw': 'plain'}, secrets={'pw': 's3cr3t'},
            where='assets.yaml: devices[0] (n1)')])
        err = self.assertRaises(exception.InvalidInput, self.apply, snap)
        self.assertEqual("assets.yaml: devices[0] (n1): vars.pw: given under "
                         "both vars and secrets; keep it under one of them",
                         str(err))
        self.assertNotIn('s3cr3t', str(err))
        self.assertEqual([], self.fleet().devices.list(self.ctx, ))

    def test_secrets_stored_encrypted_and_compared_decrypted(self):
        import sqlalchemy as sa

        from fleet.db import models
        fleet = self.fleet()
        snap = sources.Snapshot(
            variables=[{'scope': 'region', 'name': 'RegionOne',
                        'secrets': {'ipmi_pw': 'level-pw'}}],
            devices=[sources.DeviceRecord(name='n1',
                                          secrets={'bmc_pw': 'dev-pw'})])
        self.apply(snap, fleet)
        with fleet.reading() as s:
            raw = ' '.join(s.scalars(sa.select(models.Variable.value)))
        self.assertNotIn('level-pw', raw)
        self.assertNotIn('dev-pw', raw)
        self.assertEqual('dev-pw', fleet.variables.secret_value(
            self.ctx, 'n1', 'bmc_pw'))
        self.assertEqual('level-pw', fleet.variables.secret_value(
            self.ctx, 'n1', 'ipmi_pw'))
        self.assertEqual([], self.apply(snap, fleet).rows)
        snap.devices[0].secrets = {'bmc_pw': 'new-pw'}
        rep = self.apply(snap, fleet)
        self.assertEqual([('changed', 'n1')],
                         [(r['action'], r['name']) for r in rep.rows])
        self.assertEqual('new-pw', fleet.variables.secret_value(
            self.ctx, 'n1', 'bmc_pw'))

    def test_level_variable_given_twice_is_an_input_error(self):
        snap = sources.Snapshot(variables=[
            {'scope': 'region', 'name': 'RegionOne', 'vars': {'ntp': 'a'},
             'where': 'vars[0]'},
            {'scope': 'region', 'name': 'RegionOne', 'secrets': {'ntp': 'b'},
             'where': 'vars[1]'}], devices=[sources.DeviceRecord(name='n')])
        err = self.assertRaises(exception.InvalidInput, self.apply, snap)
        self.assertEqual("vars[1]: variable 'ntp' of region 'RegionOne' is "
                         "also set at vars[0]; set it once", str(err))
        self.assertEqual([], self.fleet().devices.list(self.ctx))

    def test_duplicate_uuid_is_an_input_error(self):
        uid = '8d1f3c2e-5b7a-4e0f-9a61-2f4b8c9d0e11'
        twice = sources.Snapshot(devices=[
            sources.DeviceRecord(name=n, uuid=uid, where='row %s' % n)
            for n in ('a', 'b')])
        err = self.assertRaises(exception.InvalidInput, self.apply, twice)
        self.assertEqual("row b: duplicate device uuid '%s' (also at row "
                         "a); give each device its own" % uid, str(err))
        self.apply(sources.Snapshot(devices=twice.devices[:1]))
        other = sources.Snapshot(complete=False, devices=[
            sources.DeviceRecord(name='c', uuid=uid, where='row c')])
        err = self.assertRaises(exception.InvalidInput, self.fleet(
        ).sync.apply, self.ctx, 'other', other, cloud='lab',
            region='RegionOne')
        self.assertEqual("row c: uuid %s is already the UUID of device 'a'; "
                         "give another UUID or leave it out" % uid, str(err))

    def test_owner_changes_other_source_fills_empty(self):
        fleet = self.fleet()
        self.apply(sources.Snapshot(devices=[sources.DeviceRecord(
            name='h1', external_id='u1', serial='S1')]), fleet)
        other = sources.Snapshot(complete=False, devices=[
            sources.DeviceRecord(name='h1', serial='S2', asset_tag='A1',
                                 facts={'nova': {'up': True}})])
        rep = fleet.sync.apply(self.ctx, 'nova', other, cloud='lab',
                               region='RegionOne')
        self.assertEqual(['changed'], [r['action'] for r in rep.rows])
        dev = fleet.devices.show(self.ctx, 'h1')
        self.assertEqual(('S1', 'A1', 'api'), (dev['serial'],
                                               dev['asset_tag'],
                                               dev['source']))

    def test_level_in_two_clouds_resolved_by_the_snapshot(self):
        fleet = self.fleet()
        self.apply(sources.Snapshot(devices=[sources.DeviceRecord(
            name='ir-1')]), fleet, cloud='lab', region='RegionOne')
        snap = sources.Snapshot(
            strict_hierarchy=True,
            clouds=[{'name': 'prod'}],
            regions=[{'name': 'RegionOne', 'cloud': 'prod'}],
            racks=[{'name': 'k1', 'region': 'RegionOne'}],
            variables=[{'scope': 'region', 'name': 'RegionOne',
                        'vars': {'ntp': 'x'}}],
            devices=[sources.DeviceRecord(name='n1', region='RegionOne'),
                     sources.DeviceRecord(name='n2', rack='k1')])
        fleet.sync.apply(self.ctx, 'static:a.yaml', snap)
        for name in ('n1', 'n2'):
            self.assertEqual('prod',
                             fleet.devices.show(self.ctx, name)['cloud'])
        self.assertEqual([], fleet.sync.apply(self.ctx, 'static:a.yaml',
                                              snap).rows)
        # Without the snapshot declaring it, the name stays ambiguous.
        bare = sources.Snapshot(strict_hierarchy=True, devices=[
            sources.DeviceRecord(name='n3', region='RegionOne')])
        err = self.assertRaises(exception.InvalidInput, fleet.sync.apply,
                                self.ctx, 'static:b.yaml', bare)
        self.assertIn("region 'RegionOne' exists in several clouds", str(err))

    def test_dry_run_reports_and_rolls_back(self):
        fleet = self.fleet()
        rep = self.apply(snapshot(['h1', 'h2']), fleet, dry_run=True)
        self.assertEqual(2, rep.counts['added'] - 2)  # + cloud, region
        self.assertEqual([], fleet.devices.list(self.ctx, ))
        self.assertEqual([], fleet.changes.list(self.ctx, ))


class TestLevelIndex(base.FleetTestCase):
    """fleet.api.index: names, ids and placement in memory."""

    def test_lookups_and_placement(self):
        from fleet.api import index as index_mod
        fleet = self.fleet()
        for cloud in ('prod', 'lab'):
            fleet.clouds.create(self.ctx, cloud)
            fleet.regions.create(self.ctx, 'RegionOne', cloud=cloud)
        fleet.cells.create(self.ctx, 'c1', region='RegionOne', cloud='prod')
        fleet.racks.create(self.ctx, 'k1', region='RegionOne', cell='c1',
                           cloud='prod')
        fleet.devices.create(self.ctx, 'n1', rack='k1')
        with fleet.reading() as s:
            idx = index_mod.LevelIndex.load(s)
        regions = idx.regions_named('RegionOne')
        self.assertEqual(2, len(regions))
        prod = idx.cloud_id('prod')
        rid = idx.region_id('RegionOne', prod)
        rack_id, cell_id = idx.rack(rid, 'k1')
        self.assertEqual(cell_id, idx.cell_id(rid, 'c1'))
        self.assertEqual({rid: rack_id}, idx.racks_named('k1'))
        self.assertEqual({'cloud': 'prod', 'region': 'RegionOne',
                          'cell': 'c1', 'rack': 'k1'},
                         idx.placement(rid, cell_id, rack_id))
        self.assertEqual('n1', idx.name('device', idx.device_id('n1')))
        self.assertIsNone(idx.name('rack', None))
        self.assertEqual(rid, idx.rack_region(rack_id))
