"""A real Alertmanager delivers to a real fleet-api (gunicorn, token auth).

Each test runs fleet-api from this tree on the test's database and an
Alertmanager (Debian's prometheus-alertmanager 0.25, 127.0.0.1 only) whose
webhook is that fleet-api, with the bearer token in
``http_config.authorization.credentials_file`` as the alerts guide shows.
Alerts are posted to Alertmanager's own API (``/api/v2/alerts``), as
Prometheus posts them; what fleet stored is read back through
``GET /v1/alerts`` and the CLI.
"""

import datetime
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from tests.functional import base

TOKEN = 'functional-webhook-token'
ALERTMANAGER = shutil.which('prometheus-alertmanager') or \
    shutil.which('alertmanager')

AM_CONFIG = """\
route:
  receiver: fleet
  group_by: ['alertname', 'instance']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['route="badtoken"']
      receiver: wrong-token
receivers:
  - name: fleet
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: {token}
  - name: wrong-token
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: {wrong}
"""


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _now(delta=0):
    when = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(seconds=delta)
    return when.isoformat(timespec='milliseconds').replace('+00:00', 'Z')


class TestAlertmanagerToFleetAPI(base.LabTestCase):

    needs = ()

    def setUp(self):
        super().setUp()
        if not ALERTMANAGER:
            self.fail('prometheus-alertmanager is not installed; run: '
                      'apt-get install prometheus-alertmanager (or '
                      'python3 -m tools.lab up)')
        w = self.work
        with open(os.path.join(w, 'token'), 'w') as f:
            f.write(TOKEN + '\n')
        with open(os.path.join(w, 'wrong'), 'w') as f:
            f.write('not-the-token\n')
        self.rules = os.path.join(w, 'rules.yaml')
        with open(self.rules, 'w') as f:
            f.write('rules:\n  - name: FnRepeat\n    repeat_threshold: 3\n'
                    '    repeat_window: 10m\n')
        self.api_port = _free_port()
        with open(self.conf_file, 'a') as f:
            f.write('[api]\nhost = 127.0.0.1\nport = %d\nworkers = 1\n'
                    'auth_strategy = token\ntoken_file = %s\n'
                    'token_actor = alertmanager\n[alerts]\nrules_file = %s\n'
                    % (self.api_port, os.path.join(w, 'token'), self.rules))
        self.fleet('cloud', 'create', 'fn')
        self.fleet('region', 'create', 'r1', '--cloud', 'fn')
        self.fleet('device', 'create', 'fn-node-1', '--region', 'r1',
                   '--mgmt-address', '192.0.2.41')
        self.api_log = os.path.join(w, 'fleet-api.log')
        self._spawn([os.path.join(base.BIN, 'fleet-api'), '--config-file',
                     self.conf_file], self.api_log)
        self.api_url = 'http://127.0.0.1:%d' % self.api_port
        self._ready(self.api_url + '/healthcheck', self.api_log)
        am_port = _free_port()
        am_config = os.path.join(w, 'alertmanager.yml')
        with open(am_config, 'w') as f:
            f.write(AM_CONFIG.format(
                url=self.api_url + '/v1/alerts/alertmanager',
                token=os.path.join(w, 'token'),
                wrong=os.path.join(w, 'wrong')))
        am_log = os.path.join(w, 'alertmanager.log')
        self._spawn([ALERTMANAGER, '--config.file=' + am_config,
                     '--storage.path=' + os.path.join(w, 'am'),
                     '--web.listen-address=127.0.0.1:%d' % am_port,
                     '--cluster.listen-address='], am_log)
        self.am_url = 'http://127.0.0.1:%d' % am_port
        self._ready(self.am_url + '/-/ready', am_log)

    def _spawn(self, argv, log_path):
        log = open(log_path, 'w')
        self.addCleanup(log.close)
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

        def stop():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.addCleanup(stop)
        return proc

    def _ready(self, url, log_path, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        with open(log_path) as f:
            self.fail('%s did not answer; log:\n%s' % (url, f.read()[-3000:]))

    def post_to_alertmanager(self, name, ends=None, starts=None, **labels):
        alert = {'labels': dict(labels, alertname=name),
                 'annotations': {'summary': '%s (functional)' % name}}
        if starts:
            alert['startsAt'] = starts
        if ends:
            alert['endsAt'] = ends
        req = urllib.request.Request(
            self.am_url + '/api/v2/alerts', json.dumps([alert]).encode(),
            {'Content-Type': 'application/json'})
        urllib.request.urlopen(req, timeout=5).close()

    def get(self, path, token=TOKEN):
        req = urllib.request.Request(self.api_url + path, headers={
            'Authorization': 'Bearer ' + token})
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.load(resp)

    def wait_for(self, name, check, timeout=15):
        """The alert ``name`` once ``check(alert)`` holds."""
        end = time.monotonic() + timeout
        seen = None
        while time.monotonic() < end:
            alerts = self.get('/v1/alerts?name=%s' % name)['alerts']
            if alerts:
                seen = alerts[0]
                if check(seen):
                    return seen
            time.sleep(0.1)
        self.fail('alert %s: condition not met in %d s; last seen: %r'
                  % (name, timeout, seen))

    def test_alert_lands_with_its_device_and_resolves(self):
        self.post_to_alertmanager('FnNodeDown', instance='fn-node-1:9100',
                                  severity='critical', job='node')
        alert = self.wait_for('FnNodeDown', lambda a: True)
        self.assertEqual(
            ('fn-node-1', False, 'alertmanager', 'critical', 'firing', True),
            (alert['device'], alert['device_unknown'], alert['source'],
             alert['severity'], alert['state'], alert['actionable']))
        # Alertmanager's own fingerprint (16 hex digits) is the key.
        self.assertRegex(alert['fingerprint'], '^[0-9a-f]{16}$')
        self.post_to_alertmanager('FnNodeDown', instance='fn-node-1:9100',
                                  severity='critical', job='node',
                                  ends=_now())
        alert = self.wait_for('FnNodeDown',
                              lambda a: a['status'] == 'resolved')
        self.assertEqual('resolved', alert['state'])
        rows = self.fleet_json('alert', 'list', '--status', 'resolved')
        self.assertEqual([('FnNodeDown', 'fn-node-1', 'resolved')],
                         [(r['Name'], r['Device'], r['State'])
                          for r in rows])
        history = self.fleet_json('alert', 'history', str(alert['id']))
        self.assertEqual(['create', 'resolve'],
                         [h['Action'] for h in history])
        self.assertEqual({'alertmanager'}, {h['Actor'] for h in history})

    def test_unknown_device_kept_and_flagged(self):
        self.post_to_alertmanager('FnStranger', instance='nowhere:9100')
        alert = self.wait_for('FnStranger', lambda a: True)
        self.assertEqual((None, True), (alert['device'],
                                        alert['device_unknown']))

    def test_repeat_threshold_holds_back_first_two(self):
        labels = {'instance': 'fn-node-1:9100', 'severity': 'warning'}
        states = []
        for episode in range(3):
            starts = _now()
            self.post_to_alertmanager('FnRepeat', starts=starts, **labels)
            alert = self.wait_for(
                'FnRepeat', lambda a: a['status'] == 'firing' and
                a['occurrences'] == episode + 1)
            states.append((alert['state'], alert['actionable']))
            if episode < 2:
                self.post_to_alertmanager('FnRepeat', starts=starts,
                                          ends=_now(), **labels)
                self.wait_for('FnRepeat',
                              lambda a: a['status'] == 'resolved')
        self.assertEqual([('held', False), ('held', False),
                          ('firing', True)], states)

    def test_silence_suppresses(self):
        self.fleet('silence', 'create', '--matcher', 'alertname=FnSilenced',
                   '--matcher', 'instance=~fn-node-1:.*', '--expires', '10m',
                   '--comment', 'functional test maintenance')
        self.post_to_alertmanager('FnSilenced', instance='fn-node-1:9100')
        alert = self.wait_for('FnSilenced', lambda a: True)
        self.assertEqual(('suppressed', True, False, 'fn-node-1'),
                         (alert['state'], alert['suppressed'],
                          alert['actionable'], alert['device']))

    def test_wrong_token_gets_401_and_writes_nothing(self):
        self.post_to_alertmanager('FnWrongToken', route='badtoken',
                                  instance='fn-node-1:9100')
        end = time.monotonic() + 15
        while time.monotonic() < end:
            with open(self.api_log) as f:
                if '"POST /v1/alerts/alertmanager HTTP/1.1" 401' in f.read():
                    break
            time.sleep(0.1)
        else:
            self.fail('Alertmanager never tried the wrong token')
        try:
            self.get('/v1/alerts', token='not-the-token')
        except urllib.error.HTTPError as exc:
            self.assertEqual(401, exc.code)
        else:
            self.fail('a wrong token was accepted')
        self.assertEqual([], self.get('/v1/alerts')['alerts'])
        self.assertEqual([], self.fleet_json('alert', 'list'))
        with open(self.api_log) as f:
            self.assertNotIn('not-the-token', f.read())
