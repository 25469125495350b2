"""The OpenStackClient plugin: ``openstack fleet ...``."""

import argparse

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
        import os

        from fleet.cli.osc import plugin
        db = os.path.join(self.home, 'lazy.sqlite')
        conf = os.path.join(self.home, 'lazy.conf')
        with open(conf, 'w') as f:
            f.write('[database]\nconnection = sqlite:///%s\n' % db)

        class ClientManager:
            """What OSC hands to make_client: its configuration."""

            def get_configuration(self):
                return {'fleet_config_file': conf}

        self.conf.clear_override('connection', group='database')
        client = plugin.make_client(ClientManager())
        self.assertFalse(os.path.exists(db))
        self.assertEqual([], client.devices.list(self.ctx))
        self.assertTrue(os.path.exists(db))


class TestOpenStackClient(base.CLITestCase):
    """Run the real ``openstack`` command against the test database."""

    def test_device_list_and_error(self):
        api = self.make_place(rack='r1')
        api.devices.create(self.ctx, 'node-1', rack='r1', role='compute')
        api.variables.set(self.ctx, 'device', 'node-1',
                          {'pw': 'pw-x'}, secret=True)
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

    def test_command_help_names_the_plugin(self):
        res = self.script('openstack', 'fleet', 'device', 'list', '--help')
        self.assertTrue(res.out.startswith('usage: openstack fleet device '
                                           'list '), res.out[:200])
        self.assertTrue(res.out.rstrip().endswith(
            'This command is provided by the openstack-fleet plugin.'),
            res.out[-300:])
