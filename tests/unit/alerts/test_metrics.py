"""The intake's counters on fleet-api's ``/metrics``, through the whole
pipeline, with a webhook notifier whose target is down."""

import json
import os
import re
import socket

import webob

from fleet.plugins import loader
from fleet.plugins.notifiers import webhook
from tests.unit.alerts import scenarios
from tests.unit.alerts import test_http

_SAMPLE = re.compile(r'^([a-z_]+(?:\{[^}]*\})?) ([0-9.e+-]+)$')


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class TestIntakeCounters(test_http.TestAlertEndpoints):
    """The endpoints' own tests run here too, with the notifier down."""

    def setUp(self):
        super().setUp()
        from fleet.wsgi import app

        secret = os.path.join(self.state_dir, 'hook.secret')
        with open(secret, 'w') as f:
            f.write('sekrit\n')
        loader.register_plugin_opts(self.conf, 'notifiers', 'webhook',
                                    webhook.WebhookNotifier)
        for key, value in (('enabled_notifiers', ['webhook']),
                           ('retry_interval', 0.01), ('max_retries', 0)):
            self.conf.set_override(key, value, group='notifications')
        for key, value in (('url', 'http://127.0.0.1:%d/hook'
                            % _closed_port()), ('secret_file', secret),
                           ('timeout', 1.0)):
            self.conf.set_override(key, value, group='notifiers.webhook')
        self.api = self.fleet()
        self.addCleanup(self.api.close)
        self.app = app.make_app(self.conf, fleet=self.api)

    def metrics(self):
        req = webob.Request.blank('/metrics')
        req.headers['Authorization'] = 'Bearer ' + test_http.TOKEN
        resp = req.get_response(self.app)
        self.assertEqual(200, resp.status_code, resp.text)
        found = {}
        for line in resp.text.splitlines():
            m = _SAMPLE.match(line)
            if m:
                found[m.group(1)] = float(m.group(2))
        return found

    def test_accepted_deduplicated_rejected_and_dropped(self):
        def value(samples, name, **labels):
            key = name + '{%s}' % ','.join(
                '%s="%s"' % kv for kv in sorted(labels.items()))
            return samples.get(key, 0.0)

        before = self.metrics()
        self.assertIn('fleet_alerts_accepted_total{source="alertmanager"}',
                      before)
        post = scenarios.am_post(
            scenarios.am_alert('A', instance='n1:9100'),
            scenarios.am_alert('B', instance='n1:9100'),
            dict(scenarios.am_alert('Bad'), status='maybe'))
        self.call('POST', '/v1/alerts/alertmanager', post)
        self.call('POST', '/v1/alerts/alertmanager', post)
        self.call('POST', '/v1/alerts', {'alerts': [{'name': 'G'}]})
        self.call('POST', '/v1/alerts/alertmanager', raw=b'{"alerts": 1',
                  status=400)
        self.call('POST', '/v1/alerts', raw=b'{"alerts": "x"}', status=400)
        self.call('POST', '/v1/alerts/alertmanager', post,
                  token='wrong', status=401)
        # The notifier's target is down: the events of the new alerts are
        # dropped once retries are exhausted, and intake never waited.
        self.assertTrue(self.api.notifications.flush(10))
        after = self.metrics()

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name,
                                                        **labels)

        self.assertEqual(
            (4, 2, 2, 1, 1, 0, 1, 1),
            (delta('fleet_alerts_accepted_total', source='alertmanager'),
             delta('fleet_alerts_deduplicated_total',
                   source='alertmanager'),
             delta('fleet_alerts_rejected_total', source='alertmanager'),
             delta('fleet_alerts_accepted_total', source='generic'),
             delta('fleet_alert_posts_rejected_total',
                   source='alertmanager'),
             delta('fleet_alerts_deduplicated_total', source='generic'),
             delta('fleet_alert_posts_rejected_total', source='generic'),
             # One event per transaction with state changes: the first
             # post and the generic one.
             delta('fleet_notifications_dropped_total', notifier='webhook',
                   reason='retries_exhausted') >= 1))
        self.assertEqual(3, self.stored())
        self.assertNotIn('sekrit', json.dumps(after))
