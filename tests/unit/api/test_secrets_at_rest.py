"""Secret values are encrypted in the database, on every backend.

The key lives in ``[secrets] key_file`` (tests.base gives each test its
own); a missing or wrong key is an error, never plain text.
"""

import json
import os
import stat

import sqlalchemy as sa

from fleet.common import crypto
from fleet.common import exception
from fleet.db import models
from tests import base

SECRET = 'Pl41n-BMC-p4ssw0rd'


class SecretsAtRestScenarios:

    def setUp(self):
        super().setUp()
        self.api = self.fleet()
        self.api.clouds.create(self.ctx, 'c1')
        self.api.regions.create(self.ctx, 'r1', cloud='c1')
        self.api.devices.create(self.ctx, 'node-1', region='r1')

    def stored(self):
        with self.api.reading() as s:
            return s.execute(sa.select(models.Variable.value,
                                       models.Variable.secret)).all()

    def test_stored_encrypted_and_read_back(self):
        api, ctx = self.api, self.ctx
        api.variables.set(ctx, 'device', 'node-1', {'pw': SECRET},
                          secret=True)
        api.variables.set(ctx, 'region', 'r1', {'ntp': 'pool'})
        rows = dict((secret, value) for value, secret in self.stored())
        self.assertNotIn(SECRET, rows[True])
        self.assertTrue(rows[True].startswith('gAAAAA'), rows[True])
        self.assertEqual('"pool"', rows[False])
        self.assertEqual(SECRET, api.variables.secret_value(ctx, 'node-1',
                                                            'pw'))
        inventory = json.loads(api.exporter.ansible(ctx,
                                                    include_secrets=True))
        self.assertEqual(SECRET,
                         inventory['_meta']['hostvars']['node-1']['pw'])
        self.assertEqual({'node-1': {'pw': SECRET, 'ntp': 'pool'}},
                         api.exporter.resolved_all(ctx,
                                                   include_secrets=True))
        # Same value again: no change recorded (compared decrypted).
        before = len(api.changes.list(ctx, limit=None))
        api.variables.set(ctx, 'device', 'node-1', {'pw': SECRET},
                          secret=True)
        self.assertEqual(before, len(api.changes.list(ctx, limit=None)))

    def test_sync_encrypts_and_compares_decrypted(self):
        from fleet.plugins.sources import base as src
        api, ctx = self.api, self.ctx
        snap = src.Snapshot(devices=[src.DeviceRecord(
            name='node-2', region='r1', secrets={'pw': SECRET})])
        api.sync.apply(ctx, 'static', snap)
        self.assertNotIn(SECRET, repr(self.stored()))
        report = api.sync.apply(ctx, 'static', snap)
        self.assertEqual([], report.rows)
        self.assertEqual(SECRET, api.variables.secret_value(ctx, 'node-2',
                                                            'pw'))

    def test_wrong_key_is_an_error_never_plain_text(self):
        ctx = self.ctx
        self.api.variables.set(ctx, 'device', 'node-1', {'pw': SECRET},
                               secret=True)
        os.unlink(self.key_file)
        crypto.create_key_file(self.key_file)
        api = self.fleet()
        err = self.assertRaises(exception.SecretKeyError,
                                api.variables.secret_value, ctx, 'node-1',
                                'pw')
        self.assertIn('cannot decrypt vars.pw', str(err))
        self.assertIn(self.key_file, str(err))
        self.assertRaises(exception.SecretKeyError, api.exporter.ansible,
                          ctx, include_secrets=True)
        # What needs no secret value still works.
        self.assertNotIn('pw', api.exporter.ansible(ctx))
        self.assertEqual('******', api.variables.show(
            ctx, 'device', 'node-1')[0]['value'])

    def test_missing_key_is_an_error_for_a_configured_database(self):
        os.unlink(self.key_file)
        api, ctx = self.fleet(), self.ctx
        err = self.assertRaises(exception.SecretKeyError, api.variables.set,
                                ctx, 'device', 'node-1', {'pw': SECRET},
                                secret=True)
        self.assertIn('no secret key file at %s.' % self.key_file, str(err))
        self.assertEqual('create_secret_key', err.hint)
        self.assertFalse(os.path.exists(self.key_file))
        self.assertEqual([], self.stored())
        api.variables.set(ctx, 'device', 'node-1', {'plain': 1})

    def test_key_file_open_to_others_is_refused(self):
        os.chmod(self.key_file, 0o644)
        err = self.assertRaises(exception.SecretKeyError,
                                self.fleet().variables.set, self.ctx,
                                'device', 'node-1', {'pw': SECRET},
                                secret=True)
        self.assertIn('chmod 600', str(err))


class TestSecretsAtRestSQLite(SecretsAtRestScenarios, base.FleetTestCase):
    backend = 'sqlite'

    def test_embedded_default_creates_its_key_on_first_use(self):
        from fleet import api
        state = os.path.join(self.state_dir, 'embedded')
        self.conf.clear_override('connection', group='database')
        self.conf.set_override('state_dir', state)
        self.conf.clear_override('key_file', group='secrets')
        key_file = os.path.join(state, 'secret.key')
        fleet = api.connect(conf=self.conf)
        fleet.clouds.create(self.ctx, 'c1')
        fleet.regions.create(self.ctx, 'r1', cloud='c1')
        fleet.devices.create(self.ctx, 'node-1', region='r1')
        self.assertFalse(os.path.exists(key_file))
        fleet.variables.set(self.ctx, 'device', 'node-1', {'pw': SECRET},
                            secret=True)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(key_file).st_mode))
        self.assertEqual(SECRET, fleet.variables.secret_value(
            self.ctx, 'node-1', 'pw'))


class TestSecretsAtRestPostgreSQL(SecretsAtRestScenarios,
                                  base.FleetTestCase):
    backend = 'postgresql'


class TestSecretsAtRestMariaDB(SecretsAtRestScenarios, base.FleetTestCase):
    backend = 'mysql'
