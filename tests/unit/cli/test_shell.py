"""The ``fleet`` app itself: errors, exit codes, global options, help."""

import io
import os

from cliff import commandmanager
import fixtures

from fleet.cli import shell
from tests.unit.cli import base


class TestErrors(base.CLITestCase):

    def test_error_is_one_line_exit_1_no_traceback(self):
        res = self.script('fleet', 'device', 'show', 'nope', expect=1)
        self.assertEqual("No device named 'nope'. See: fleet device list.\n",
                         res.err)
        self.assertEqual('', res.out)

    def test_debug_shows_traceback(self):
        res = self.fleet_cli('--debug', 'device', 'show', 'nope', expect=1)
        self.assertIn('Traceback (most recent call last)', res.err)
        self.assertIn('NotFound', res.err)

    def test_unknown_command(self):
        res = self.fleet_cli('device', 'frobnicate', expect=2)
        self.assertIn("fleet: 'device frobnicate' is not a fleet command",
                      res.out)

    def test_missing_config_file(self):
        err = io.StringIO()
        code = shell.main(['--config-file', '/nonexistent/fleet.conf',
                           'cloud', 'list'], stdout=io.StringIO(),
                          stderr=err)
        self.assertEqual(1, code)
        self.assertEqual('Configuration file /nonexistent/fleet.conf not '
                         'found; check --config-file or FLEET_CONFIG_FILE.\n',
                         err.getvalue())


class TestGlobalOptions(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.make_place()

    def test_actor_before_command_is_recorded(self):
        self.fleet_cli('device', 'create', 'node-1', actor='carol')
        self.assertEqual('carol', self.fleet(
        ).changes.list(self.ctx)[0]['actor'])

    def test_actor_after_command_belongs_to_the_command(self):
        self.fleet_cli('device', 'create', 'node-1', actor='carol')
        rows = self.fleet_json('change', 'list', '--actor', 'carol')
        self.assertEqual(['carol'], [r['Actor'] for r in rows])
        rows = self.fleet_json('change', 'list', '--actor=nobody')
        self.assertEqual([], rows)

    def test_actor_and_config_from_environment(self):
        self.useFixture(fixtures.EnvironmentVariable('FLEET_ACTOR', 'dave'))
        self.useFixture(fixtures.EnvironmentVariable('FLEET_CONFIG_FILE',
                                                     self.config_file))
        out, err = io.StringIO(), io.StringIO()
        code = shell.main(['device', 'create', 'node-1'], stdout=out,
                          stderr=err)
        self.assertEqual((0, ''), (code, err.getvalue()))
        self.assertEqual('dave', self.fleet(
        ).changes.list(self.ctx)[0]['actor'])

    def test_debug_anywhere(self):
        res = self.fleet_cli('device', 'show', 'nope', '--debug', expect=1)
        self.assertIn('Traceback', res.err)


class TestHelp(base.CLITestCase):

    def test_every_command_documented(self):
        """Each command has a docstring and every option a help string."""
        manager = commandmanager.CommandManager('openstack.fleet.v1')
        names = sorted(name for name, _ep in manager)
        self.assertIn('fleet device list', names)
        # The audit's 10 commands (policy, audit, finding) and the
        # remediation's 11 (remediation, workbook, device handoff/handback)
        # and policy stats.
        self.assertEqual(74, len(names))
        for name, ep in manager:
            cls = ep.load()
            self.assertTrue(cls.__doc__ and cls.__doc__.strip(), name)
            self.assertFalse(cls.auth_required, name)
            parser = cls(None, None).get_parser(name)
            for action in parser._actions:
                self.assertTrue(action.help, '%s %s' % (
                    name, action.option_strings or action.dest))

    def test_help_lists_commands_without_prefix(self):
        res = self.fleet_cli('--help')
        self.assertTrue(res.out.startswith('usage: fleet '), res.out)
        self.assertIn('  device list ', res.out)
        self.assertIn('  var show ', res.out)
        self.assertNotIn('fleet device list', res.out)

    def test_command_help(self):
        res = self.fleet_cli('help', 'var', 'show')
        self.assertIn('--blame', res.out)
        self.assertIn("Show the variables set on one object", res.out)

    def test_help_option_after_command_is_the_commands_help(self):
        res = self.fleet_cli('var', 'show', '--help')
        self.assertTrue(res.out.startswith('usage: fleet var show '),
                        res.out)
        self.assertIn('--blame', res.out)
        self.assertNotIn('  device list ', res.out)

    def test_standalone_help_has_no_plugin_line(self):
        res = self.fleet_cli('device', 'list', '--help')
        self.assertNotIn('plugin', res.out)


class TestCommandManager(base.CLITestCase):
    """Running a command loads that command only; listings load all."""

    def manager(self):
        return shell.FleetCommandManager(shell.NAMESPACE,
                                         shell._distribution())

    def test_find_loads_one_command(self):
        manager = self.manager()
        cls, name, rest = manager.find_command(['device', 'list', '--long'])
        from fleet.cli.v1 import device
        self.assertIs(device.ListDevice, cls)
        self.assertEqual(('device list', ['--long']), (name, rest))
        self.assertFalse(manager._complete)

    def test_partial_names(self):
        cls, name, _rest = self.manager().find_command(['dev', 'li'])
        self.assertEqual('ListDevice', cls.__name__)

    def test_listing_is_the_whole_namespace(self):
        manager = self.manager()
        names = sorted(name for name, _ep in manager)
        self.assertTrue(manager._complete)
        full = sorted(name[len('fleet '):] for name, _ep in
                      commandmanager.CommandManager(shell.NAMESPACE))
        self.assertEqual(full, names)

    def test_unknown_command_falls_back_to_the_namespace(self):
        manager = self.manager()
        self.assertRaises(ValueError, manager.find_command, ['frob'])
        self.assertTrue(manager._complete)

    def test_without_distribution_metadata(self):
        manager = shell.FleetCommandManager(shell.NAMESPACE, None)
        self.assertTrue(manager._complete)
        cls, _name, _rest = manager.find_command(['cloud', 'list'])
        self.assertEqual('ListCloud', cls.__name__)


class TestScriptPaths(base.CLITestCase):

    def test_console_scripts_installed(self):
        for name in ('fleet', 'fleet-manage'):
            self.assertTrue(os.path.exists(os.path.join(base.BIN, name)))


class TestChoicesMatchServiceLayer(base.CLITestCase):
    """Commands copy a few constants to stay light; keep them in step."""

    def test_constants(self):
        from fleet.api import devices
        from fleet.api import refs
        from fleet.cli.v1 import change
        from fleet.cli.v1 import device
        from fleet.cli.v1 import var
        self.assertEqual(devices.DEVICE_TYPES, device.DEVICE_TYPES)
        self.assertEqual(set(refs.SCOPES), set(var.SCOPES))
        # The change log also records policies, findings (audit) and
        # remediations.
        self.assertEqual(set(refs.SCOPES) |
                         {'policy', 'finding', 'remediation'},
                         set(change.OBJECT_TYPES))
        self.assertEqual(set(devices.UNSETTABLE),
                         {f for f, _w in device.UNSETTABLE})


class TestGarbageCollector(base.CLITestCase):
    """Start-up runs without the cyclic collector; the command's work not."""

    def test_on_after_connecting_and_after_a_run(self):
        import gc

        from fleet.cli import common
        gc.disable()
        client = common.FleetClient(config_files=[self.config_file])
        self.assertIsNotNone(client.fleet)
        self.assertTrue(gc.isenabled())
        self.assertGreater(gc.get_freeze_count(), 0)
        gc.disable()
        self.fleet_cli('--bogus-option', expect=2)
        self.assertTrue(gc.isenabled())
