"""The webhook notifier against a real local HTTP server."""

import json
import os
import socket
import time

import fixtures

from fleet.common import exception
from fleet.plugins import loader
from fleet.plugins.notifiers import webhook
from tests import base
from tests.unit.notifications import helpers

SECRET = b'webhook-signing-sekrit-42'


class WebhookTestCase(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        self.secret_file = os.path.join(self.state_dir, 'hook.secret')
        with open(self.secret_file, 'wb') as f:
            f.write(SECRET + b'\n')
        loader.register_plugin_opts(self.conf, 'notifiers', 'webhook',
                                    webhook.WebhookNotifier)
        self.set(enabled_notifiers=['webhook'], retry_interval=0.05,
                 max_retries=2, group='notifications')
        self.set(secret_file=self.secret_file, timeout=2.0,
                 group='notifiers.webhook')

    def set(self, group, **values):
        for key, value in values.items():
            self.conf.set_override(key, value, group=group)

    def start(self, url):
        self.set(url=url, group='notifiers.webhook')
        f = self.fleet()
        self.addCleanup(f.close)
        ctx = self.ctx
        f.clouds.create(ctx, 'c1')
        f.regions.create(ctx, 'r1')
        return f

    def started(self, answers):
        """A Fleet posting to a receiver that first gives ``answers``."""
        server = helpers.Receiver(SECRET)
        self.addCleanup(server.close)
        f = self.start(server.url)
        self.assertTrue(f.notifications.flush(10))
        with server.lock:
            server.answers[:] = answers
            del server.requests[:]
        f.notifications = type(f.notifications)(self.conf)
        self.addCleanup(f.notifications.close)
        return server, f

    def tearDown(self):
        self.assertNotIn(SECRET.decode(), self.logs.output)
        super().tearDown()


class TestWebhook(WebhookTestCase):

    def test_signed_json_post(self):
        server = helpers.Receiver(SECRET)
        self.addCleanup(server.close)
        f = self.start(server.url)
        f.devices.create(self.ctx, 'n1', serial='S1')
        self.assertTrue(f.notifications.flush(10))
        self.assertEqual(4, len(server.requests))
        self.assertTrue(all(ok for _h, _b, ok in server.requests))
        headers, body, _ok = server.requests[2]
        self.assertEqual('application/json', headers['Content-Type'])
        self.assertEqual('fleet.device.create', headers['X-Fleet-Event'])
        doc = json.loads(body)
        self.assertEqual('fleet.device.create', doc['event_type'])
        self.assertEqual(doc['payload']['event_id'],
                         headers['X-Fleet-Delivery'])
        self.assertEqual(doc['message_id'], headers['X-Fleet-Delivery'])
        self.assertIsNone(doc['project_id'])
        self.assertEqual('info', doc['priority'])
        self.assertEqual('n1', doc['payload']['device']['name'])
        self.assertEqual(4, f.notifications.stats()['webhook']['sent'])

    def test_a_500_is_retried_with_the_same_delivery_id(self):
        server, f = self.started([500, 503])
        with f.transaction(self.ctx) as txn:
            txn.emit('fleet.alert.create', {'severity': 'warning'},
                     project_id='p1')
        f.notifications.flush(10)
        alerts = [(h, json.loads(b)) for h, b, _ok in server.requests
                  if h['X-Fleet-Event'] == 'fleet.alert.create']
        self.assertEqual(3, len(server.requests))
        self.assertEqual(3, len(alerts))
        self.assertEqual(1, len({h['X-Fleet-Delivery'] for h, _d in alerts}))
        self.assertEqual('p1', alerts[-1][1]['project_id'])
        self.assertEqual('warn', alerts[-1][1]['priority'])
        stats = f.notifications.stats()['webhook']
        self.assertEqual((1, 2, 0), (stats['sent'], stats['retried'],
                                     stats['dropped']))

    def test_a_4xx_is_dropped_without_retry(self):
        server, f = self.started([404])
        with f.transaction(self.ctx) as txn:
            txn.emit('fleet.alert.create', {})
        f.notifications.flush(10)
        stats = f.notifications.stats()['webhook']
        self.assertEqual({'rejected': 1}, stats['dropped_by_reason'])
        self.assertEqual(0, stats['retried'])

    def test_dead_target_never_blocks_and_is_counted(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        f = self.start('http://127.0.0.1:%d/hook' % port)
        worst = 0.0
        for i in range(5):
            started = time.monotonic()
            f.devices.create(self.ctx, 'n%d' % i)
            worst = max(worst, time.monotonic() - started)
        # A create alone (no notifier) takes a few tens of ms here.
        self.assertLess(worst, 1.0)
        f.close()
        stats = f.notifications.stats()['webhook']
        self.assertEqual(0, stats['sent'])
        self.assertEqual(12, stats['dropped'])
        self.assertEqual({'retries_exhausted': 12},
                         stats['dropped_by_reason'])
        self.assertIn('dropped fleet.device.create after 2 retries',
                      self.logs.output)

    def test_blackholed_target_is_bounded_by_the_timeout(self):
        # A server that accepts and never answers.
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.bind(('127.0.0.1', 0))
        sock.listen(16)
        self.set(timeout=0.2, group='notifiers.webhook')
        self.set(max_retries=0, flush_timeout=5, group='notifications')
        f = self.start('http://127.0.0.1:%d/' % sock.getsockname()[1])
        started = time.monotonic()
        f.devices.create(self.ctx, 'n1')
        self.assertLess(time.monotonic() - started, 1.0)
        f.close()
        self.assertEqual({'retries_exhausted': 4}, f.notifications.stats()[
            'webhook']['dropped_by_reason'])


class TestWebhookConfig(WebhookTestCase):

    def load(self):
        return loader.load('notifiers', 'webhook', self.conf,
                           library_conf=self.conf)

    def test_url_required(self):
        exc = self.assertRaises(exception.Invalid, self.load)
        self.assertEqual('[notifiers.webhook] url', exc.field)

    def test_secret_file_required_and_readable(self):
        self.set(url='http://127.0.0.1:9/', group='notifiers.webhook')
        self.set(secret_file=self.secret_file + '.missing',
                 group='notifiers.webhook')
        exc = self.assertRaises(exception.Invalid, self.load)
        self.assertIn('secret_file: cannot be read', str(exc))
        empty = os.path.join(self.state_dir, 'empty')
        open(empty, 'w').close()
        self.set(secret_file=empty, group='notifiers.webhook')
        self.assertIn('is empty', str(self.assertRaises(exception.Invalid,
                                                        self.load)))

    def test_signature_is_hmac_sha256_of_the_body(self):
        import hashlib
        import hmac
        body = b'{"a": 1}'
        self.assertEqual(
            'sha256=' + hmac.new(SECRET, body, hashlib.sha256).hexdigest(),
            webhook.sign(SECRET, body))


def load_example(name):
    """A module of doc/source/user/examples (the docs' own files)."""
    import importlib.util
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))
    path = os.path.join(root, 'doc', 'source', 'user', 'examples',
                        name + '.py')
    spec = importlib.util.spec_from_file_location('example_' + name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestDocumentedReceiver(WebhookTestCase):
    """The verification example of doc/source/user/notifications.rst."""

    def test_example_verifies_and_drops_duplicates(self):
        import http.server
        import threading

        example = load_example('verify_webhook')
        seen = {}
        server = http.server.HTTPServer(('127.0.0.1', 0),
                                        example.handler(SECRET, seen))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', open(
            os.devnull, 'w')))
        f = self.start('http://127.0.0.1:%d/' % server.server_address[1])
        f.devices.create(self.ctx, 'n1')
        self.assertTrue(f.notifications.flush(10))
        self.assertEqual(4, len(seen))
        self.assertEqual(0, f.notifications.stats()['webhook']['dropped'])
        self.assertIn('fleet.device.create',
                      [e['event_type'] for e in seen.values()])
        # A forged body is refused.
        body = b'{"event_type": "fleet.device.delete"}'
        self.assertFalse(example.verify(SECRET, body, webhook.sign(
            b'another secret', body)))
        self.assertTrue(example.verify(SECRET, body,
                                       webhook.sign(SECRET, body)))
