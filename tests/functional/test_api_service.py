"""fleet-api as a real gunicorn service, and the lab's fleet-api with its
real Alertmanager and Prometheus."""

import concurrent.futures
import glob
import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
import uuid

from tests.functional import base

TOKEN = 'functional-' + uuid.uuid4().hex


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def call(url, token=None, data=None, method=None, timeout=10,
         headers=None):
    """(status, headers, JSON body or text) of one HTTP request.

    :param token: sent as ``Authorization: Bearer``.
    :param headers: more request headers (``X-Auth-Token``).
    """
    headers = dict(headers or {})
    if token is not None:
        headers['Authorization'] = 'Bearer ' + token
    if data is not None:
        headers['Content-Type'] = 'application/json'
    req = urllib.request.Request(url, data=data, headers=headers,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, hdrs, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, hdrs, raw = exc.code, exc.headers, exc.read()
    try:
        return status, hdrs, json.loads(raw)
    except ValueError:
        return status, hdrs, raw.decode('utf-8', 'replace')


class ServerTestCase(base.LabTestCase):
    """A fleet-api of the test's own on a fresh database."""

    needs = ()

    def setUp(self):
        super().setUp()
        self.token_file = os.path.join(self.work, 'api.token')
        with open(self.token_file, 'w') as f:
            f.write(TOKEN + '\n')
        os.chmod(self.token_file, 0o600)
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        with open(self.conf_file, 'a') as f:
            f.write('[api]\nport = %d\nworkers = 2\nauth_strategy = token\n'
                    'token_file = %s\ntoken_actor = alertmanager\n'
                    % (self.port, self.token_file))
        api = self.api()
        ctx = api.context()
        api.clouds.create(ctx, 'prod')
        api.regions.create(ctx, 'r1', cloud='prod')
        for name in ('n1', 'n2'):
            api.devices.create(ctx, name, region='r1')
        self.service = api

    def start(self, argv, env=None):
        log = open(os.path.join(self.work, 'server.log'), 'wb')
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env,
                                start_new_session=True)
        self.addCleanup(self._stop, proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.fail('server exited %d: %s' % (proc.returncode,
                                                    self.server_log()))
            try:
                call(self.url + '/healthcheck', timeout=2)
                return proc
            except OSError:
                time.sleep(0.2)
        self.fail('server did not answer in 30 s: %s' % self.server_log())

    @staticmethod
    def _stop(proc):
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)

    def server_log(self):
        with open(os.path.join(self.work, 'server.log'),
                  errors='replace') as f:
            return f.read()

    def device_count(self):
        return len(self.service.devices.list(self.service.context()))


class TestFleetAPIServer(ServerTestCase):

    def setUp(self):
        super().setUp()
        self.proc = self.start([os.path.join(base.BIN, 'fleet-api'),
                                '--config-file', self.conf_file])

    def test_serves_the_store_with_the_token(self):
        status, headers, doc = call(self.url + '/')
        self.assertEqual(200, status)
        self.assertEqual(self.url + '/v1/',
                         doc['default_version']['links'][0]['href'])
        status, headers, body = call(self.url + '/v1/devices', TOKEN)
        self.assertEqual(200, status, body)
        self.assertEqual(['n1', 'n2'], [d['name'] for d in body['devices']])
        self.assertTrue(headers['x-openstack-request-id'].startswith('req-'))
        uuid_ = body['devices'][1]['uuid']
        status, _, body = call(self.url + '/v1/devices/' + uuid_, TOKEN)
        self.assertEqual((200, 'n2'), (status, body['device']['name']))
        status, headers, text = call(self.url + '/metrics', TOKEN)
        self.assertEqual(200, status)
        self.assertIn('fleet_reading_status', text)
        self.assertIn('fleet-api listening on 127.0.0.1:%d (2 workers'
                      % self.port, self.server_log())

    def test_missing_or_wrong_token_is_401_and_writes_nothing(self):
        before = self.device_count()
        for token in (None, 'wrong-' + TOKEN, TOKEN[:-1]):
            status, headers, body = call(
                self.url + '/v1/devices', token, data=b'{"name": "n3"}',
                method='POST')
            self.assertEqual(401, status, body)
            self.assertEqual('unauthorized', body['error']['code'])
            self.assertEqual(headers['x-openstack-request-id'],
                             body['error']['request_id'])
        self.assertEqual(before, self.device_count())
        self.assertIn('Authorization wrong token', self.server_log())
        self.assertNotIn(TOKEN[:-1], self.server_log())

    def test_oversized_body_is_413(self):
        status, _, body = call(self.url + '/v1/devices', TOKEN,
                               data=b'[' + b'0,' * 600000 + b'0]',
                               method='POST')
        self.assertEqual(413, status, body)
        self.assertEqual(('request_too_large', 'body'),
                         (body['error']['code'], body['error']['field']))

    def test_intake_counters_add_up_over_the_workers(self):
        def post(i):
            body = json.dumps({'version': '4', 'status': 'firing',
                               'alerts': [{
                                   'status': 'firing',
                                   'labels': {'alertname': 'Count%d' % (
                                       i % 10), 'instance': 'n1:9100'},
                                   'startsAt': '2026-12-01T10:00:00Z'}]})
            status, _, out = call(self.url + '/v1/alerts/alertmanager',
                                  TOKEN, data=body.encode(), method='POST')
            self.assertEqual((200, 1), (status, out['accepted']), out)

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(post, range(40)))
        # Each worker keeps its counters in a file of its own (made when
        # it starts); four clients at once keep both workers busy, and
        # whichever answers a scrape adds up both.
        [path] = glob.glob(os.path.join(
            self.work, '**', 'fleet-api-metrics-%d' % self.port),
            recursive=True)
        self.assertGreaterEqual(len(glob.glob(os.path.join(
            path, 'counter_*.db'))), 2)
        for _ in range(8):
            status, _, text = call(self.url + '/metrics', TOKEN)
            self.assertEqual(200, status)
            lines = text.splitlines()
            self.assertIn('fleet_alerts_accepted_total{source="alertmanager"}'
                          ' 40.0', lines)
            self.assertIn('fleet_alerts_deduplicated_total{'
                          'source="alertmanager"} 30.0', lines)

    def test_hup_reads_a_new_token(self):
        new = 'rotated-' + uuid.uuid4().hex
        with open(self.token_file, 'w') as f:
            f.write(new + '\n')
        os.kill(self.proc.pid, signal.SIGHUP)
        # Old workers finish gracefully while new ones start: poll until
        # only new ones answer.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if (call(self.url + '/v1/devices', new)[0] == 200 and
                    call(self.url + '/v1/devices', TOKEN)[0] == 401):
                break
            time.sleep(0.3)
        self.assertEqual(200, call(self.url + '/v1/devices', new)[0])
        self.assertEqual(401, call(self.url + '/v1/devices', TOKEN)[0])


class TestStartUp(ServerTestCase):

    def test_token_strategy_without_token_file_does_not_start(self):
        os.unlink(self.token_file)
        proc = self.run_cmd([os.path.join(base.BIN, 'fleet-api'),
                             '--config-file', self.conf_file], expect=2)
        self.assertEqual(1, len(proc.stderr.splitlines()), proc.stderr)
        self.assertIn('fleet-api: [api] token_file: cannot read',
                      proc.stderr)

    def test_wsgi_module_under_an_operators_gunicorn(self):
        # fleet.wsgi.api reads FLEET_CONFIG_FILE and never the server's
        # own command line.
        env = dict(os.environ, FLEET_CONFIG_FILE=self.conf_file)
        self.start([os.path.join(base.BIN, 'gunicorn'),
                    '--no-control-socket', '--workers', '1', '--bind',
                    '127.0.0.1:%d' % self.port, 'fleet.wsgi.api:application'],
                   env=env)
        status, _, body = call(self.url + '/v1/devices', TOKEN)
        self.assertEqual(200, status, body)
        self.assertEqual(2, len(body['devices']))
        self.assertEqual(401, call(self.url + '/v1/devices')[0])


class TestLabFleetAPI(base.LabTestCase):
    """The lab's fleet-api, Alertmanager and Prometheus together."""

    needs = ('fleet_api', 'alertmanager', 'prometheus')

    def setUp(self):
        super().setUp()
        info = self.lab['fleet_api']
        self.url = info['endpoint']
        with open(info['token_file']) as f:
            self.token = f.read().strip()

    def test_serves_the_default_database(self):
        path = os.path.expanduser('~/.local/state/fleet/fleet.sqlite')
        names = []
        if os.path.exists(path):
            db = sqlite3.connect('file:%s?mode=ro' % path, uri=True)
            names = sorted(r[0] for r in db.execute(
                'SELECT name FROM devices'))
            db.close()
        status, _, body = call(self.url + '/v1/devices', self.token)
        self.assertEqual(200, status, body)
        self.assertEqual(names, [d['name'] for d in body['devices']])
        self.assertEqual(401, call(self.url + '/v1/devices', 'x')[0])

    def test_rule_alert_reaches_fleet_api_with_the_token(self):
        from tools.lab import alertmanager
        from tools.lab import prometheus

        status, _, body = call(self.lab['prometheus']['endpoint'] +
                               '/api/v1/alertmanagers')
        active = [a['url'] for a in body['data']['activeAlertmanagers']]
        self.assertTrue(
            any(u.startswith(self.lab['alertmanager']['endpoint'])
                for u in active),
            'the lab\'s Prometheus sends to no Alertmanager (%s); run: '
            'python3 -m tools.lab up' % active)
        log = self.lab['fleet_api']['log']
        start = os.path.getsize(log)
        name = 'api-%s' % uuid.uuid4().hex[:8]
        self.addCleanup(prometheus.clear_alert, 'lab-ctl-1', name)
        prometheus.trigger_alert('lab-ctl-1', name)
        deadline = time.monotonic() + 30
        held = []
        while time.monotonic() < deadline and not held:
            held = [a for a in alertmanager.alerts()
                    if a['labels'].get('name') == name]
            time.sleep(0.5)
        self.assertTrue(held, 'Prometheus did not deliver LabTriggered '
                              '%s to Alertmanager in 30 s' % name)
        self.assertEqual('lab-ctl-1', held[0]['labels']['host'])
        deliveries = []
        while time.monotonic() < deadline + 10 and not deliveries:
            with open(log, errors='replace') as f:
                f.seek(start)
                deliveries = [line for line in f if
                              'POST /v1/alerts/alertmanager' in line and
                              'Alertmanager/' in line]
            time.sleep(0.5)
        self.assertTrue(deliveries, 'Alertmanager posted nothing to '
                                    'fleet-api')
        # Authenticated with the token file: anything but 401 (404 until
        # the alerts resource exists).
        for line in deliveries:
            self.assertNotIn('" 401 ', line)
