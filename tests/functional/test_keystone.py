"""fleet in a cloud with Keystone: the lab's real Keystone 30.

- fleet-api with ``[api] auth_strategy = keystone``: keystonemiddleware
  validates the caller's token with the lab's Keystone (service user
  ``fleet-api``); the Keystone user becomes the actor of what it writes.
- the ``mistral`` executor with ``[executors.mistral] cloud``: it logs in
  with a clouds.yaml entry, finds Mistral in Keystone's catalog and runs
  a remediation there.
"""

import json
import os
import sqlite3
import uuid

import fixtures

from tests.functional import base
from tests.functional import test_api_service
from tools.lab import keystone as lab_keystone

call = test_api_service.call


def keystone_call(url, token=None, data=None, method=None):
    """(status, JSON body or text) of a request with ``X-Auth-Token``."""
    status, _, body = call(url, data=data, method=method, timeout=20,
                           headers={'X-Auth-Token': token} if token else {})
    return status, body


class TestFleetAPIWithKeystone(test_api_service.ServerTestCase):

    needs = ('keystone',)

    def setUp(self):
        super().setUp()
        ks = self.lab['keystone']
        password = lab_keystone.passwords()['fleet-api']
        with open(self.conf_file, 'a') as f:
            # The later [api] auth_strategy wins over the token one above.
            f.write('\n[api]\nauth_strategy = keystone\n'
                    '\n[keystone_authtoken]\nwww_authenticate_uri = %s\n'
                    'auth_url = %s\nauth_type = password\n'
                    'username = fleet-api\npassword = %s\n'
                    'project_name = service\nuser_domain_name = Default\n'
                    'project_domain_name = Default\n'
                    'http_request_max_retries = 1\nhttp_connect_timeout = 5\n'
                    % (ks['endpoint'], ks['endpoint'], password))
        self.password = password
        self.proc = self.start([os.path.join(base.BIN, 'fleet-api'),
                                '--config-file', self.conf_file])

    def test_real_tokens_are_checked_with_keystone(self):
        reader = lab_keystone.token('fleet-reader')
        status, body = keystone_call(self.url + '/v1/devices', reader)
        self.assertEqual(200, status, body)
        self.assertEqual(['n1', 'n2'], [d['name'] for d in body['devices']])
        for token in (None, 'gAAAA' + uuid.uuid4().hex, reader[:-4]):
            status, body = keystone_call(self.url + '/v1/devices', token)
            self.assertEqual(401, status, body)
            self.assertEqual('unauthorized', body['error']['code'])
        # Version discovery stays public.
        status, _ = keystone_call(self.url + '/')
        self.assertEqual(200, status)
        self.assertNotIn(self.password, self.server_log())

    def test_the_keystone_user_is_the_actor(self):
        operator = lab_keystone.token('fleet')
        name = 'ks-%s' % uuid.uuid4().hex[:8]
        alert = {'alerts': [{'name': name, 'status': 'firing',
                             'severity': 'warning',
                             'labels': {'host': 'n1'}}]}
        status, body = keystone_call(self.url + '/v1/alerts', operator,
                                     json.dumps(alert).encode(), 'POST')
        self.assertIn(status, (200, 201, 202), body)
        db = self.db_url[len('sqlite:///'):]
        with sqlite3.connect(db) as conn:
            actors = {row[0] for row in conn.execute(
                "SELECT actor FROM changes WHERE object_type = 'alert'")}
        self.assertEqual({'fleet'}, actors)


class TestMistralExecutorWithKeystone(base.LabTestCase):

    needs = ('ironic', 'nova', 'mistral', 'keystone')

    def configure(self, cloud, extra=''):
        mistral = self.lab['mistral']
        with open(self.conf_file, 'a') as f:
            f.write('\n[remediation]\nenabled_executors = mistral\n'
                    '\n[executors.mistral]\ncloud = %s\n'
                    'target_catalog_file = %s\nshare_config_file = %s\n%s'
                    % (cloud, mistral['catalog_file'], self.conf_file, extra))

    def test_finds_mistral_in_the_catalog_and_runs_there(self):
        self.configure('fleet-lab-keystone')
        self.fleet('inventory', 'sync', 'ironic')
        self.fleet('workbook', 'sync')
        device = 'lab-spare-1'
        proc = self.fleet('remediation', 'run', 'fleet_host.handoff',
                          '--device', device, '--reason', 'keystone path',
                          '-f', 'json')
        rem = json.loads(proc.stdout)
        self.assertEqual('succeeded', rem['state'], rem)
        from mistralclient.api import client
        ex = client.client(mistral_url=self.lab['mistral']['endpoint']) \
            .executions.get(rem['execution_id'])
        self.assertEqual('SUCCESS', ex.state)
        # The execution's fleet action handed the device off.
        proc = self.fleet('remediation', 'run', 'fleet_host.handoff',
                          '--device', device, '--reason', 'again',
                          expect=1)
        self.assertIn('handed off', proc.stderr)
        self.fleet('device', 'handback', device)
        # No url given: the endpoint is the one of Keystone's catalog.
        from fleet.plugins.executors import mistral as executor_mod
        opts = type('Opts', (), {
            'url': None, 'cloud': 'fleet-lab-keystone', 'timeout': 30.0,
            'target_catalog_file': None, 'share_config_file': None})()
        executor = executor_mod.MistralExecutor(opts)
        self.assertEqual(self.lab['mistral']['endpoint'], executor.url)
        self.assertTrue(executor.session().get_token())

    def test_refused_credentials_are_one_line_without_the_password(self):
        clouds = os.path.join(self.work, 'clouds.yaml')
        bad = 'not-the-password-%s' % uuid.uuid4().hex
        with open(clouds, 'w') as f:
            json.dump({'clouds': {'bad': {'auth': {
                'auth_url': self.lab['keystone']['endpoint'],
                'username': 'fleet', 'password': bad,
                'project_name': 'fleet', 'user_domain_name': 'Default',
                'project_domain_name': 'Default'}},
                'elsewhere': dict(lab_keystone.clouds()[
                    'fleet-lab-keystone'], region_name='RegionTwo')}}, f)
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', clouds))
        self.configure('bad')
        proc = self.fleet('workbook', 'sync', expect=1)
        err = proc.stderr.strip()
        self.assertEqual(1, len(err.splitlines()), err)
        self.assertIn('Keystone at %s (cloud bad)'
                      % self.lab['keystone']['endpoint'], err)
        self.assertIn('credentials were refused', err)
        self.assertNotIn(bad, proc.stdout + proc.stderr)
        # A region whose catalog has no Mistral: the fix is named.
        with open(self.conf_file, 'a') as f:
            f.write('cloud = elsewhere\n')
        proc = self.fleet('workbook', 'sync', expect=1)
        self.assertIn('no workflowv2 endpoint in region RegionTwo',
                      proc.stderr)
        self.assertIn('[executors.mistral] url', proc.stderr)
