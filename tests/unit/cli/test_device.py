"""fleet device create|list|show|set|unset|delete|revert."""

from tests.unit.cli import base


class DeviceTestCase(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place(cell='cell1', rack='r1')


class TestDeviceCreateShow(DeviceTestCase):

    def test_create_shows_device(self):
        shown = self.fleet_json(
            'device', 'create', 'node-1', '--type', 'host', '--region',
            'RegionOne', '--rack', 'r1', '--role', 'compute', '--serial',
            'SN1', '--asset-tag', 'A-1', '--mgmt-address', '10.0.0.1',
            '--label', 'gpu', '--label', 'ssd', '--reason', 'racked')
        self.assertEqual(
            {'name': 'node-1', 'type': 'host', 'role': 'compute',
             'cloud': 'c1', 'region': 'RegionOne', 'cell': 'cell1',
             'rack': 'r1', 'serial': 'SN1', 'asset_tag': 'A-1',
             'mgmt_address': '10.0.0.1', 'labels': ['gpu', 'ssd'],
             'source': 'manual', 'missing': False, 'parent': None},
            {k: shown[k] for k in (
                'name', 'type', 'role', 'cloud', 'region', 'cell', 'rack',
                'serial', 'asset_tag', 'mgmt_address', 'labels', 'source',
                'missing', 'parent')})
        self.assertEqual(shown, self.fleet_json('device', 'show', 'node-1'))
        self.assertEqual('node-1', self.fleet_json(
            'device', 'show', shown['uuid'])['name'])
        change = self.api.changes.list(self.ctx, object_type='device')[0]
        self.assertEqual('racked', change['reason'])

    def test_table_output(self):
        self.fleet_cli('device', 'create', 'node-1', '--label', 'gpu')
        out = self.fleet_cli('device', 'show', 'node-1').out
        self.assertRegex(out, r'\| labels +\| gpu +\|')

    def test_bad_type_is_argparse_error(self):
        res = self.fleet_cli('device', 'create', 'n', '--type', 'toaster',
                             expect=2)
        self.assertIn("invalid choice: 'toaster'", res.err)
        self.assertEqual([], self.api.devices.list(self.ctx))

    def test_bad_role_one_line_nothing_written(self):
        res = self.fleet_cli('device', 'create', 'node-1', '--role', 'Bad!',
                             expect=1)
        self.assertEqual(
            "--role: invalid role 'Bad!'; use lower-case letters, digits, - "
            "and _ (at most 64; e.g. compute, controller, network, storage, "
            "logging)\n",
            res.err)
        self.assertEqual([], self.api.devices.list(self.ctx))
        self.assertEqual([], self.api.changes.list(
            self.ctx, object_type='device'))

    def test_show_unknown(self):
        res = self.fleet_cli('device', 'show', 'nope', expect=1)
        self.assertEqual("No device named 'nope'. See: fleet device list.\n",
                         res.err)

    def test_show_at_revision(self):
        self.fleet_cli('device', 'create', 'node-1', '--role', 'compute')
        self.fleet_cli('var', 'set', 'node-1', 'ntp=a')
        first = self.api.changes.list(self.ctx, object_type='device')[0]['id']
        self.fleet_cli('var', 'set', 'node-1', 'ntp=b', 'extra=1')
        self.fleet_cli('var', 'set', 'node-1', 'pw=hunter2', '--secret')
        self.fleet_cli('device', 'set', 'node-1', '--role', 'storage')
        past = self.fleet_json('device', 'show', 'node-1', '--at',
                               str(first))
        self.assertEqual(first, past['revision'])
        self.assertEqual('compute', past['role'])
        self.assertEqual({'ntp': 'a'}, past['vars'])
        now = self.fleet_json('device', 'show', 'node-1', '--at',
                              '2999-01-01T00:00:00Z')
        self.assertEqual('storage', now['role'])
        self.assertEqual({'ntp': 'b', 'extra': 1, 'pw': '******'},
                         now['vars'])
        res = self.fleet_cli('device', 'show', 'node-1', '--at',
                             'yesterday', expect=1)
        self.assertTrue(res.err.startswith(
            "--at: cannot read 'yesterday' as a time or change id"), res.err)


class TestDeviceList(DeviceTestCase):

    def setUp(self):
        super().setUp()
        d = self.api.devices
        d.create(self.ctx, 'node-1', rack='r1',
                 role='compute', labels=['gpu', 'ssd'])
        d.create(self.ctx, 'node-2', role='compute', labels=['gpu'])
        d.create(self.ctx, 'sw-1', type='switch', rack='r1')
        self.api.regions.create(self.ctx, 'RegionTwo', cloud='c1')
        d.create(self.ctx, 'node-3', region='RegionTwo', role='compute')

    def names(self, *args):
        return [r['Name'] for r in self.fleet_json('device', 'list', *args)]

    def test_default_and_long_columns(self):
        rows = self.fleet_json('device', 'list')
        self.assertEqual(['Name', 'Type', 'Role', 'Region', 'Cell', 'Rack',
                          'Missing'], list(rows[0]))
        self.assertEqual(['node-1', 'node-2', 'node-3', 'sw-1'],
                         [r['Name'] for r in rows])
        long = self.fleet_json('device', 'list', '--long')
        self.assertIn('UUID', long[0])
        self.assertEqual(['gpu', 'ssd'], long[0]['Labels'])
        self.assertEqual('c1', long[0]['Cloud'])

    def test_filters_and(self):
        self.assertEqual(['node-1', 'sw-1'], self.names('--rack', 'r1'))
        self.assertEqual(['node-1', 'sw-1'], self.names('--cell', 'cell1'))
        self.assertEqual(['node-3'], self.names('--region', 'RegionTwo'))
        self.assertEqual(['sw-1'], self.names('--type', 'switch'))
        self.assertEqual(['node-1', 'node-2'], self.names('--label', 'gpu'))
        self.assertEqual(['node-1'], self.names('--label', 'gpu',
                                                '--label', 'ssd'))
        self.assertEqual(['node-1'], self.names('--label', 'gpu',
                                                '--rack', 'r1'))
        self.assertEqual(['node-1', 'node-2', 'node-3'],
                         self.names('--role', 'compute', '--cloud', 'c1'))
        self.assertEqual(['node-1', 'node-2'], self.names('--limit', '2'))
        self.assertEqual(4, len(self.names('--present')))
        self.assertEqual([], self.names('--missing'))
        self.assertEqual(4, len(self.names('--source', 'manual')))

    def test_missing_and_present_exclusive(self):
        res = self.fleet_cli('device', 'list', '--missing', '--present',
                             expect=2)
        self.assertIn('not allowed with argument', res.err)

    def test_bad_limit(self):
        res = self.fleet_cli('device', 'list', '--limit', '0', expect=1)
        self.assertEqual('--limit: must be 1 or more.\n', res.err)


class TestDeviceSetUnset(DeviceTestCase):

    def setUp(self):
        super().setUp()
        self.api.devices.create(self.ctx, 'chassis-1', type='chassis')
        self.api.devices.create(self.ctx, 'node-1', role='compute',
                                serial='S1', rack='r1')

    def test_set_attributes_and_rename(self):
        res = self.fleet_cli('device', 'set', 'node-1', '--name', 'node-9',
                             '--type', 'blade', '--role', 'storage',
                             '--serial', 'S2', '--asset-tag', 'T',
                             '--mgmt-address', '10.1.1.1', '--parent',
                             'chassis-1', '--reason', 'moved')
        self.assertEqual('', res.out)
        dev = self.api.devices.show(self.ctx, 'node-9')
        self.assertEqual(('blade', 'storage', 'S2', 'T', '10.1.1.1',
                          'chassis-1'),
                         (dev['type'], dev['role'], dev['serial'],
                          dev['asset_tag'], dev['mgmt_address'],
                          dev['parent']))
        reasons = {c['reason'] for c in self.api.changes.list(
            self.ctx, object_type='device', name='node-9')
            if c['action'] == 'update'}
        self.assertEqual({'moved'}, reasons)

    def test_parent_cycle_refused(self):
        self.fleet_cli('device', 'set', 'node-1', '--parent', 'chassis-1')
        res = self.fleet_cli('device', 'set', 'chassis-1', '--parent',
                             'node-1', expect=1)
        self.assertEqual("--parent: setting parent 'node-1' would make a "
                         "cycle; choose a device that is not below "
                         "'chassis-1'\n", res.err)
        self.assertIsNone(self.api.devices.show(
            self.ctx, 'chassis-1')['parent'])

    def test_unset(self):
        self.fleet_cli('device', 'unset', 'node-1', '--role', '--serial',
                       '--rack')
        dev = self.api.devices.show(self.ctx, 'node-1')
        self.assertEqual((None, None, None, 'RegionOne'),
                         (dev['role'], dev['serial'], dev['rack'],
                          dev['region']))

    def test_unset_nothing(self):
        res = self.fleet_cli('device', 'unset', 'node-1', expect=1)
        self.assertTrue(res.err.startswith('Nothing to unset; give at '
                                           'least one of --role'), res.err)


class TestDeviceDelete(DeviceTestCase):

    def test_delete_several(self):
        for name in ('a', 'b'):
            self.api.devices.create(self.ctx, name)
        self.fleet_cli('device', 'delete', 'a', 'b', '--reason', 'retired')
        self.assertEqual([], self.api.devices.list(self.ctx))
        self.assertEqual('retired', self.api.changes.list(
            self.ctx, object_type='device', name='b')[0]['reason'])

    def test_delete_parent_refused(self):
        self.api.devices.create(self.ctx, 'chassis-1', type='chassis')
        self.api.devices.create(self.ctx, 'blade-1',
                                type='blade', parent='chassis-1')
        res = self.fleet_cli('device', 'delete', 'chassis-1', expect=1)
        self.assertEqual("device 'chassis-1' is the parent of 1 devices; "
                         "delete or move them first.\n", res.err)
        self.assertEqual(2, len(self.api.devices.list(self.ctx)))


class TestDeviceRevert(DeviceTestCase):

    def setUp(self):
        super().setUp()
        self.api.devices.create(self.ctx, 'node-1')
        self.api.variables.set(
            self.ctx, 'device', 'node-1', {'ntp': 'a', 'keep': 1})
        self.good = self.api.changes.list(
            self.ctx, object_type='device')[0]['id']
        self.api.variables.set(
            self.ctx, 'device', 'node-1', {'ntp': 'b', 'new': True})
        self.api.variables.set(self.ctx, 'device', 'node-1', {'pw': 'hunter2'},
                               secret=True)

    def test_dry_run_shows_plan_writes_nothing(self):
        before = len(self.api.changes.list(self.ctx, limit=None))
        res = self.fleet_cli('device', 'revert', 'node-1', '--to',
                             str(self.good), '--dry-run', '-f', 'json')
        self.assertEqual(
            [{'Key': 'new', 'Action': 'unset', 'Old': True, 'New': None},
             {'Key': 'ntp', 'Action': 'set', 'Old': 'b', 'New': 'a'},
             {'Key': 'pw', 'Action': 'skipped (secret)', 'Old': '******',
              'New': '******'}],
            res.json())
        self.assertEqual('node-1: 2 variable(s) would change (dry run: '
                         'nothing written)\n', res.err)
        self.assertEqual(before, len(
            self.api.changes.list(self.ctx, limit=None)))
        self.assertNotIn('hunter2', res.out)

    def test_revert(self):
        self.fleet_cli('device', 'revert', 'node-1', '--to', str(self.good),
                       '--reason', 'bad change')
        vals = {v['key']: v['value']
                for v in self.api.variables.show(self.ctx, 'device', 'node-1')}
        self.assertEqual({'ntp': 'a', 'keep': 1, 'pw': '******'}, vals)
        self.assertEqual(
            'bad change', self.api.changes.list(self.ctx)[0]['reason'])

    def test_revert_bad_revision_names_to(self):
        res = self.fleet_cli('device', 'revert', 'node-1', '--to', 'soon',
                             expect=1)
        self.assertTrue(res.err.startswith("--to: cannot read 'soon'"),
                        res.err)
        res = self.fleet_cli('device', 'revert', 'node-1', '--to', '1',
                             expect=1)
        self.assertTrue(res.err.startswith("--to: device 'node-1' did not "
                                           "exist yet"), res.err)
