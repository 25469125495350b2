"""The list commands' columns: defaults, ``--long`` and ``--fields``.

One TestCase per command, in the way of python-ironicclient's OSC tests:
parse the arguments with the command's own parser, run ``take_action``
against a real database, assert the columns and the data. The columns
come from one registry, :mod:`fleet.cli.v1.resource_fields`.
"""

import io
import types

from osc_lib import exceptions as osc_exc

from fleet.cli.v1 import cell
from fleet.cli.v1 import change
from fleet.cli.v1 import cloud
from fleet.cli.v1 import device
from fleet.cli.v1 import label
from fleet.cli.v1 import rack
from fleet.cli.v1 import region
from fleet.cli.v1 import resource_fields
from tests.unit.cli import base


class CommandTestCase(base.CLITestCase):
    """Run one command class the way cliff does, on the test database."""

    command = None
    name = None

    def setUp(self):
        super().setUp()
        self.api = self.make_place(rack='r1')
        self.api.clouds.create(self.ctx, 'c2', description='second')

    def parse(self, *argv):
        app = types.SimpleNamespace(
            fleet_client=types.SimpleNamespace(
                fleet=self.api, context=lambda parsed_args=None: self.ctx),
            stderr=io.StringIO(), options=types.SimpleNamespace())
        cmd = self.command(app, None)
        return cmd, cmd.get_parser(self.name).parse_args(list(argv))

    def run_cmd(self, *argv):
        cmd, parsed = self.parse(*argv)
        headings, rows = cmd.take_action(parsed)
        return tuple(headings), [tuple(_plain(v) for v in r) for r in rows]

    def assert_bad_fields(self, resource, *argv):
        cmd, parsed = self.parse('--fields', resource.fields[0], 'nope',
                                 *argv)
        exc = self.assertRaises(osc_exc.CommandError, cmd.take_action,
                                parsed)
        self.assertEqual('--fields: no field nope; valid fields: %s.'
                         % ', '.join(resource.fields), str(exc))

    def assert_long_and_fields_exclusive(self):
        self.assertRaises(SystemExit, self.parse, '--long', '--fields',
                          'name')


def _plain(value):
    return value.human_readable() if hasattr(value, 'human_readable') \
        else value


class TestListCloud(CommandTestCase):
    command = cloud.ListCloud
    name = 'fleet cloud list'

    def test_default(self):
        self.assertEqual((('Name', 'Description'),
                          [('c1', None), ('c2', 'second')]), self.run_cmd())

    def test_long(self):
        headings, rows = self.run_cmd('--long')
        self.assertEqual(('ID', 'Name', 'Description', 'Created At',
                          'Updated At'), headings)
        self.assertEqual(['c1', 'c2'], [r[1] for r in rows])

    def test_fields(self):
        self.assertEqual((('Description', 'Name'),
                          [(None, 'c1'), ('second', 'c2')]),
                         self.run_cmd('--fields', 'description',
                                      '--fields', 'name', 'description'))

    def test_bad_fields(self):
        self.assert_bad_fields(resource_fields.CLOUD)
        self.assert_long_and_fields_exclusive()


class TestListRegion(CommandTestCase):
    command = region.ListRegion
    name = 'fleet region list'

    def setUp(self):
        super().setUp()
        self.api.regions.create(self.ctx, 'RegionTwo', cloud='c2')

    def test_default_and_filter(self):
        self.assertEqual((('Name', 'Cloud', 'Description'),
                          [('RegionOne', 'c1', None),
                           ('RegionTwo', 'c2', None)]), self.run_cmd())
        self.assertEqual([('RegionTwo', 'c2', None)],
                         self.run_cmd('--cloud', 'c2')[1])

    def test_fields_and_long(self):
        self.assertEqual((('Cloud',), [('c1',), ('c2',)]),
                         self.run_cmd('--fields', 'cloud'))
        self.assertEqual(('ID', 'Name', 'Cloud', 'Description', 'Created At',
                          'Updated At'), self.run_cmd('--long')[0])

    def test_bad_fields(self):
        self.assert_bad_fields(resource_fields.REGION, '--cloud', 'c2')
        self.assert_long_and_fields_exclusive()


class TestListCell(CommandTestCase):
    command = cell.ListCell
    name = 'fleet cell list'

    def setUp(self):
        super().setUp()
        self.api.cells.create(self.ctx, 'cell1', region='RegionOne',
                              description='first')
        self.api.regions.create(self.ctx, 'RegionTwo', cloud='c2')
        self.api.cells.create(self.ctx, 'cell2', region='RegionTwo')

    def test_default_and_filters(self):
        self.assertEqual((('Name', 'Region', 'Description'),
                          [('cell1', 'RegionOne', 'first'),
                           ('cell2', 'RegionTwo', None)]), self.run_cmd())
        self.assertEqual([('cell2', 'RegionTwo', None)],
                         self.run_cmd('--region', 'RegionTwo')[1])
        self.assertEqual([('cell1', 'RegionOne', 'first')],
                         self.run_cmd('--cloud', 'c1')[1])

    def test_fields_and_long(self):
        self.assertEqual((('Name', 'ID'), ['cell1', 'cell2']),
                         (self.run_cmd('--fields', 'name', 'id')[0],
                          [r[0] for r in self.run_cmd('--fields', 'name',
                                                      'id')[1]]))
        self.assertEqual(('ID', 'Name', 'Region', 'Description',
                          'Created At', 'Updated At'),
                         self.run_cmd('--long')[0])

    def test_bad_fields(self):
        self.assert_bad_fields(resource_fields.CELL)


class TestListRack(CommandTestCase):
    command = rack.ListRack
    name = 'fleet rack list'

    def setUp(self):
        super().setUp()
        self.api.cells.create(self.ctx, 'cell1', region='RegionOne')
        self.api.racks.create(self.ctx, 'r2', region='RegionOne',
                              cell='cell1')

    def test_default_and_filters(self):
        self.assertEqual((('Name', 'Region', 'Cell', 'Description'),
                          [('r1', 'RegionOne', None, None),
                           ('r2', 'RegionOne', 'cell1', None)]),
                         self.run_cmd())
        self.assertEqual([('r2', 'RegionOne', 'cell1', None)],
                         self.run_cmd('--cell', 'cell1')[1])
        self.assertEqual(2, len(self.run_cmd('--region', 'RegionOne',
                                             '--cloud', 'c1')[1]))

    def test_fields(self):
        self.assertEqual((('Cell', 'Name'), [(None, 'r1'), ('cell1', 'r2')]),
                         self.run_cmd('--fields', 'cell', 'name'))

    def test_bad_fields(self):
        self.assert_bad_fields(resource_fields.RACK)
        self.assert_long_and_fields_exclusive()


class TestListDevice(CommandTestCase):
    command = device.ListDevice
    name = 'fleet device list'

    def setUp(self):
        super().setUp()
        self.api.devices.create(self.ctx, 'node-1', rack='r1',
                                role='compute', labels=['gpu', 'ssd'],
                                serial='SN1')
        self.api.devices.create(self.ctx, 'sw-1', type='switch',
                                region='RegionOne')

    def test_default(self):
        self.assertEqual(
            (('Name', 'Type', 'Role', 'Region', 'Cell', 'Rack', 'Missing'),
             [('node-1', 'host', 'compute', 'RegionOne', None, 'r1', False),
              ('sw-1', 'switch', None, 'RegionOne', None, None, False)]),
            self.run_cmd())

    def test_long_has_labels(self):
        headings, rows = self.run_cmd('--long', '--type', 'host')
        self.assertEqual(resource_fields.DEVICE.long,
                         tuple(k for k, _h in resource_fields.DEVICE.columns(
                             resource_fields.DEVICE.long)))
        self.assertEqual('Labels', headings[12])
        self.assertEqual('gpu, ssd', rows[0][12])

    def test_fields_labels_are_read(self):
        self.assertEqual((('Name', 'Labels', 'Serial'),
                          [('node-1', 'gpu, ssd', 'SN1'),
                           ('sw-1', '', None)]),
                         self.run_cmd('--fields', 'name', 'labels',
                                      'serial'))

    def test_fields_without_labels(self):
        self.assertEqual((('UUID',), 2),
                         (self.run_cmd('--fields', 'uuid')[0],
                          len(self.run_cmd('--fields', 'uuid')[1])))

    def test_bad_fields(self):
        self.assert_bad_fields(resource_fields.DEVICE)
        self.assert_long_and_fields_exclusive()


class TestListLabel(CommandTestCase):
    command = label.ListLabel
    name = 'fleet label list'

    def setUp(self):
        super().setUp()
        self.api.devices.create(self.ctx, 'node-1', rack='r1',
                                labels=['gpu', 'ssd'])
        self.api.devices.create(self.ctx, 'node-2', rack='r1',
                                labels=['gpu'])

    def test_all_labels(self):
        self.assertEqual((('Label', 'Devices'), [('gpu', 2), ('ssd', 1)]),
                         self.run_cmd())
        self.assertEqual((('Devices',), [(2,), (1,)]),
                         self.run_cmd('--fields', 'devices'))

    def test_one_device(self):
        self.assertEqual((('Label',), [('gpu',), ('ssd',)]),
                         self.run_cmd('node-1'))
        self.assertEqual(('Label',), self.run_cmd('node-1', '--long')[0])

    def test_bad_fields(self):
        cmd, parsed = self.parse('node-1', '--fields', 'devices')
        exc = self.assertRaises(osc_exc.CommandError, cmd.take_action,
                                parsed)
        self.assertEqual('--fields: no field devices; valid fields: label.',
                         str(exc))


class TestListChange(CommandTestCase):
    command = change.ListChange
    name = 'fleet change list'

    def setUp(self):
        super().setUp()
        self.api.devices.create(self.ctx.replace(reason='racked'), 'node-1',
                                rack='r1')

    def test_default(self):
        headings, rows = self.run_cmd('--type', 'device')
        self.assertEqual(('ID', 'Time', 'Actor', 'Action', 'Type', 'Name',
                          'Field', 'Old', 'New', 'Reason'), headings)
        self.assertEqual(('tester', 'create', 'device', 'node-1', 'racked'),
                         rows[0][2:6] + rows[0][9:])

    def test_long_and_fields(self):
        self.assertEqual(('Request ID', 'Secret'),
                         self.run_cmd('--long')[0][-2:])
        self.assertEqual((('Action', 'Name'), [('create', 'node-1')]),
                         self.run_cmd('--type', 'device', '--fields',
                                      'action', 'object_name'))

    def test_bad_fields(self):
        self.assert_bad_fields(resource_fields.CHANGE)
        self.assert_long_and_fields_exclusive()


class TestFieldsThroughTheCLI(base.CLITestCase):

    def test_bad_field_is_one_line_exit_1(self):
        self.make_place()
        res = self.fleet_cli('device', 'list', '--fields', 'nmae', expect=1)
        self.assertEqual('--fields: no field nmae; valid fields: %s.\n'
                         % ', '.join(resource_fields.DEVICE.fields), res.err)
        self.assertEqual('', res.out)

    def test_fields_in_json(self):
        self.make_place().devices.create(self.ctx, 'node-1',
                                         labels=['b', 'a'])
        self.assertEqual([{'Name': 'node-1', 'Labels': ['a', 'b']}],
                         self.fleet_json('device', 'list', '--fields', 'name',
                                         'labels'))
