"""The log notifier (no secret in its lines) and the loader wiring."""

import logging

import fixtures
from stevedore import extension
from stevedore import named

from fleet.api import notifications
from fleet.common import exception
from fleet.plugins import loader
from fleet.plugins.notifiers import log as log_notifier
from fleet.plugins.notifiers import messaging
from fleet.plugins.notifiers import webhook
from tests import base
from tests.unit.notifications import helpers

SECRET = 'ipmi-pass-Zq81-sekrit'


class TestLogNotifier(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(
            name='fleet.notifications.events', level=logging.INFO,
            format='%(levelname)s %(message)s'))
        self.conf.set_override('enabled_notifiers', ['log'],
                               group='notifications')
        self.f = self.fleet()
        self.addCleanup(self.f.close)
        self.f.clouds.create(self.ctx, 'c1')
        self.f.regions.create(self.ctx, 'r1')
        self.f.devices.create(self.ctx, 'n1')

    def test_one_line_per_event_no_secret(self):
        self.useFixture(fixtures.EnvironmentVariable('BMC_PASSWORD', SECRET))
        self.f.variables.set(self.ctx, 'device', 'n1', {},
                             secrets={'bmc_password': SECRET})
        with self.f.transaction(self.ctx) as txn:
            # A careless emitter: the notifier masks credential-like keys.
            txn.emit('fleet.alert.create', {
                'severity': 'critical', 'labels': {'password': SECRET},
                'annotations': {'summary': 'token=%s' % SECRET}},
                project_id='p1')
        self.f.notifications.flush(10)
        lines = self.logs.output.splitlines()
        self.assertNotIn(SECRET, self.logs.output)
        events = [line.split()[2] for line in lines]
        self.assertEqual(['fleet.change.create', 'fleet.change.create',
                          'fleet.device.create', 'fleet.change.create',
                          'fleet.device.update', 'fleet.change.create',
                          'fleet.alert.create'], events)
        self.assertTrue(lines[-1].startswith(
            'ERROR event fleet.alert.create project=p1 {'), lines[-1])
        self.assertIn('"vars.bmc_password":{"new":"******"', lines[4])
        self.assertTrue(lines[4].startswith('INFO event fleet.device.update '
                                            'project=- {'))

    def test_long_payload_is_cut(self):
        self.conf.set_override('max_length', 100, group='notifiers.log')
        with self.f.transaction(self.ctx) as txn:
            txn.emit('fleet.alert.create', {'text': 'x' * 5000})
        self.f.notifications.flush(10)
        last = self.logs.output.splitlines()[-1]
        self.assertTrue(last.endswith('...'))
        self.assertEqual(100 + len('INFO '), len(last))


class TestLoading(base.FleetTestCase):

    def test_entry_points_of_the_built_ins(self):
        classes = loader.plugin_classes(
            'notifiers', ['log', 'webhook', 'messaging'])
        self.assertIs(log_notifier.LogNotifier, classes['log'])
        self.assertIs(webhook.WebhookNotifier, classes['webhook'])
        self.assertIs(messaging.MessagingNotifier, classes['messaging'])

    def test_enabled_ones_only_with_their_options(self):
        self.conf.set_override('enabled_notifiers', ['log'],
                               group='notifications')
        loaded = loader.load_enabled('notifiers', self.conf,
                                     library_conf=self.conf)
        self.assertEqual(['log'], list(loaded))
        self.assertEqual(2000, loaded['log'].options.max_length)
        self.assertEqual('log', loaded['log'].name)

    def test_options_reach_the_sample(self):
        groups = dict(loader.all_plugin_opts())
        self.assertEqual({'url', 'secret_file', 'timeout', 'ca_file'},
                         {o.name for o in groups['notifiers.webhook']})
        self.assertIn('transport_url', {o.name for o in
                                        groups['notifiers.messaging']})
        self.assertTrue([o for o in groups['notifiers.messaging']
                         if o.name == 'transport_url'][0].secret)

    def test_an_unknown_notifier_is_counted_never_raised(self):
        self.conf.set_override('enabled_notifiers', ['nope'],
                               group='notifications')
        f = self.fleet()
        self.addCleanup(f.close)
        f.clouds.create(self.ctx, 'c1')  # commits despite the notifier
        f.regions.create(self.ctx, 'r1')
        self.assertEqual(['c1'], [c['name'] for c in f.clouds.list(
            self.ctx)])
        self.assertEqual({'load_error': 2}, f.notifications.stats()[
            '(loader)']['dropped_by_reason'])
        self.assertRaises(exception.PluginLoadError, loader.load_enabled,
                          'notifiers', self.conf)

    def test_a_test_manager(self):
        self.conf.set_override('enabled_notifiers', ['rec'],
                               group='notifications')
        mgr = named.NamedExtensionManager.make_test_instance(
            [extension.Extension('rec', None, helpers.Recording, None)])
        notes = notifications.Notifications(self.conf, manager=mgr)
        self.addCleanup(notes.close)
        notes.publish([('fleet.alert.create', {'project_id': None})])
        self.assertTrue(notes.flush(10))
        self.assertEqual(1, notes.stats()['rec']['sent'])
