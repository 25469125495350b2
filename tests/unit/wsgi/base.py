"""A fleet-api app on a real store, driven with webob test requests."""

import json
import os

import webob

from fleet.common.readings import Reading
from fleet.wsgi import app as app_mod
from fleet.wsgi import router
from tests import base
from tests.unit.api import telemetry_scenarios

TOKEN = 'tok-3f9a0c1d8e7b6a5f'


def create_device(req):
    """A test-only write route: POST /v1/test/devices {name, rack}."""
    body = req.json()
    dev = req.fleet.devices.create(req.context, body['name'],
                                   rack=body.get('rack'))
    return router.json_response({'uuid': dev['uuid']}, status=201)


def fail(req):
    raise RuntimeError('password=hunter2 leaked into an exception')


class TestRoutes:
    ROUTES = [router.Route('POST', '/v1/test/devices', create_device),
              router.Route('GET', '/v1/test/fail', fail)]


class APITestCase(base.FleetTestCase):
    """The app with token auth over a seeded inventory."""

    strategy = 'token'

    def setUp(self):
        super().setUp()
        self.token_file = os.path.join(self.state_dir, 'api.token')
        with open(self.token_file, 'w') as f:
            f.write(TOKEN + '\n')
        self.conf.set_override('auth_strategy', self.strategy, group='api')
        self.conf.set_override('token_file', self.token_file, group='api')
        self.api = self.fleet()
        f, ctx = self.api, self.ctx
        self.ids = telemetry_scenarios.small_fleet(f, ctx)
        f.labels.add(ctx, 'n1', ['gpu'])
        f.variables.set(ctx, 'device', 'n1', {'ntp': 'pool.ntp.org'})
        f.variables.set(ctx, 'device', 'n1', {'bmc_password': 'hunter2'},
                        secret=True)
        f.telemetry.record(ctx, [
            Reading(self.ids['n1'], 'temperature.inlet', 91.5,
                    unit='celsius', status='critical',
                    threshold='upper_critical=85', source='ipmi'),
            Reading(self.ids['n1'], 'fan.fan_1', 4200, unit='rpm',
                    source='ipmi'),
            Reading(self.ids['n3'], 'fan.fan_1', None, source='ipmi',
                    status='unknown', reason='timeout after 5 s')])
        self.app = self.make_app()

    def make_app(self, extra=(TestRoutes,)):
        return app_mod.make_app(self.conf, fleet=self.api,
                                resources=app_mod.RESOURCES + tuple(extra))

    def request(self, path, method='GET', token=TOKEN, body=None,
                headers=None, app=None):
        req = webob.Request.blank(path, method=method)
        if token is not None:
            req.headers['Authorization'] = 'Bearer ' + token
        if body is not None:
            req.body = (body if isinstance(body, bytes)
                        else json.dumps(body).encode())
            req.content_type = 'application/json'
        for k, v in (headers or {}).items():
            req.headers[k] = v
        return req.get_response(app or self.app)

    def get_json(self, path, status=200, **kw):
        resp = self.request(path, **kw)
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual('application/json', resp.content_type)
        return resp.json

    def assertError(self, resp, status, code, field=None):
        """A JSON error body of the documented shape."""
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual('application/json', resp.content_type)
        err = resp.json['error']
        self.assertEqual((status, code), (err['status'], err['code']))
        self.assertTrue(err['title'])
        self.assertTrue(err['message'])
        self.assertEqual(resp.headers['x-openstack-request-id'],
                         err['request_id'])
        if field is not None:
            self.assertEqual(field, err.get('field'))
        return err
