"""The alert and silence endpoints through fleet-api's whole pipeline
(auth, size limit, JSON errors), on the test's database."""

import json
import os

import sqlalchemy as sa
import webob

from fleet.db import alert_models
from tests import base
from tests.unit.alerts import scenarios

TOKEN = 's3cr3t-webhook-token'


class TestAlertEndpoints(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        from fleet.wsgi import app

        token_file = os.path.join(self.state_dir, 'token')
        with open(token_file, 'w') as f:
            f.write(TOKEN + '\n')
        self.conf.set_override('auth_strategy', 'token', group='api')
        self.conf.set_override('token_file', token_file, group='api')
        self.conf.set_override('token_actor', 'alertmanager', group='api')
        self.api = self.fleet()
        self.api.clouds.create(self.ctx, 'prod')
        self.api.regions.create(self.ctx, 'r1', cloud='prod')
        self.api.devices.create(self.ctx, 'n1', mgmt_address='10.0.0.1')
        self.app = app.make_app(self.conf, fleet=self.api)

    def call(self, method, path, body=None, token=TOKEN, raw=None,
             status=200, content_type='application/json'):
        req = webob.Request.blank(path, method=method)
        if token:
            req.headers['Authorization'] = 'Bearer ' + token
        if raw is not None or body is not None:
            req.body = raw if raw is not None else json.dumps(body).encode()
            req.content_type = content_type
        resp = req.get_response(self.app)
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertNotIn(TOKEN, resp.text)
        return resp.json if resp.body else None

    def stored(self):
        with self.api.reading() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(
                alert_models.Alert))

    def test_alertmanager_post_then_read(self):
        post = scenarios.am_post(
            scenarios.am_alert(instance='n1:9100', severity='critical',
                               fingerprint='0123456789abcdef'),
            dict(scenarios.am_alert('Bad'), status='maybe'))
        out = self.call('POST', '/v1/alerts/alertmanager', post)
        self.assertEqual((1, 1), (out['accepted'], out['created']))
        self.assertEqual(['alerts[1].status'],
                         [r['field'] for r in out['rejected']])
        [alert] = self.call('GET', '/v1/alerts?status=firing')['alerts']
        self.assertEqual(('NodeDown', 'n1', 'critical', 'firing',
                          'alertmanager'),
                         (alert['name'], alert['device'], alert['severity'],
                          alert['state'], alert['source']))
        self.assertNotIn('device_id', alert)
        self.assertTrue(alert['first_seen'].endswith('Z'))
        one = self.call('GET', '/v1/alerts/0123456789abcdef')['alert']
        self.assertEqual(alert['id'], one['id'])
        out = self.call('POST', '/v1/alerts/%d/ack' % alert['id'],
                        {'reason': 'on it'})
        self.assertEqual(('acknowledged', 'alertmanager'),
                         (out['alert']['state'],
                          out['alert']['acknowledged_by']))
        history = self.call('GET', '/v1/alerts/%d/history'
                            % alert['id'])['changes']
        self.assertEqual(['create', 'update', 'update'],
                         [h['action'] for h in history])
        self.assertEqual('on it', history[-1]['reason'])
        self.call('POST', '/v1/alerts/%d/resolve' % alert['id'])
        self.call('POST', '/v1/alerts/%d/resolve' % alert['id'],
                  status=409)
        err = self.call('GET', '/v1/alerts?status=burning', status=400)
        self.assertEqual('status', err['error']['field'])
        self.call('GET', '/v1/alerts/424242', status=404)

    def test_wrong_or_missing_token_401_writes_nothing(self):
        post = scenarios.am_post(scenarios.am_alert(instance='n1:9100'))
        for token in ('wrong', None):
            err = self.call('POST', '/v1/alerts/alertmanager', post,
                            token=token, status=401)
            self.assertEqual('Authorization', err['error']['field'])
        self.assertEqual(0, self.stored())

    def test_bad_bodies_name_the_field_nothing_stored(self):
        good = json.dumps(scenarios.am_post(scenarios.am_alert(
            instance='n1:9100'))).encode()
        for raw, field in ((good[:len(good) // 2], 'body'),
                           (b'', 'body'),
                           (b'[1, 2]', 'body'),
                           (b'\xff\xfe', 'body'),
                           (b'{"alerts": "many"}', 'alerts'),
                           (b'{"version": "3", "alerts": []}', 'version'),
                           (b'{"alerts": [{"status": 1}]}',
                            'alerts[0].labels.alertname'),
                           (b'{"alerts": [{"labels": {"alertname": "x"},'
                            b' "status": "firing", "startsAt": 5}]}',
                            'alerts[0].startsAt')):
            err = self.call('POST', '/v1/alerts/alertmanager', raw=raw,
                            status=400)
            self.assertEqual(field, err['error']['field'], raw)
        err = self.call('POST', '/v1/alerts/alertmanager', raw=good,
                        content_type='text/plain', status=400)
        self.assertEqual('Content-Type', err['error']['field'])
        self.conf.set_override('max_alerts_per_post', 1, group='alerts')
        err = self.call('POST', '/v1/alerts', {'alerts': [
            {'name': 'a'}, {'name': 'b'}]}, status=400)
        self.assertEqual('alerts', err['error']['field'])
        self.assertEqual(0, self.stored())

    def test_oversized_body_413(self):
        from fleet.wsgi import app

        self.conf.set_override('max_request_body_size', 2048, group='api')
        self.app = app.make_app(self.conf, fleet=self.api)
        post = scenarios.am_post(*[scenarios.am_alert('A%d' % i)
                                   for i in range(40)])
        err = self.call('POST', '/v1/alerts/alertmanager', post, status=413)
        self.assertEqual('body', err['error']['field'])
        self.assertEqual(0, self.stored())

    def test_generic_and_silences(self):
        out = self.call('POST', '/v1/silences', {
            'matchers': ['alertname=DiskFailing'], 'expires': '1h',
            'comment': 'replacing disks'}, status=201)
        sid = out['silence']['id']
        self.call('POST', '/v1/alerts', {'alerts': [
            {'name': 'DiskFailing', 'labels': {'host': 'n1'}},
            {'name': 'FanSlow', 'labels': {'host': 'n1'}}]})
        states = {a['name']: a['state'] for a in self.call(
            'GET', '/v1/alerts')['alerts']}
        self.assertEqual({'DiskFailing': 'suppressed', 'FanSlow': 'firing'},
                         states)
        self.assertEqual([sid], [s['id'] for s in self.call(
            'GET', '/v1/silences')['silences']])
        for body, field in (({'matchers': ['x'], 'expires': '1h',
                              'comment': 'c'}, 'matcher'),
                            ({'matchers': ['a=b'], 'expires': '2001-01-01',
                              'comment': 'c'}, 'expires'),
                            ({'matchers': 'a=b', 'expires': '1h',
                              'comment': 'c'}, 'matchers'),
                            ({'matchers': ['a=b'], 'expires': 3,
                              'comment': 'c'}, 'expires'),
                            ({'matchers': ['a=b'], 'expires': '1h'},
                             'comment'),
                            ({'matchers': ['a=b'], 'expires': '1h',
                              'comment': 'c', 'colour': 1}, 'colour')):
            err = self.call('POST', '/v1/silences', body, status=400)
            self.assertEqual(field, err['error']['field'], body)
        self.call('DELETE', '/v1/silences/%d' % sid, status=204)
        self.call('DELETE', '/v1/silences/%d' % sid, status=404)
        self.assertEqual('firing', self.call(
            'GET', '/v1/alerts?name=DiskFailing')['alerts'][0]['state'])
