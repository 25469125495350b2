"""fleet inventory sync|export."""

import json
import os
import stat


from tests.unit.cli import base


ASSETS = """\
devices:
  - {name: node-1, region: RegionOne, secrets: {bmc_pw: pw-x},
     vars: {cpus: 8}}
  - {name: node-2, region: RegionOne}
"""


class TestInventorySync(base.CLITestCase):
    """The sync command with the real static source and asset files."""

    def setUp(self):
        super().setUp()
        self.api = self.make_place()
        self.path = os.path.join(self.home, 'assets.yaml')
        self.write(ASSETS)

    def write(self, text):
        with open(self.path, 'w') as f:
            f.write(text)

    def test_dry_run_reports_and_writes_nothing(self):
        res = self.fleet_cli('inventory', 'sync', 'static', '--file',
                             self.path, '--dry-run', '-f', 'json')
        self.assertEqual(
            [{'Action': 'added', 'Kind': 'device', 'Name': 'node-1',
              'Details': ''},
             {'Action': 'added', 'Kind': 'device', 'Name': 'node-2',
              'Details': ''}], res.json())
        self.assertTrue(res.err.endswith(
            'static: 2 added, 0 changed, 0 missing (dry run: nothing '
            'written)\n'), res.err)
        self.assertIn('collecting from static\n', res.err)
        self.assertEqual([], self.api.devices.list(self.ctx))
        # cloud, region
        self.assertEqual(2, len(self.api.changes.list(self.ctx)))
        self.assertNotIn('pw-x', res.out + res.err)

    def test_reason_recorded_and_second_run_is_quiet(self):
        self.fleet_cli('inventory', 'sync', 'static', '--file', self.path,
                       '--reason', 'first load')
        self.assertEqual(['node-1', 'node-2'],
                         [d['name'] for d in self.api.devices.list(self.ctx)])
        self.assertEqual(
            'first load', self.api.changes.list(self.ctx)[0]['reason'])
        res = self.fleet_cli('inventory', 'sync', 'static', '--file',
                             self.path, '-f', 'json')
        self.assertEqual([], res.json())
        self.write(ASSETS.split('  - {name: node-2')[0])
        res = self.fleet_cli('inventory', 'sync', 'static', '--file',
                             self.path, '-q')
        self.assertEqual('static: 0 added, 0 changed, 1 missing\n', res.err)
        self.assertEqual(['node-2'], [
            d['name'] for d in self.api.devices.list(self.ctx, missing=True)])

    def test_bad_asset_file_is_one_line_and_writes_nothing(self):
        self.write(ASSETS.replace('node-2, region: RegionOne',
                                  'node-2, region: Nowhere'))
        before = len(self.api.changes.list(self.ctx))
        res = self.fleet_cli('inventory', 'sync', 'static', '--file',
                             self.path, '-q', expect=1)
        self.assertEqual("assets.yaml: devices[1] (node-2): unknown region "
                         "'Nowhere'; declare it under \"regions\"\n",
                         res.err)
        self.assertEqual([], self.api.devices.list(self.ctx))
        self.assertEqual(before, len(self.api.changes.list(self.ctx)))

    def test_missing_file(self):
        res = self.fleet_cli('inventory', 'sync', 'static', '--file',
                             '/nonexistent.yaml', expect=1)
        self.assertEqual('--file: /nonexistent.yaml does not exist.\n',
                         res.err)


class TestInventorySyncPlugins(base.CLITestCase):

    def test_source_not_enabled_one_line(self):
        self.make_place()
        res = self.fleet_cli('inventory', 'sync', 'nosuch', expect=1)
        self.assertEqual("inventory source 'nosuch' is not enabled; "
                         "enabled: static, ironic, nova. Add it to "
                         "[inventory] enabled_sources.\n", res.err)


class TestInventoryExport(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place(rack='r1')
        self.api.devices.create(self.ctx, 'node-1', rack='r1', role='compute',
                                mgmt_address='10.0.0.1', labels=['gpu'])
        self.api.variables.set(self.ctx, 'defaults', None, {'ntp': 'pool'})
        self.api.variables.set(self.ctx, 'device', 'node-1', {'pw': 'pw-x'},
                               secret=True)

    def test_ansible(self):
        inv = json.loads(self.fleet_cli('inventory', 'export').out)
        host = inv['_meta']['hostvars']['node-1']
        self.assertEqual(('pool', '10.0.0.1', 'compute'),
                         (host['ntp'], host['ansible_host'],
                          host['fleet_role']))
        self.assertNotIn('pw', host)
        self.assertEqual(['node-1'], inv['label_gpu']['hosts'])

    def test_json_with_secrets_to_private_file(self):
        out = os.path.join(self.home, 'inv.json')
        res = self.fleet_cli('inventory', 'export', '--format', 'json',
                             '--output', out, '--include-secrets')
        self.assertEqual('', res.out)
        with open(out) as f:
            self.assertEqual({'node-1': {'ntp': 'pool', 'pw': 'pw-x'}},
                             json.load(f))
        self.assertEqual(0o600, stat.S_IMODE(os.stat(out).st_mode))

    def test_bad_output_path(self):
        res = self.fleet_cli('inventory', 'export', '--output',
                             '/nonexistent/dir/x.json', expect=1)
        self.assertEqual('--output: cannot write /nonexistent/dir/x.json: '
                         'No such file or directory\n', res.err)


TWO_CLOUDS = """\
clouds: [{name: prod}]
regions: [{name: RegionOne, cloud: prod}]
cells: [{name: c1, region: RegionOne}]
racks: [{name: k1, region: RegionOne, cell: c1}]
vars:
  - {scope: region, name: RegionOne, vars: {ntp: pool}}
devices:
  - {name: node-1, region: RegionOne, rack: k1}
  - {name: node-2, rack: k1}
"""


class TestInventorySyncTwoClouds(base.CLITestCase):
    """A RegionOne of an API sync beside an asset file's RegionOne."""

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.home, 'assets.yaml')
        with open(self.path, 'w') as f:
            f.write(TWO_CLOUDS)

    def api_sync(self):
        """What an Ironic sync of clouds.yaml cloud "lab" creates."""
        from fleet.plugins.sources import base as sources
        snap = sources.Snapshot(devices=[sources.DeviceRecord(
            name='ir-1', external_id='u1', cloud='lab', region='RegionOne',
            where='ironic node ir-1')])
        self.fleet().sync.apply(self.ctx, 'ironic', snap)

    def sync_file(self):
        return self.fleet_cli('inventory', 'sync', 'static', '--file',
                              self.path, '-f', 'json')

    def check(self):
        api = self.fleet()
        for name in ('node-1', 'node-2'):
            dev = api.devices.show(self.ctx, name)
            self.assertEqual(('prod', 'RegionOne', 'k1'),
                             (dev['cloud'], dev['region'], dev['rack']))
        self.assertEqual('lab', api.devices.show(self.ctx, 'ir-1')['cloud'])
        self.assertEqual([], self.sync_file().json())

    def test_api_sync_first(self):
        self.api_sync()
        self.sync_file()
        self.check()

    def test_asset_file_first(self):
        self.sync_file()
        self.api_sync()
        self.check()
