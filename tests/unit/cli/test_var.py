"""fleet var set|unset|show, and keeping secrets out of every output."""

import json

from tests.unit.cli import base

SECRET = 'hunter2-s3cret'


class VarTestCase(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place(cell='cell1', rack='r1')
        self.api.devices.create(self.ctx, 'chassis-1',
                                type='chassis', rack='r1')
        self.api.devices.create(
            self.ctx, 'node-1', rack='r1', parent='chassis-1')


class TestVarSetShow(VarTestCase):

    def test_set_typed_values_and_show(self):
        res = self.fleet_cli('var', 'set', 'node-1', 'cores=8', 'on=true',
                             'ntp=pool.ntp.org', 'dns=["1.1.1.1"]',
                             'cfg={"a": 1}', 'quoted="8"')
        self.assertEqual('', res.out)
        rows = self.fleet_json('var', 'show', 'node-1')
        self.assertEqual(
            {'cfg': {'a': 1}, 'cores': 8, 'dns': ['1.1.1.1'],
             'ntp': 'pool.ntp.org', 'on': True, 'quoted': '8'},
            {r['Key']: r['Value'] for r in rows})
        self.assertEqual(['Key', 'Value', 'Secret', 'Observed'],
                         list(rows[0]))
        table = self.fleet_cli('var', 'show', 'node-1').out
        self.assertRegex(table, r'\| dns +\| \["1.1.1.1"\] +\|')
        self.assertRegex(table, r'\| quoted +\| "8" +\|')

    def test_scopes(self):
        self.fleet_cli('var', 'set', '--scope', 'defaults', 'ntp=d',
                       'dns=d')
        self.fleet_cli('var', 'set', 'c1', 'ntp=cloud', '--scope', 'cloud')
        self.fleet_cli('var', 'set', 'RegionOne', 'dns=region', '--scope',
                       'region')
        self.fleet_cli('var', 'set', 'cell1', 'x=cell', '--scope', 'cell',
                       '--region', 'RegionOne')
        self.fleet_cli('var', 'set', 'r1', 'y=rack', '--scope', 'rack')
        self.fleet_cli('var', 'set', 'chassis-1', 'y=chassis')
        self.assertEqual([{'Key': 'dns', 'Value': 'd', 'Secret': False,
                           'Observed': False},
                          {'Key': 'ntp', 'Value': 'd', 'Secret': False,
                           'Observed': False}],
                         self.fleet_json('var', 'show', '--scope',
                                         'defaults'))
        self.assertEqual(['x'], [r['Key'] for r in self.fleet_json(
            'var', 'show', 'cell1', '--scope', 'cell')])
        blame = self.fleet_json('var', 'show', 'node-1', '--resolved',
                                '--blame')
        self.assertEqual(
            [{'Key': 'dns', 'Value': 'region', 'Level': 'region RegionOne',
              'Secret': False, 'Observed': False},
             {'Key': 'ntp', 'Value': 'cloud', 'Level': 'cloud c1',
              'Secret': False, 'Observed': False},
             {'Key': 'x', 'Value': 'cell', 'Level': 'cell cell1',
              'Secret': False, 'Observed': False},
             {'Key': 'y', 'Value': 'chassis', 'Level': 'parent chassis-1',
              'Secret': False, 'Observed': False}], blame)
        resolved = self.fleet_json('var', 'show', 'node-1', '--resolved')
        self.assertEqual(['Key', 'Value', 'Secret', 'Observed'],
                         list(resolved[0]))
        self.assertEqual([], self.fleet_json('var', 'show', 'node-1'))

    def test_resolved_only_for_devices(self):
        res = self.fleet_cli('var', 'show', 'r1', '--scope', 'rack',
                             '--blame', expect=1)
        self.assertEqual('--resolved and --blame apply to devices only; '
                         'drop them or use --scope device.\n', res.err)

    def test_bad_assignment_writes_nothing(self):
        res = self.fleet_cli('var', 'set', 'node-1', 'ok=1', 'broken',
                             expect=1)
        self.assertEqual("variable: expected KEY=VALUE, got 'broken'; write "
                         "it as key=value\n", res.err)
        res = self.fleet_cli('var', 'set', 'node-1', 'bad-key=1', expect=1)
        self.assertTrue(res.err.startswith("key: invalid variable name "
                                           "'bad-key'"), res.err)
        self.assertEqual([], self.api.variables.show(
            self.ctx, 'device', 'node-1'))

    def test_nothing_to_set(self):
        res = self.fleet_cli('var', 'set', 'node-1', expect=1)
        self.assertEqual('Nothing to do; give at least one key=value.\n',
                         res.err)

    def test_unset(self):
        self.api.variables.set(self.ctx, 'device', 'node-1', {'a': 1, 'b': 2})
        self.api.variables.set(self.ctx, 'defaults', None, {'d': 1})
        self.fleet_cli('var', 'unset', 'node-1', 'a')
        self.assertEqual(['b'], [r['Key'] for r in self.fleet_json(
            'var', 'show', 'node-1')])
        res = self.fleet_cli('var', 'unset', 'node-1', 'a', 'b', expect=1)
        self.assertIn("has no variable 'a'", res.err)
        self.assertEqual(1, len(self.api.variables.show(self.ctx, 'device',
                                                        'node-1')))
        self.fleet_cli('var', 'unset', '--scope', 'defaults', 'd')
        self.assertEqual([], self.api.variables.show(self.ctx, 'defaults'))


class TestSecretsNeverPrinted(VarTestCase):
    """A secret set through the CLI appears in no output at all."""

    def setUp(self):
        super().setUp()
        self.fleet_cli('var', 'set', 'node-1', 'bmc_password=' + SECRET,
                       'bmc_user=admin', '--secret')
        self.fleet_cli('var', 'set', 'r1', '--scope', 'rack',
                       'rack_token=' + SECRET, '--secret')

    def assertHidden(self, *argv):
        res = self.fleet_cli(*argv)
        self.assertNotIn(SECRET, res.out + res.err)
        return res

    def test_var_show(self):
        for fmt in ('table', 'json', 'yaml', 'value', 'csv'):
            self.assertHidden('var', 'show', 'node-1', '-f', fmt)
            self.assertHidden('var', 'show', 'node-1', '--resolved',
                              '--blame', '-f', fmt)
        rows = self.fleet_json('var', 'show', 'node-1', '--resolved',
                               '--blame')
        pw = [r for r in rows if r['Key'] == 'bmc_password'][0]
        self.assertEqual({'Key': 'bmc_password', 'Value': '******',
                          'Level': 'device node-1', 'Secret': True,
                          'Observed': False}, pw)
        table = self.fleet_cli('var', 'show', 'node-1').out
        self.assertRegex(table, r'\| bmc_password +\| \*{6} +\| True')

    def test_device_show_and_change_log(self):
        self.fleet_cli('var', 'set', 'node-1', 'bmc_password=other',
                       '--secret')
        self.fleet_cli('var', 'unset', 'node-1', 'bmc_password')
        for fmt in ('table', 'json', 'yaml'):
            self.assertHidden('device', 'show', 'node-1', '-f', fmt)
            self.assertHidden('device', 'show', 'node-1', '--at',
                              '2999-01-01', '-f', fmt)
            self.assertHidden('change', 'list', '-f', fmt, '--long')
        changes = self.fleet_json('change', 'list')
        self.assertNotIn('other', json.dumps(changes))
        for change in changes:
            self.assertHidden('change', 'show', str(change['ID']), '-f',
                              'json')

    def test_export(self):
        for fmt in ('ansible', 'json'):
            res = self.assertHidden('inventory', 'export', '--format', fmt)
            self.assertIn('node-1', res.out)
