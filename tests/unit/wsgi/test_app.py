"""The fleet-api pipeline: versions, JSON errors, request ids, the body
size limit, the healthcheck and authentication (SQLite store)."""

import socket

import sqlalchemy as sa

from fleet.common import exception
from fleet.db import models
from fleet.wsgi import app as app_mod
from fleet.wsgi import auth
from tests.unit.wsgi import base


def count_devices(api):
    with api.reading() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(
            models.Device))


class TestVersionsAndErrors(base.APITestCase):

    def test_versions_are_public(self):
        doc = self.get_json('/', token=None)
        self.assertEqual(['v1'], [v['id'] for v in doc['versions']])
        self.assertEqual('http://localhost/v1/',
                         doc['default_version']['links'][0]['href'])
        v1 = self.get_json('/v1', token=None)['version']
        self.assertIn('GET /v1/devices/{device}', v1['resources'])
        self.assertIn('GET /v1/readings', v1['resources'])
        # The trailing slash the links carry works too.
        self.assertEqual(v1, self.get_json('/v1/', token=None)['version'])

    def test_proxy_headers_ignored_when_disabled(self):
        # The default: fleet.wsgi.passthrough goes straight to the app.
        doc = self.get_json('/', token=None, headers={
            'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'fleet.example'})
        self.assertEqual('http://localhost/v1/',
                         doc['default_version']['links'][0]['href'])

    def test_proxy_headers_when_enabled(self):
        self.conf.set_override('enable_proxy_headers_parsing', True,
                               group='oslo_middleware')
        doc = self.get_json('/', token=None, headers={
            'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'fleet.example'})
        self.assertEqual('https://fleet.example/v1/',
                         doc['default_version']['links'][0]['href'])

    def test_unknown_path_and_method(self):
        self.assertError(self.request('/v1/nothing'), 404, 'not_found',
                         'path')
        resp = self.request('/v1/devices', method='DELETE')
        self.assertError(resp, 405, 'method_not_allowed', 'method')
        self.assertEqual('GET', resp.headers['Allow'])

    def test_request_id_on_every_answer(self):
        ok = self.request('/v1/devices')
        bad = self.request('/v1/devices/n9')
        ids = {ok.headers['x-openstack-request-id'],
               bad.headers['x-openstack-request-id']}
        self.assertEqual(2, len(ids))
        self.assertEqual(bad.headers['x-openstack-request-id'],
                         bad.json['error']['request_id'])

    def test_unexpected_error_is_json_without_details(self):
        resp = self.request('/v1/test/fail')
        err = self.assertError(resp, 500, 'internal_error')
        self.assertNotIn('hunter2', resp.text)
        self.assertIn('request id', err['message'])

    def test_bad_json_bodies(self):
        before = count_devices(self.api)
        for body, problem in ((b'{"name": "n5", ', 'not valid JSON'),
                              (b'["n5"]', 'is a JSON array'),
                              (b'\xff\xfe', 'not UTF-8'),
                              (b'', 'is empty')):
            err = self.assertError(self.request(
                '/v1/test/devices', method='POST', body=body), 400,
                'invalid', 'body')
            self.assertIn(problem, err['message'])
        resp = self.request('/v1/test/devices', method='POST',
                            body=b'{"name": "n5"}',
                            headers={'Content-Type': 'text/plain'})
        self.assertError(resp, 400, 'invalid', 'Content-Type')
        self.assertEqual(before, count_devices(self.api))

    def test_healthcheck_needs_no_token(self):
        resp = self.request('/healthcheck', token=None)
        self.assertEqual(200, resp.status_code)
        self.assertIn('x-openstack-request-id', resp.headers)


class TestBodySizeLimit(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('max_request_body_size', 200, group='api')
        self.app = self.make_app()

    def test_over_the_limit_is_413_and_nothing_written(self):
        before = count_devices(self.api)
        body = {'name': 'n5', 'pad': 'x' * 300}
        err = self.assertError(self.request(
            '/v1/test/devices', method='POST', body=body), 413,
            'request_too_large', 'body')
        self.assertIn('200 bytes of [api] max_request_body_size',
                      err['message'])
        self.assertEqual(before, count_devices(self.api))

    def test_chunked_body_over_the_limit_is_413(self):
        req_body = b'{"name": "n5", "pad": "' + b'x' * 300 + b'"}'
        import webob
        req = webob.Request.blank('/v1/test/devices', method='POST')
        req.headers['Authorization'] = 'Bearer ' + base.TOKEN
        req.content_type = 'application/json'
        req.body_file = __import__('io').BytesIO(req_body)
        req.content_length = None
        req.headers['Transfer-Encoding'] = 'chunked'
        resp = req.get_response(self.app)
        self.assertError(resp, 413, 'request_too_large', 'body')
        self.assertEqual(3, count_devices(self.api))

    def test_under_the_limit_passes(self):
        resp = self.request('/v1/test/devices', method='POST',
                            body={'name': 'n5'})
        self.assertEqual(201, resp.status_code, resp.text)


class TestTokenAuth(base.APITestCase):

    def test_missing_wrong_and_non_bearer_tokens_get_401(self):
        before = count_devices(self.api)
        for headers, token, problem in (
                ({}, None, 'missing'),
                ({}, 'tok-wrong', 'wrong token'),
                ({}, base.TOKEN + 'x', 'wrong token'),
                ({}, '\u00e9t\u00e9', 'wrong token'),
                ({'Authorization': 'Basic ' + base.TOKEN}, None,
                 'not a bearer token')):
            resp = self.request('/v1/test/devices', method='POST',
                                token=token, headers=headers,
                                body={'name': 'n5'})
            err = self.assertError(resp, 401, 'unauthorized',
                                   'Authorization')
            self.assertIn(problem, err['message'])
            self.assertEqual('Bearer realm="fleet-api"',
                             resp.headers['WWW-Authenticate'])
            self.assertNotIn(base.TOKEN, resp.text)
        self.assertEqual(before, count_devices(self.api))

    def test_rejection_logged_without_the_token(self):
        logs = self.useFixture(__import__('fixtures').FakeLogger(
            name='fleet.wsgi.auth'))
        self.request('/v1/devices', token=base.TOKEN[:-1] + 'Z')
        self.assertIn('wrong token', logs.output)
        self.assertNotIn(base.TOKEN[:-1], logs.output)

    def test_metrics_need_the_token(self):
        self.assertError(self.request('/metrics', token=None), 401,
                         'unauthorized')

    def test_token_file_problems_stop_the_start(self):
        self.conf.set_override('token_file', None, group='api')
        exc = self.assertRaises(exception.Invalid, app_mod.make_app,
                                self.conf)
        self.assertEqual('[api] token_file', exc.field)
        self.assertIn('auth_strategy = token needs it', str(exc))
        missing = self.token_file + '.missing'
        self.conf.set_override('token_file', missing, group='api')
        exc = self.assertRaises(exception.Invalid, app_mod.make_app,
                                self.conf)
        self.assertIn('No such file', str(exc))
        with open(self.token_file, 'w') as f:
            f.write(' \n')
        self.conf.set_override('token_file', self.token_file, group='api')
        exc = self.assertRaises(exception.Invalid, app_mod.make_app,
                                self.conf)
        self.assertIn('is empty', str(exc))


class TestNoAuth(base.APITestCase):

    strategy = 'noauth'

    def test_identity_headers_are_the_actor(self):
        resp = self.request('/v1/test/devices', method='POST', token=None,
                            body={'name': 'n5'},
                            headers={'X-User-Name': 'rey'})
        self.assertEqual(201, resp.status_code, resp.text)
        change = [c for c in self.api.changes.list(self.ctx, limit=None)
                  if c['object_name'] == 'n5'][0]
        self.assertEqual('rey', change['actor'])


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class TestKeystoneWiring(base.APITestCase):
    """keystonemiddleware in front, as far as it goes without a Keystone.

    The lab has no Keystone yet: a request without a token is refused by
    auth_token itself; one with a token makes it call the identity
    endpoint (a closed port here), which fails closed with a JSON 503.
    """

    strategy = 'keystone'

    def setUp(self):
        super().setUp()
        url = 'http://127.0.0.1:%d/identity' % _closed_port()
        self.conf.set_override('www_authenticate_uri', url,
                               group='keystone_authtoken')
        self.conf.set_override('http_connect_timeout', 2,
                               group='keystone_authtoken')
        self.app = self.make_app()

    def test_no_token_is_401_json(self):
        before = count_devices(self.api)
        resp = self.request('/v1/test/devices', method='POST', token=None,
                            body={'name': 'n5'})
        self.assertError(resp, 401, 'unauthorized', 'Authorization')
        self.assertIn('WWW-Authenticate', resp.headers)
        self.assertEqual(before, count_devices(self.api))

    def test_unreachable_keystone_fails_closed(self):
        resp = self.request('/v1/devices', token=None,
                            headers={'X-Auth-Token': 'gAAAA-some-token'})
        self.assertGreaterEqual(resp.status_code, 500, resp.text)
        self.assertEqual('application/json', resp.content_type)
        self.assertNotIn('n1', resp.text)

    def test_versions_stay_public(self):
        self.get_json('/', token=None)

    def test_confirmed_identity_becomes_the_context(self):
        # What auth_token leaves in the environ of a validated request.
        seen = {}

        def app(environ, start_response):
            seen.update(environ[auth.ENVIRON_KEY])
            start_response('204 No Content', [])
            return []

        import webob
        req = webob.Request.blank('/v1/devices', headers={
            'X-Identity-Status': 'Confirmed', 'X-User-Name': 'rey',
            'X-Roles': 'reader, member', 'X-Project-Id': 'p1'})
        resp = req.get_response(auth.KeystoneIdentity(app))
        self.assertEqual(204, resp.status_code)
        self.assertEqual({'actor': 'rey', 'roles': ('reader', 'member'),
                          'project': 'p1'}, seen)
        req = webob.Request.blank('/v1/devices', headers={
            'X-Identity-Status': 'Invalid'})
        resp = req.get_response(auth.KeystoneIdentity(app))
        self.assertEqual(401, resp.status_code)


class TestDatabaseHealthcheck(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('backends', ['fleet_database'],
                               group='healthcheck')

    def test_healthy_database(self):
        resp = self.request('/healthcheck', token=None,
                            app=self.make_app())
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIn('fleet database OK', resp.text)

    def test_unreachable_database_is_503_without_password(self):
        self.conf.set_override(
            'connection', 'postgresql+psycopg2://fleet:s3cretpw@127.0.0.1:'
            '%d/fleet' % _closed_port(), group='database')
        self.conf.set_override('connect_timeout', 2, group='database')
        resp = self.request('/healthcheck', token=None,
                            app=self.make_app())
        err = self.assertError(resp, 503, 'service_unavailable')
        self.assertIn('unreachable', err['message'])
        self.assertNotIn('s3cretpw', resp.text)


class TestOpenNow(base.APITestCase):
    """A server's worker opens the store when it starts."""

    def test_store_opened_before_the_first_request(self):
        import os

        path = os.path.join(self.state_dir, 'worker.sqlite')
        self.conf.set_override('connection', 'sqlite:///' + path,
                               group='database')
        self.conf.set_override('auto_migrate', True, group='database')
        app_mod.make_app(self.conf, open_now=True)
        engine = sa.create_engine('sqlite:///' + path)
        self.addCleanup(engine.dispose)
        self.assertIn('devices', sa.inspect(engine).get_table_names())

    def test_services_made_before_the_first_request(self):
        # Fleet makes a service on its first use; a worker makes them all
        # when it opens.
        app = app_mod.FleetApp(self.conf,
                               app_mod.build_router(app_mod.RESOURCES))
        app.open()
        fleet = app._fleet
        self.assertIsNotNone(fleet)
        self.addCleanup(fleet.close)
        for name in ('alerts', 'silences', 'devices', 'capacity',
                     'exposition', 'reactions', 'policies', 'resolver'):
            self.assertIn(name, vars(fleet))

    def test_unreachable_store_is_the_requests_error(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        self.conf.set_override(
            'connection', 'postgresql+psycopg2://fleet@127.0.0.1:%d/fleet'
            % port, group='database')
        self.conf.set_override('connect_timeout', 1, group='database')
        app = app_mod.make_app(self.conf, open_now=True)
        resp = self.request('/v1/devices', app=app)
        self.assertEqual(503, resp.status_int, resp.text)
        self.assertEqual('database_unavailable', resp.json['error']['code'])
