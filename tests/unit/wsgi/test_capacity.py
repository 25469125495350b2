"""GET /v1/capacity: bad input is a 400 naming the field; services that
cannot be reached leave their sections unavailable. Against the lab's real
services: tests/functional/test_capacity.py."""

import json

import webob

from fleet.wsgi import app as app_mod
from tests import base
from tests.unit.cli import test_capacity as test_cli_capacity


class TestCapacityRoute(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('auth_strategy', 'noauth', group='api')
        self.port = test_cli_capacity.use_dead_cloud(self, self.state_dir)
        self.conf.set_override('cloud', 'dead', group='capacity')
        self.conf.set_override('timeout', 2, group='capacity')
        self.api = self.fleet()
        self.app = app_mod.make_app(self.conf, fleet=self.api)

    def get(self, query=''):
        resp = webob.Request.blank('/v1/capacity' + query).get_response(
            self.app)
        return resp.status_int, json.loads(resp.body)

    def test_bad_input_is_400_naming_the_field(self):
        status, body = self.get('?idle_after=soon')
        self.assertEqual(400, status)
        self.assertEqual('idle_after', body['error']['field'])
        self.assertIn("not a duration: 'soon'", body['error']['message'])
        status, body = self.get('?kind=volume&kind=vm')
        self.assertEqual(400, status)
        self.assertEqual('kind', body['error']['field'])
        status, body = self.get('?available_after=1d&available_after=2d')
        self.assertEqual((400, 'available_after'),
                         (status, body['error']['field']))

    def test_unreachable_services_leave_sections_unavailable(self):
        status, body = self.get('?kind=volume&kind=floating_ip'
                                '&available_after=3d')
        self.assertEqual(200, status)
        self.assertEqual(['floating_ip', 'volume'],
                         [s['kind'] for s in body['sections']])
        for section in body['sections']:
            self.assertFalse(section['available'])
            self.assertEqual([], section['rows'])
            self.assertIn('127.0.0.1:%d' % self.port, section['error'])
        self.assertEqual(3 * 86400, body['thresholds'][
            'volume_available_after'])
        self.assertNotIn('recorded_readings', body)
        self.assertEqual([], self.api.telemetry.latest(self.ctx))
