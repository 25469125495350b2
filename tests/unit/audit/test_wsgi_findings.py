"""``/v1/findings`` of fleet-api, in-process (webob), noauth."""

import json

import webob

from fleet.common.readings import Reading
from tests import base

POLICY = '''\
name: p
rules:
  - name: hot
    auditor: threshold
    params: {metric: temperature.*, status: critical}
    severity: critical
'''


class TestFindingsAPI(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('auth_strategy', 'noauth', group='api')
        self.api = f = self.fleet()
        f.clouds.create(self.ctx, 'c')
        f.regions.create(self.ctx, 'r1', cloud='c')
        dev = f.devices.create(self.ctx, 'n1', region='r1')['id']
        f.telemetry.record(self.ctx, [Reading(
            dev, 'temperature.cpu', 99.0, status='critical',
            source='test')])
        f.policies.load(self.ctx, [('p.yaml', POLICY)])
        f.audit.run(self.ctx)
        from fleet.wsgi import app
        self.app = app.make_app(self.conf, fleet=f)

    def call(self, path, method='GET', headers=None):
        req = webob.Request.blank(path, method=method, headers=headers)
        resp = req.get_response(self.app)
        return resp.status_int, json.loads(resp.body)

    def test_list_show_ack_resolve(self):
        code, body = self.call('/v1/findings?severity=critical')
        self.assertEqual(200, code)
        [found] = body['findings']
        self.assertEqual(('hot', 'n1', 'open'), (
            found['rule'], found['subject'], found['status']))
        code, body = self.call('/v1/findings/%d/ack' % found['id'], 'POST',
                               {'X-Fleet-Reason': 'looking'})
        self.assertEqual((200, 'acknowledged'),
                         (code, body['finding']['status']))
        code, body = self.call('/v1/findings/%s' % found['fingerprint'])
        self.assertEqual([('open', 'acknowledged', 'looking')],
                         [(h['old'], h['new'], h['reason'])
                          for h in body['finding']['history']][1:])
        self.call('/v1/findings/%d/resolve' % found['id'], 'POST')
        self.assertEqual([], self.call('/v1/findings')[1]['findings'])
        self.assertEqual(1, len(self.call('/v1/findings?status=all')[1][
            'findings']))
        code, body = self.call('/v1/findings/%d/ack' % found['id'], 'POST')
        self.assertEqual(409, code)
        self.assertIn('cannot become acknowledged',
                      body['error']['message'])
        code, body = self.call('/v1/findings?severity=dire')
        self.assertEqual(400, code)
        self.assertEqual(404, self.call('/v1/findings/12345')[0])
