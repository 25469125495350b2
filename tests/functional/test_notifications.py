"""Notifications on the machine's real RabbitMQ, consumed by a real
oslo.messaging notification listener (127.0.0.1:5672, guest/guest).

Each test publishes on topics of its own (``fleet-test-<uuid>``) and
deletes their queues afterwards, so runs never see each other's events.
"""

import os
import queue
import socket
import time
import uuid

from tests.functional import base

BROKER = os.environ.get('FLEET_TEST_TRANSPORT_URL',
                        'rabbit://guest:guest@127.0.0.1:5672/')
#: The same broker as kombu names it.
AMQP = BROKER.replace('rabbit://', 'amqp://', 1)
PRIORITIES = ('audit', 'debug', 'info', 'warn', 'error', 'critical',
              'sample')


class Endpoint:
    """Collects every notification the listener receives."""

    def __init__(self):
        self.got = queue.Queue()

    def _collect(self, priority):
        def receive(ctxt, publisher_id, event_type, payload, metadata):
            self.got.put({'priority': priority, 'ctxt': ctxt,
                          'publisher_id': publisher_id,
                          'event_type': event_type, 'payload': payload})
        return receive

    def __getattr__(self, name):
        if name in PRIORITIES:
            return self._collect(name)
        raise AttributeError(name)


class TestMessagingNotifications(base.LabTestCase):

    needs = ()

    def setUp(self):
        super().setUp()
        import kombu
        from oslo_config import cfg
        import oslo_messaging

        self.topic = 'fleet-test-%s' % uuid.uuid4().hex[:12]
        try:
            with kombu.Connection(AMQP, connect_timeout=5) as conn:
                conn.connect()
        except Exception as exc:  # noqa: BLE001
            self.fail('RabbitMQ at %s is down (%s); start it: '
                      'rabbitmq-server -detached' % (BROKER, exc))
        self.addCleanup(self._delete_queues)
        with open(self.conf_file, 'a') as f:
            f.write('[notifications]\nenabled_notifiers = messaging\n'
                    'flush_timeout = 10\n'
                    '[notifiers.messaging]\ntransport_url = %s\n'
                    'topics = %s\n' % (BROKER, self.topic))
        conf = cfg.ConfigOpts()
        conf([], project='fleet-test', default_config_files=[])
        transport = oslo_messaging.get_notification_transport(conf,
                                                              url=BROKER)
        self.addCleanup(transport.cleanup)
        self.endpoint = Endpoint()
        endpoint = self.endpoint
        endpoints = [type('Listener', (), {
            p: staticmethod(endpoint._collect(p)) for p in PRIORITIES})()]
        listener = oslo_messaging.get_notification_listener(
            transport, [oslo_messaging.Target(topic=self.topic)],
            endpoints, executor='threading')
        listener.start()

        def stop():
            listener.stop()
            listener.wait()
        self.addCleanup(stop)

    def _delete_queues(self):
        import kombu

        with kombu.Connection(AMQP, connect_timeout=5) as conn:
            channel = conn.channel()
            names = ['%s.%s' % (self.topic, p) for p in PRIORITIES]
            for name in names + [self.topic + '-example']:
                try:
                    channel.queue_delete(name)
                except Exception:  # noqa: BLE001 - never declared
                    channel = conn.channel()

    def wait_for(self, predicate, timeout=60):
        """Notifications received until one matches; fails on timeout."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                note = self.endpoint.got.get(
                    timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(note)
            if predicate(note):
                return seen
        self.fail('no matching notification in %ss; got %s'
                  % (timeout, [(n['event_type'], n['payload'].get('changes'))
                               for n in seen]))

    def test_device_set_reaches_a_listener(self):
        self.fleet('cloud', 'create', 'c1')
        self.fleet('region', 'create', 'r1')
        self.fleet('device', 'create', 'node-1', '--serial', 'S1')
        started = time.monotonic()
        # Through OpenStackClient: the process exits right after the
        # commit and still delivers.
        self.openstack('fleet', 'device', 'set', 'node-1', '--serial', 'S2',
                       '--reason', 'swap board')
        took = time.monotonic() - started
        seen = self.wait_for(
            lambda n: n['event_type'] == 'fleet.device.update')
        note = seen[-1]
        payload = note['payload']
        self.assertEqual('info', note['priority'])
        self.assertEqual('fleet.%s' % socket.gethostname(),
                         note['publisher_id'])
        self.assertEqual('node-1', payload['device']['name'])
        self.assertEqual(36, len(payload['device']['uuid']))
        self.assertEqual({'serial': {'old': 'S1', 'new': 'S2'}},
                         payload['changes'])
        self.assertEqual('functional', payload['actor'])
        # Devices are the operator's: fleet-wide, no project.
        self.assertIn('project_id', payload)
        self.assertIsNone(payload['project_id'])
        self.assertIsNone(note['ctxt']['project_id'])
        self.assertEqual(payload['request_id'], note['ctxt']['request_id'])
        # The create came first, with its own summary.
        types = [n['event_type'] for n in seen]
        self.assertIn('fleet.device.create', types)
        self.assertIn('fleet.change.create', types)
        summary = self.wait_for(
            lambda n: n['event_type'] == 'fleet.change.create' and
            n['payload']['request_id'] == payload['request_id'])[-1]
        self.assertEqual('swap board', summary['payload']['reason'])
        self.assertEqual({'device': {'update': 1}},
                         summary['payload']['counts'])
        self.assertLess(took, 15, 'the command took %.1f s' % took)

    def test_project_event_carries_its_project(self):
        fleet = self._api_publishing()
        with fleet.transaction(fleet.context(reason='alert')) as txn:
            txn.emit('fleet.alert.create', {'alert': {'name': 'DiskFull'},
                                            'severity': 'critical'},
                     project_id='tenant-a')
        note = self.wait_for(
            lambda n: n['event_type'] == 'fleet.alert.create')[-1]
        self.assertEqual('error', note['priority'])
        self.assertEqual('tenant-a', note['ctxt']['project_id'])
        self.assertEqual('tenant-a', note['payload']['project_id'])
        self.assertEqual('DiskFull', note['payload']['alert']['name'])
        fleet.close()
        self.assertEqual(1, fleet.notifications.stats()['messaging']['sent'])

    def test_documented_listener_filters_one_project(self):
        import importlib.util
        path = os.path.join(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__)))), 'doc', 'source',
            'user', 'examples', 'notification_listener.py')
        spec = importlib.util.spec_from_file_location('listener', path)
        example = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(example)
        printed = []

        def out(event_type, publisher_id, project_id, request_id):
            printed.append((event_type, project_id))
        server = example.listener(BROKER, 'tenant-a', topic=self.topic,
                                  pool=self.topic + '-example', out=out)
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        fleet = self._api_publishing()
        with fleet.transaction(fleet.context()) as txn:
            txn.emit('fleet.alert.create', {'n': 1}, project_id='tenant-b')
            txn.emit('fleet.alert.create', {'n': 2})
            txn.emit('fleet.alert.create', {'n': 3}, project_id='tenant-a')
        fleet.close()
        # The unfiltered listener sees all three; then the example has had
        # its chance to see them too.
        self.wait_for(lambda n: n['payload'].get('n') == 3)
        deadline = time.monotonic() + 10
        while not printed and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        self.assertEqual([('fleet.alert.create', 'tenant-a')], printed)

    def _api_publishing(self):
        fleet = self.api()
        self.addCleanup(fleet.close)
        from fleet.plugins import loader
        from fleet.plugins.notifiers import messaging
        loader.register_plugin_opts(fleet.conf, 'notifiers', 'messaging',
                                    messaging.MessagingNotifier)
        for key, value, group in (
                ('enabled_notifiers', ['messaging'], 'notifications'),
                ('transport_url', BROKER, 'notifiers.messaging'),
                ('topics', [self.topic], 'notifiers.messaging')):
            fleet.conf.set_override(key, value, group=group)
            self.addCleanup(fleet.conf.clear_override, key, group=group)
        return fleet

    def test_nothing_published_on_dry_run_or_rollback(self):
        self.fleet('cloud', 'create', 'c1')
        self.fleet('region', 'create', 'r1')
        self.fleet('device', 'create', 'node-1')
        self.fleet('var', 'set', 'node-1', 'ntp=a')
        first = self.fleet_json('change', 'list', '--type', 'device',
                                '--name', 'node-1')
        rev = max(int(row['ID']) for row in first)
        self.fleet('var', 'set', 'node-1', 'ntp=b')
        # A dry run: computes a plan, rolls back.
        self.fleet('device', 'revert', 'node-1', '--to', str(rev),
                   '--dry-run')
        # A failed write: rolled back.
        self.fleet('device', 'set', 'node-1', '--role', 'Bad!', expect=1)
        # A marker: once it arrives, whatever came before has arrived.
        self.fleet('device', 'set', 'node-1', '--serial', 'MARK')
        seen = self.wait_for(
            lambda n: n['event_type'] == 'fleet.device.update' and
            'serial' in n['payload']['changes'])
        updates = [n['payload']['changes'] for n in seen
                   if n['event_type'] == 'fleet.device.update']
        self.assertEqual([{'vars.ntp': {'old': 'a', 'new': 'b'}},
                          {'serial': {'old': None, 'new': 'MARK'}}],
                         updates[-2:])
        self.assertNotIn({'vars.ntp': {'old': 'b', 'new': 'a'}}, updates)
        self.assertFalse(any('role' in u for u in updates))

    def test_dead_broker_never_blocks_the_caller(self):
        fleet = self.api()
        conf = fleet.conf
        from fleet.plugins import loader
        from fleet.plugins.notifiers import messaging
        loader.register_plugin_opts(conf, 'notifiers', 'messaging',
                                    messaging.MessagingNotifier)
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        overrides = [('enabled_notifiers', ['messaging'], 'notifications'),
                     ('max_retries', 1, 'notifications'),
                     ('retry_interval', 0.1, 'notifications'),
                     ('transport_url', 'rabbit://guest:guest@127.0.0.1:%d/'
                      % port, 'notifiers.messaging'),
                     ('retry', 0, 'notifiers.messaging')]
        for key, value, group in overrides:
            conf.set_override(key, value, group=group)
            self.addCleanup(conf.clear_override, key, group=group)
        ctx = fleet.context(reason='t')
        fleet.clouds.create(ctx, 'c1')
        fleet.regions.create(ctx, 'r1')
        started = time.monotonic()
        for i in range(5):
            fleet.devices.create(ctx, 'node-%d' % i)
        took = time.monotonic() - started
        self.assertLess(took, 2.0, '5 creates took %.2f s' % took)
        fleet.close(),
        stats = fleet.notifications.stats()['messaging']
        self.assertEqual(0, stats['sent'])
        # cloud, region: a summary each; each device: its event and a summary.
        self.assertEqual(12, stats['dropped'])
        self.assertEqual(0, stats['pending'])
