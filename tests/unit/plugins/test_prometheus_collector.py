"""The ``prometheus`` collector when Prometheus is down or answers an error.

The readings of a real Prometheus are tested against one in
``tests/functional/test_prometheus_collector.py``. Here: a closed port
(down), a listener that accepts and never answers (timeout) and a tiny HTTP
server answering what a real Prometheus can't easily be made to (an error
status, no JSON). Every selected device's readings are ``unknown`` with one
reason naming Prometheus' URL, and what the store held is not lost.
"""

import base64
import http.server
import json
import socket
import threading
import time
import urllib.parse

import fixtures

from fleet.common import exception
from fleet.common.readings import Reading
from fleet.plugins.collectors import prometheus
from fleet.plugins import loader
from tests import base
from tests.unit import test_timeouts

GROUP = 'collectors.prometheus'


def closed_port():
    """A 127.0.0.1 port nothing listens on."""
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class Answering(fixtures.Fixture):
    """An HTTP server on 127.0.0.1 that answers every request alike.

    :ivar requests: the (path, form) of each request it got.
    """

    def __init__(self, status, body=None, content_type='application/json'):
        super().__init__()
        # ``status`` may be a callable: form -> (status, body, type), or
        # None to hang up.
        self.answer = status if callable(status) else (status, body,
                                                       content_type)
        self.requests = []
        self.headers = []

    def _setUp(self):
        fixture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                size = int(self.headers.get('Content-Length') or 0)
                form = urllib.parse.parse_qs(
                    self.rfile.read(size).decode('ascii'))
                fixture.requests.append((self.path, form))
                fixture.headers.append(dict(self.headers.items()))
                answer = fixture.answer(form) if callable(
                    fixture.answer) else fixture.answer
                if answer is None:  # hang up without an answer
                    self.close_connection = True
                    return
                status, body, ctype = answer
                self.send_response(status)
                self.send_header('Content-Type', ctype)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        thread = threading.Thread(target=self.server.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]


class TestPrometheusFaults(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.api = self.fleet()
        self.api.clouds.create(self.ctx, 'prod')
        self.api.regions.create(self.ctx, 'r1', cloud='prod')
        self.devices = [
            dict(self.api.devices.create(self.ctx, name, region='r1'),
                 variables={}) for name in ('node-1', 'node-2')]
        self.conf.set_override('enabled_collectors', ['prometheus'],
                               group='collectors')

    def collector(self, url, **options):
        plugin = loader.load('collectors', 'prometheus', self.conf)
        self.conf.set_override('url', url, group=GROUP)
        for key, value in options.items():
            self.conf.set_override(key, value, group=GROUP)
        return plugin

    def assert_all_unknown(self, readings, *parts):
        """Every device's host metrics unknown, with one reason."""
        self.assertEqual(
            sorted((d['id'], m) for d in self.devices
                   for m in prometheus.HOST_METRICS),
            sorted((r.device_id, r.metric) for r in readings))
        self.assertEqual({'unknown'}, {r.status for r in readings})
        self.assertEqual({'prometheus'}, {r.source for r in readings})
        reasons = {r.reason for r in readings}
        self.assertEqual(1, len(reasons), reasons)
        reason = reasons.pop()
        for part in parts:
            self.assertIn(part, reason)
        return reason

    def test_down_every_device_unknown_and_nothing_stored_lost(self):
        dev = self.devices[0]['id']
        t = self.api.telemetry
        t.record(self.ctx, [
            Reading(dev, 'cpu.busy_percent', 12.5, unit='percent',
                    source='prometheus'),
            Reading(dev, 'temperature.inlet', 24.0, unit='celsius',
                    source='ipmi')])
        port = closed_port()
        start = time.monotonic()
        readings = self.collector('http://127.0.0.1:%d' % port).collect(
            self.devices)
        self.assertLess(time.monotonic() - start, 2)
        self.assert_all_unknown(
            readings, 'Prometheus at http://127.0.0.1:%d/api/v1/query' % port,
            'cannot connect')
        t.record(self.ctx, readings)
        latest = {r['metric']: r for r in t.latest(self.ctx, device='node-1')}
        self.assertEqual('unknown', latest['cpu.busy_percent']['status'])
        self.assertIn('cannot connect', latest['cpu.busy_percent']['reason'])
        self.assertEqual((24.0, 'ok'), (
            latest['temperature.inlet']['value'],
            latest['temperature.inlet']['status']))
        self.assertEqual([None, 12.5], [h['value'] for h in t.history(
            self.ctx, 'node-1', metric='cpu.busy_percent')])

    def test_error_answer_names_the_url_and_the_error(self):
        server = self.useFixture(Answering(200, b'{"status":"error"}'))
        readings = self.collector(server.url, timeout=3).collect(
            self.devices)
        self.assert_all_unknown(
            readings, 'Prometheus at %s/api/v1/query answered an error '
            '(HTTP 200): no reason given' % server.url)
        # One query (the targets'), then no more; the evaluation is bounded.
        self.assertEqual(1, len(server.requests))
        path, form = server.requests[0]
        self.assertEqual('/api/v1/query', path)
        self.assertEqual(['3000ms'], form['timeout'])
        self.assertIn('up', form['query'][0])

    def test_credentials_in_the_url_are_basic_auth_never_shown(self):
        server = self.useFixture(Answering(200, b'{"status":"error"}'))
        url = server.url.replace('http://', 'http://fleet:s3cr%40t@')
        log = self.useFixture(fixtures.FakeLogger())
        reason = self.assert_all_unknown(
            self.collector(url).collect(self.devices), server.url)
        self.assertNotIn('s3cr', reason + log.output)
        self.assertIn(server.url, log.output)
        self.assertEqual('Basic ' + base64.b64encode(
            b'fleet:s3cr@t').decode(), server.headers[0]['Authorization'])

    def test_error_status_with_prometheus_error_body(self):
        body = json.dumps({'status': 'error', 'errorType': 'timeout',
                           'error': 'query timed out in expression '
                           'evaluation'}).encode()
        server = self.useFixture(Answering(503, body))
        self.assert_all_unknown(
            self.collector(server.url).collect(self.devices),
            'answered an error (HTTP 503): timeout: query timed out')

    def test_not_prometheus(self):
        server = self.useFixture(Answering(200, b'<html>login</html>',
                                           'text/html'))
        self.assert_all_unknown(
            self.collector(server.url).collect(self.devices),
            'answered HTTP 200 with no JSON: is it Prometheus?')

    def test_one_query_failing_makes_its_metric_unknown_only(self):
        up = json.dumps({'status': 'success', 'data': {
            'resultType': 'vector', 'result': [
                {'metric': {'host': 'node-1'}, 'value': [0, '1']}]}})

        def answer(form):
            if form['query'][0].startswith('max by (host) (up'):
                return 200, up.encode(), 'application/json'
            return 422, json.dumps({
                'status': 'error', 'errorType': 'execution',
                'error': 'many-to-many matching not allowed'}).encode(), \
                'application/json'

        server = self.useFixture(Answering(answer))
        readings = self.collector(server.url).collect(self.devices)
        # node-2 has no target: skipped. node-1: every host metric unknown
        # with the query's error; no file system or disk reading.
        self.assertEqual(
            sorted((self.devices[0]['id'], m)
                   for m in prometheus.HOST_METRICS),
            sorted((r.device_id, r.metric) for r in readings))
        self.assertEqual({'unknown'}, {r.status for r in readings})
        self.assertEqual({'Prometheus at %s/api/v1/query answered an error '
                          '(HTTP 422): execution: many-to-many matching not '
                          'allowed' % server.url},
                         {r.reason for r in readings})
        # Every query was still tried: one failing query is not an outage.
        self.assertEqual(1 + len(prometheus.HOST_METRICS) + 4,
                         len(server.requests))

    def test_gone_after_the_host_figures_keeps_them(self):
        def vector(value):
            return json.dumps({'status': 'success', 'data': {
                'resultType': 'vector', 'result': [
                    {'metric': {'host': 'node-1', 'mountpoint': '/'},
                     'value': [0, value]}]}}).encode()

        def answer(form):
            if 'node_filesystem' in form['query'][0]:
                return None
            return 200, vector('1'), 'application/json'

        server = self.useFixture(Answering(answer))
        log = self.useFixture(fixtures.FakeLogger())
        readings = self.collector(server.url).collect(self.devices)
        self.assertEqual(
            sorted((self.devices[0]['id'], m, 'ok')
                   for m in prometheus.HOST_METRICS),
            sorted((r.device_id, r.metric, r.status) for r in readings))
        self.assertIn('Prometheus at %s/api/v1/query' % server.url,
                      log.output)

    def test_silent_prometheus_times_out(self):
        peer = self.useFixture(test_timeouts.SilentPeer())
        start = time.monotonic()
        readings = self.collector('http://127.0.0.1:%d' % peer.port,
                                  timeout=0.5).collect(self.devices)
        self.assertLess(time.monotonic() - start, 3)
        self.assert_all_unknown(readings, 'no answer within 0.5 s',
                                '127.0.0.1:%d' % peer.port)

    def test_device_variable_selects_and_maps(self):
        self.devices[0]['variables'] = {'monitoring': {'host': 'h1'}}
        plugin = self.collector('http://127.0.0.1:%d' % closed_port(),
                                device_variable='monitoring.host')
        # The option is read when the collector is built.
        plugin = loader.load('collectors', 'prometheus', self.conf)
        self.assertEqual(('monitoring',), plugin.variables)
        readings = plugin.collect(self.devices)
        # Only the device the variable maps is selected.
        self.assertEqual({self.devices[0]['id']},
                         {r.device_id for r in readings})

    def test_bad_options_are_one_line_naming_the_option(self):
        self.collector('http://127.0.0.1:9', host_label='host-name')
        exc = self.assertRaises(exception.Invalid, loader.load, 'collectors',
                                'prometheus', self.conf)
        self.assertEqual(
            "[collectors.prometheus] host_label: not a Prometheus label "
            "name: 'host-name'; use letters, digits and _, not starting "
            "with a digit", str(exc))
        self.conf.set_override('host_label', 'host', group=GROUP)
        self.conf.set_override('rate_window', '5 minutes', group=GROUP)
        exc = self.assertRaises(exception.Invalid, loader.load, 'collectors',
                                'prometheus', self.conf)
        self.assertIn('[collectors.prometheus] rate_window', str(exc))
