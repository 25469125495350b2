"""fleet inventory sync|export."""

import argparse
import json
import os
import stat
from unittest import mock

import fixtures

from tests.unit.cli import base


def _snapshot(*names, region='RegionOne'):
    from fleet.plugins.sources import base as sources

    return sources.Snapshot(devices=[
        sources.DeviceRecord(name=n, region=region, external_id='ext-' + n,
                             facts={'cpus': 8}, secrets={'bmc_pw': 'pw-x'})
        for n in names])


class FakeSource:
    def __init__(self, snapshot):
        self.snapshot = snapshot

    def collect(self):
        return self.snapshot


class TestInventorySync(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place()
        self.calls = []
        self.snapshot = _snapshot('node-1', 'node-2')

        def load_source(name, conf, params):
            self.calls.append((name, params))
            return FakeSource(self.snapshot)
        self.useFixture(fixtures.MockPatch(
            'fleet.plugins.loader.load_source', side_effect=load_source))

    def test_dry_run_reports_and_writes_nothing(self):
        res = self.fleet_cli('inventory', 'sync', 'fake', '--dry-run',
                             '--region', 'RegionOne', '-f', 'json')
        self.assertEqual(
            [{'Action': 'added', 'Kind': 'device', 'Name': 'node-1',
              'Details': ''},
             {'Action': 'added', 'Kind': 'device', 'Name': 'node-2',
              'Details': ''}], res.json())
        self.assertTrue(res.err.endswith(
            'fake: 2 added, 0 changed, 0 missing (dry run: nothing '
            'written)\n'), res.err)
        self.assertIn('collecting from fake\n', res.err)
        self.assertEqual([], self.api.devices.list())
        self.assertNotIn('pw-x', res.out + res.err)

    def test_sync_params_and_second_run_is_quiet(self):
        path = os.path.join(self.home, 'assets.yaml')
        open(path, 'w').close()
        self.fleet_cli('inventory', 'sync', 'fake', '--file', path,
                       '--region', 'RegionOne', '--fleet-cloud', 'c1',
                       '--reason', 'first load')
        name, params = self.calls[0]
        self.assertEqual('fake', name)
        self.assertEqual({'path': path, 'region': 'RegionOne',
                          'cloud': 'c1'},
                         {k: params[k] for k in ('path', 'region', 'cloud')})
        self.assertTrue(callable(params['connection_factory']))
        self.assertEqual(['node-1', 'node-2'],
                         [d['name'] for d in self.api.devices.list()])
        self.assertEqual('first load', self.api.changes.list()[0]['reason'])
        self.snapshot = _snapshot('node-1')
        res = self.fleet_cli('inventory', 'sync', 'fake', '-q')
        self.assertEqual('fake: 0 added, 0 changed, 1 missing\n', res.err)
        self.assertEqual(['node-2'], [d['name'] for d in self.api.devices.list(
            missing=True)])

    def test_connection_factory_uses_os_cloud(self):
        self.fleet_cli('--os-cloud', 'lab', 'inventory', 'sync', 'fake')
        factory = self.calls[0][1]['connection_factory']
        with mock.patch('openstack.connect') as connect:
            self.assertIs(connect.return_value, factory())
        connect.assert_called_once_with(cloud='lab')

    def test_connection_factory_under_osc(self):
        from fleet.cli import common
        app = mock.Mock(spec=['options', 'cloud_config', 'client_manager'])
        app.options = argparse.Namespace(cloud='lab')
        factory = common.connection_factory(app)
        with mock.patch('openstack.connection.Connection') as conn:
            self.assertIs(conn.return_value, factory())
        app.cloud_config.get_one.assert_called_once_with(
            cloud='lab', argparse=app.options, validate=True)
        conn.assert_called_once_with(
            config=app.cloud_config.get_one.return_value)

    def test_missing_file(self):
        res = self.fleet_cli('inventory', 'sync', 'fake', '--file',
                             '/nonexistent.yaml', expect=1)
        self.assertEqual('--file: /nonexistent.yaml does not exist.\n',
                         res.err)
        self.assertEqual([], self.calls)


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
        self.api.devices.create('node-1', rack='r1', role='compute',
                                mgmt_address='10.0.0.1', labels=['gpu'])
        self.api.variables.set('defaults', None, {'ntp': 'pool'})
        self.api.variables.set('device', 'node-1', {'pw': 'pw-x'},
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
