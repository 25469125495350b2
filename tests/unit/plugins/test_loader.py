"""fleet.plugins.loader: one table, every plugin kind, options per plugin."""

import os
import shutil
import subprocess
import sys
import textwrap

import fixtures
from oslo_config import cfg
from stevedore import extension
from stevedore import named
import testtools

from fleet.common import exception
from fleet import conf as fleet_conf
from fleet.plugins import loader
from fleet.plugins.sources import base as sources_base

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.dirname(sys.executable)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

ENABLED = {
    'inventory_sources': ('inventory', 'enabled_sources'),
    'collectors': ('collectors', 'enabled_collectors'),
    'auditors': ('audit', 'enabled_auditors'),
    'executors': ('remediation', 'enabled_executors'),
    'notifiers': ('notifications', 'enabled_notifiers'),
}


def new_conf(**enabled):
    """A ConfigOpts with fleet's groups; ``kind=[names]`` enables them."""
    conf = cfg.ConfigOpts()
    for module in fleet_conf.MODULES:
        fleet_conf.register(conf, module)
    conf([], project='fleet', default_config_files=[],
         default_config_dirs=[])
    for kind, names in enabled.items():
        group, option = ENABLED[kind]
        conf.set_override(option, names, group=group)
    return conf


def ext(name, plugin):
    return extension.Extension(name, None, plugin, None)


def test_manager(*extensions):
    return named.NamedExtensionManager.make_test_instance(list(extensions))


class Probe(loader.base_class('collectors')):
    """A collector that keeps what it was given."""

    @classmethod
    def get_config_opts(cls):
        return [cfg.StrOpt('colour', default='blue', help='A colour.')]

    def __init__(self, options, **kwargs):
        super().__init__(options)
        self.kwargs = kwargs

    def collect(self, devices):
        return [(d, self.options.colour) for d in devices]


class Quiet(loader.base_class('collectors')):
    """A collector without options."""

    def collect(self, devices):
        return []


class Broken(loader.base_class('collectors')):
    """A collector whose constructor fails."""

    def __init__(self, options):
        raise RuntimeError('no such device\nsecond line')

    def collect(self, devices):
        return []


class Distribution(fixtures.Fixture):
    """A throwaway installed distribution: modules plus entry points.

    A directory with the modules and a ``*.dist-info`` (METADATA,
    entry_points.txt) is put on ``sys.path``, which is all that
    importlib.metadata, and so stevedore, looks at.
    """

    def __init__(self, name, entry_points, modules):
        super().__init__()
        self.name = name
        self.entry_points = entry_points
        self.modules = modules

    def _setUp(self):
        self.path = self.useFixture(fixtures.TempDir()).path
        # stevedore caches entry points on disk; keep ours out of $HOME.
        self.useFixture(fixtures.EnvironmentVariable(
            'XDG_CACHE_HOME', os.path.join(self.path, 'cache')))
        info = os.path.join(self.path, '%s-0.1.dist-info' % self.name)
        os.mkdir(info)
        with open(os.path.join(info, 'METADATA'), 'w') as f:
            f.write('Metadata-Version: 2.1\nName: %s\nVersion: 0.1\n'
                    % self.name)
        with open(os.path.join(info, 'entry_points.txt'), 'w') as f:
            for group, lines in self.entry_points.items():
                f.write('[%s]\n%s\n' % (group, '\n'.join(lines)))
        for module, source in self.modules.items():
            target = os.path.join(self.path, module + '.py')
            if os.path.isfile(source):
                shutil.copy(source, target)
            else:
                with open(target, 'w') as f:
                    f.write(textwrap.dedent(source))
        self.useFixture(fixtures.MonkeyPatch('sys.path',
                                             [self.path] + sys.path))
        # ...and in memory, per namespace, whatever sys.path says.
        self.useFixture(fixtures.MonkeyPatch(
            'stevedore.extension.ExtensionManager.ENTRY_POINT_CACHE', {}))
        self.addCleanup(self._forget)

    def _forget(self):
        for module in self.modules:
            sys.modules.pop(module, None)


class TestKinds(testtools.TestCase):

    def test_one_table_for_every_kind(self):
        self.assertEqual(list(ENABLED), list(loader.KINDS))
        conf = new_conf()
        for key, kind in loader.KINDS.items():
            self.assertEqual('fleet.' + key, kind.namespace)
            self.assertEqual(ENABLED[key], (kind.group, kind.option))
            # The enabled option exists and is a list.
            self.assertIsInstance(loader.enabled_names(key, conf), list)
            base = loader.base_class(key)
            self.assertTrue(base.__abstractmethods__, base)
            for method in base.__abstractmethods__:
                doc = getattr(base, method).__doc__
                self.assertIn(':raises', doc, '%s.%s' % (base, method))

    def test_unknown_kind(self):
        self.assertRaises(ValueError, loader.load, 'widgets', 'x',
                          new_conf())


class TestLoad(testtools.TestCase):

    def test_plugin_gets_its_own_option_group(self):
        conf = new_conf(collectors=['probe'])
        plugin = loader.load('collectors', 'probe', conf,
                             manager=test_manager(ext('probe', Probe)),
                             region='r1')
        self.assertIsInstance(plugin, Probe)
        self.assertEqual('probe', plugin.name)
        self.assertEqual({'region': 'r1'}, plugin.kwargs)
        self.assertEqual('blue', plugin.options.colour)
        conf.set_override('colour', 'red', group='collectors.probe')
        self.assertEqual([('d1', 'red')], plugin.collect(['d1']))

    def test_plugin_without_options_gets_none(self):
        conf = new_conf(collectors=['quiet'])
        plugin = loader.load('collectors', 'quiet', conf,
                             manager=test_manager(ext('quiet', Quiet)))
        self.assertIsNone(plugin.options)

    def test_not_enabled_names_the_option(self):
        conf = new_conf(collectors=['quiet'])
        exc = self.assertRaises(
            exception.PluginNotEnabled, loader.load, 'collectors', 'probe',
            conf, manager=test_manager(ext('probe', Probe)))
        self.assertIn('[collectors] enabled_collectors', str(exc))
        self.assertIn("collector 'probe' is not enabled; enabled: quiet",
                      str(exc))
        exc = self.assertRaises(exception.PluginNotEnabled, loader.load,
                                'notifiers', 'log', new_conf())
        self.assertIn('enabled: none', str(exc))
        self.assertIn('[notifications] enabled_notifiers', str(exc))

    def test_not_a_subclass_of_the_kind(self):
        conf = new_conf(auditors=['probe'])
        exc = self.assertRaises(
            exception.PluginLoadError, loader.load, 'auditors', 'probe',
            conf, manager=test_manager(ext('probe', Probe)))
        self.assertEqual(('auditor', 'probe'), (exc.kind, exc.name))
        self.assertIn('not a subclass of '
                      'fleet.plugins.auditors.base:Auditor', exc.reason)

    def test_constructor_failure(self):
        conf = new_conf(collectors=['broken'])
        exc = self.assertRaises(
            exception.PluginLoadError, loader.load, 'collectors', 'broken',
            conf, manager=test_manager(ext('broken', Broken)))
        self.assertEqual("collector plugin 'broken' failed to load: "
                         "RuntimeError: no such device", str(exc))

    def test_load_enabled_in_listed_order(self):
        conf = new_conf(collectors=['quiet', 'probe'])
        plugins = loader.load_enabled(
            'collectors', conf,
            manager=test_manager(ext('probe', Probe), ext('quiet', Quiet)))
        self.assertEqual(['quiet', 'probe'], list(plugins))
        self.assertIsInstance(plugins['probe'], Probe)

    def test_enabled_but_not_installed(self):
        conf = new_conf(executors=['nonesuch'])
        exc = self.assertRaises(exception.PluginLoadError,
                                loader.load, 'executors', 'nonesuch', conf)
        self.assertEqual(
            "executor plugin 'nonesuch' failed to load: no "
            "fleet.executors entry point of that name is installed",
            str(exc))
        exc = self.assertRaises(exception.PluginLoadError,
                                loader.load_enabled, 'executors', conf)
        self.assertEqual('nonesuch', exc.name)


class TestRealEntryPoints(testtools.TestCase):

    def test_builtin_sources_get_their_groups(self):
        conf = new_conf()
        ironic = loader.load_source('ironic', conf, {})
        self.assertEqual('ironic', ironic.name)
        self.assertEqual('fleet_role', ironic.options.role_key)
        self.assertIs(conf['inventory_sources.ironic'].role_key,
                      ironic.options.role_key)
        self.assertIsInstance(ironic, sources_base.InventorySource)

    def test_import_failure_and_disabled_never_imported(self):
        self.useFixture(Distribution(
            'fleet_test_plugins',
            {'fleet.collectors': [
                'good = fleet_test_good:Good',
                'bad = fleet_test_bad:Bad',
                'explodes = fleet_test_explodes:Explodes']},
            {'fleet_test_good': '''
                from fleet.plugins.collectors import base

                class Good(base.Collector):
                    """Fine."""

                    def collect(self, devices):
                        return []
                ''',
             'fleet_test_bad': 'import fleet_no_such_module\n',
             'fleet_test_explodes': 'raise SystemError("imported!")\n'}))
        conf = new_conf(collectors=['good', 'bad'])
        self.assertEqual('good',
                         loader.load('collectors', 'good', conf).name)
        exc = self.assertRaises(exception.PluginLoadError, loader.load,
                                'collectors', 'bad', conf)
        self.assertEqual(
            "collector plugin 'bad' failed to load: ModuleNotFoundError: "
            "No module named 'fleet_no_such_module'", str(exc))
        # ``explodes`` is installed but not enabled: never imported.
        self.assertNotIn('fleet_test_explodes', sys.modules)
        exc = self.assertRaises(exception.PluginNotEnabled, loader.load,
                                'collectors', 'explodes', conf)
        self.assertNotIn('fleet_test_explodes', sys.modules)


class TestAllPluginOpts(testtools.TestCase):

    def test_every_kind(self):
        class Step(loader.base_class('executors')):
            """An executor step."""

            @classmethod
            def get_config_opts(cls):
                return [cfg.IntOpt('retries', default=1, help='Retries.')]

            def pre_condition(self, params):
                pass

            def execute(self, params):
                return {}

            def post_condition(self, params, result):
                pass

            def revert(self, params, result):
                pass

        managers = {key: extension.ExtensionManager.make_test_instance([])
                    for key in loader.KINDS}
        managers['collectors'] = extension.ExtensionManager.\
            make_test_instance([ext('probe', Probe), ext('quiet', Quiet)])
        managers['executors'] = extension.ExtensionManager.\
            make_test_instance([ext('step', Step)])
        groups = dict(loader.all_plugin_opts(managers=managers))
        self.assertEqual({'collectors.probe', 'executors.step'}, set(groups))
        self.assertEqual(['colour'], [o.name for o in
                                      groups['collectors.probe']])

    def test_builtin_sources(self):
        groups = dict(loader.all_plugin_opts())
        self.assertEqual(['timeout', 'role_key', 'host_address_field'], [
            o.name for o in groups['inventory_sources.ironic']])
        self.assertEqual(['timeout'], [
            o.name for o in groups['inventory_sources.nova']])
        self.assertNotIn('inventory_sources.static', groups)


class TestAddingACollector(testtools.TestCase):
    """A collector is one module plus one entry point; nothing else."""

    def setUp(self):
        super().setUp()
        self.dist = self.useFixture(Distribution(
            'fleet_example_collector',
            {'fleet.collectors': [
                'example = fleet_example_collector:ExampleCollector']},
            {'fleet_example_collector':
             os.path.join(HERE, 'example_collector.py')}))

    def test_loaded_with_its_options(self):
        conf = new_conf(collectors=['example'])
        collector = loader.load('collectors', 'example', conf)
        self.assertEqual([{'device': 'node-1', 'metric': 'answer',
                           'value': 42, 'status': 'ok'}],
                         collector.collect(['node-1']))
        groups = dict(loader.all_plugin_opts())
        self.assertEqual(['answer'], [o.name for o in
                                      groups['collectors.example']])

    def test_options_reach_the_sample_config(self):
        out = os.path.join(self.dist.path, 'fleet.conf.sample')
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [self.dist.path, os.environ.get('PYTHONPATH', '')]))
        subprocess.run(
            [os.path.join(BIN, 'oslo-config-generator'), '--config-file',
             os.path.join(ROOT, 'etc/fleet/fleet-config-generator.conf'),
             '--output-file', out], check=True, env=env, cwd=ROOT,
            timeout=120, capture_output=True)
        with open(out) as f:
            sample = f.read()
        section = sample.split('[collectors.example]', 1)[1]
        section = section.split('\n[', 1)[0]
        self.assertIn('# The value reported for every device.', section)
        self.assertIn('#answer = 42', section)
