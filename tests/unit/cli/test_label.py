"""fleet label add|remove|list."""

from tests.unit.cli import base


class TestLabel(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place()
        self.api.devices.create(self.ctx, 'node-1')
        self.api.devices.create(self.ctx, 'node-2')

    def test_add_list_remove(self):
        self.assertEqual('', self.fleet_cli('label', 'add', 'node-1', 'gpu',
                                            'ssd').out)
        self.fleet_cli('label', 'add', 'node-2', 'gpu', '--reason', 'new')
        self.assertEqual([{'Label': 'gpu'}, {'Label': 'ssd'}],
                         self.fleet_json('label', 'list', 'node-1'))
        self.assertEqual([{'Label': 'gpu', 'Devices': 2},
                          {'Label': 'ssd', 'Devices': 1}],
                         self.fleet_json('label', 'list'))
        self.fleet_cli('label', 'remove', 'node-1', 'gpu')
        self.assertEqual(['ssd'], self.api.devices.show(
            self.ctx, 'node-1')['labels'])
        self.assertEqual('new', self.api.changes.list(
            self.ctx, object_type='device', name='node-2')[0]['reason'])

    def test_remove_absent_label_changes_nothing(self):
        self.api.labels.add(self.ctx, 'node-1', ['gpu'])
        res = self.fleet_cli('label', 'remove', 'node-1', 'gpu', 'nope',
                             expect=1)
        self.assertEqual("label: device 'node-1' has no label 'nope'; see: "
                         "fleet label list node-1\n", res.err)
        self.assertEqual(['gpu'], self.api.devices.show(
            self.ctx, 'node-1')['labels'])

    def test_bad_label(self):
        res = self.fleet_cli('label', 'add', 'node-1', 'a b', expect=1)
        self.assertTrue(res.err.startswith("label: invalid label 'a b'"),
                        res.err)
        self.assertEqual([], self.api.devices.show(
            self.ctx, 'node-1')['labels'])
