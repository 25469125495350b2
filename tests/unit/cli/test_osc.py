"""The OpenStackClient plugin: ``openstack fleet ...``."""

import argparse
from unittest import mock

from tests.unit.cli import base


class TestPluginModule(base.CLITestCase):

    def test_interface(self):
        from fleet.cli.osc import plugin
        self.assertEqual('fleet', plugin.API_NAME)
        self.assertEqual('os_fleet_api_version', plugin.API_VERSION_OPTION)
        self.assertIn(plugin.DEFAULT_API_VERSION, plugin.API_VERSIONS)
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        opts = parser.parse_args(['--os-fleet-config-file', '/x.conf'])
        self.assertEqual(('1', '/x.conf'), (opts.os_fleet_api_version,
                                            opts.os_fleet_config_file))

    def test_make_client_is_lazy(self):
        from fleet.cli.osc import plugin
        instance = mock.Mock()
        instance.get_configuration.return_value = {
            'fleet_config_file': self.config_file}
        with mock.patch('fleet.api.connect') as connect:
            client = plugin.make_client(instance)
            connect.assert_not_called()
            client.devices.list()
        connect.assert_called_once()
        self.assertIs(connect.return_value.devices.list.return_value,
                      client.devices.list())


class TestOpenStackClient(base.CLITestCase):
    """Run the real ``openstack`` command against the test database."""

    def test_device_list_and_error(self):
        api = self.make_place(rack='r1')
        api.devices.create('node-1', rack='r1', role='compute')
        api.variables.set('device', 'node-1', {'pw': 'pw-x'}, secret=True)
        env = {'FLEET_CONFIG_FILE': self.config_file}
        res = self.script('openstack', 'fleet', 'device', 'list', '-f',
                          'json', env=env)
        self.assertEqual([{'Name': 'node-1', 'Type': 'host',
                           'Role': 'compute', 'Region': 'RegionOne',
                           'Cell': None, 'Rack': 'r1', 'Missing': False}],
                         res.json())
        res = self.script('openstack', 'fleet', 'var', 'show', 'nope',
                          expect=1, env=env)
        self.assertEqual("No device named 'nope'. See: fleet device list.\n",
                         res.err)
