"""fleet cloud|region|cell|rack create|list|show|set|delete."""

from tests.unit.cli import base


class TestCloud(base.CLITestCase):

    def test_create_list_show(self):
        shown = self.fleet_json('cloud', 'create', 'c1',
                                '--description', 'lab cloud')
        self.assertEqual('c1', shown['name'])
        self.assertEqual('lab cloud', shown['description'])
        self.assertRegex(shown['created_at'], r'^\d{4}-\d\d-\d\dT')
        self.fleet_cli('cloud', 'create', 'c2')
        self.assertEqual(
            [{'Name': 'c1', 'Description': 'lab cloud'},
             {'Name': 'c2', 'Description': None}],
            self.fleet_json('cloud', 'list'))
        self.assertEqual('c2', self.fleet_json('cloud', 'show', 'c2')['name'])

    def test_set_description_recorded_with_reason(self):
        self.fleet_cli('cloud', 'create', 'c1')
        res = self.fleet_cli('cloud', 'set', 'c1', '--description', 'new',
                             '--reason', 'rename ticket 7')
        self.assertEqual('', res.out)
        self.assertEqual('new', self.fleet().clouds.show(
            self.ctx, 'c1')['description'])
        change = self.fleet().changes.list(self.ctx, object_type='cloud')[0]
        self.assertEqual(('update', 'description', 'rename ticket 7',
                          'tester'),
                         (change['action'], change['field'],
                          change['reason'], change['actor']))

    def test_duplicate_is_one_line_error(self):
        self.fleet_cli('cloud', 'create', 'c1')
        res = self.fleet_cli('cloud', 'create', 'c1', expect=1)
        self.assertEqual("cloud 'c1' already exists.\n", res.err)
        self.assertEqual('', res.out)

    def test_delete_refuses_cloud_with_regions(self):
        self.make_place()
        res = self.fleet_cli('cloud', 'delete', 'c1', expect=1)
        self.assertEqual("cloud 'c1' still has 1 regions; delete or move "
                         "them first.\n", res.err)
        self.assertEqual(1, len(self.fleet().clouds.list(self.ctx)))

    def test_delete_several_goes_on_after_failure(self):
        self.fleet_cli('cloud', 'create', 'c1')
        self.fleet_cli('cloud', 'create', 'c2')
        res = self.fleet_cli('cloud', 'delete', 'c1', 'nope', 'c2', expect=1)
        self.assertEqual("No cloud named 'nope'.\n"
                         "1 of 3 clouds were not deleted.\n", res.err)
        self.assertEqual([], self.fleet().clouds.list(self.ctx))


class TestRegion(base.CLITestCase):

    def test_create_in_only_cloud_and_list(self):
        self.fleet_cli('cloud', 'create', 'c1')
        shown = self.fleet_json('region', 'create', 'RegionOne')
        self.assertEqual(('RegionOne', 'c1'), (shown['name'], shown['cloud']))
        self.fleet_cli('cloud', 'create', 'c2')
        res = self.fleet_cli('region', 'create', 'RegionTwo', expect=1)
        self.assertEqual('--cloud: no cloud given and more than one exists; '
                         'name one with --cloud\n',
                         res.err)
        self.fleet_cli('region', 'create', 'RegionOne', '--cloud', 'c2')
        self.assertEqual(
            [{'Name': 'RegionOne', 'Cloud': 'c1', 'Description': None},
             {'Name': 'RegionOne', 'Cloud': 'c2', 'Description': None}],
            self.fleet_json('region', 'list'))
        self.assertEqual(1, len(self.fleet_json('region', 'list',
                                                '--cloud', 'c2')))
        res = self.fleet_cli('region', 'show', 'RegionOne', expect=1)
        self.assertIn('pass --cloud to choose', res.err)
        self.assertEqual('c2', self.fleet_json(
            'region', 'show', 'RegionOne', '--cloud', 'c2')['cloud'])

    def test_set_and_delete(self):
        self.make_place()
        self.fleet_cli('region', 'set', 'RegionOne', '--description', 'dc1')
        self.assertEqual('dc1', self.fleet_json(
            'region', 'show', 'RegionOne')['description'])
        self.fleet_cli('region', 'delete', 'RegionOne')
        self.assertEqual([], self.fleet_json('region', 'list'))


class TestCell(base.CLITestCase):

    def test_lifecycle(self):
        self.make_place()
        shown = self.fleet_json('cell', 'create', 'cell1',
                                '--region', 'RegionOne')
        self.assertEqual('RegionOne', shown['region'])
        self.assertEqual([{'Name': 'cell1', 'Region': 'RegionOne',
                           'Description': None}],
                         self.fleet_json('cell', 'list'))
        self.fleet_cli('cell', 'set', 'cell1', '--description', 'x')
        self.assertEqual('x', self.fleet_json('cell', 'show',
                                              'cell1')['description'])
        self.fleet_cli('cell', 'delete', 'cell1')
        res = self.fleet_cli('cell', 'show', 'cell1', expect=1)
        self.assertEqual("No cell named 'cell1'.\n", res.err)

    def test_unknown_region(self):
        self.make_place()
        res = self.fleet_cli('cell', 'create', 'cell1', '--region', 'nope',
                             expect=1)
        self.assertEqual("No region named 'nope'.\n", res.err)
        self.assertEqual([], self.fleet().cells.list(self.ctx))


class TestRack(base.CLITestCase):

    def test_lifecycle_in_cell(self):
        self.make_place(cell='cell1')
        shown = self.fleet_json('rack', 'create', 'r1', '--cell', 'cell1')
        self.assertEqual(('RegionOne', 'cell1'),
                         (shown['region'], shown['cell']))
        self.fleet_cli('rack', 'create', 'r2')
        self.assertEqual(['r1'], [r['Name'] for r in self.fleet_json(
            'rack', 'list', '--cell', 'cell1')])
        self.fleet_cli('rack', 'set', 'r2', '--description', 'row 2')
        self.assertEqual('row 2', self.fleet_json('rack', 'show',
                                                  'r2')['description'])
        self.fleet_cli('rack', 'delete', 'r1', 'r2')
        self.assertEqual([], self.fleet_json('rack', 'list'))

    def test_delete_refuses_rack_with_devices(self):
        fleet = self.make_place(rack='r1')
        fleet.devices.create(self.ctx, 'node-1', rack='r1')
        res = self.fleet_cli('rack', 'delete', 'r1', expect=1)
        self.assertEqual("rack 'r1' still has 1 devices; delete or move "
                         "them first.\n", res.err)
