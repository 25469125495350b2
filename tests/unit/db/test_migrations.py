"""Migration 0002 on a database that 0001 made and filled, per backend.

It encrypts the secret values that were stored in plain text, keeps every
row and reference (SQLite rebuilds tables for AUTOINCREMENT), and without a
usable key stops before changing anything.
"""

import os
import uuid

import sqlalchemy as sa

from fleet.common import crypto
from fleet.common import exception
from fleet.db import engine as db_engine
from tests import base

SECRET = 'Pl41n-Old-S3cret'


class MigrationScenarios:

    def setUp(self):
        super().setUp()
        self.url = self._fresh_database()
        self.engine = db_engine.get_engine(self.url)
        db_engine.upgrade(self.engine, '0001')
        now = '2026-11-30 10:00:00'
        with self.engine.begin() as conn:
            ex = conn.exec_driver_sql
            ex("INSERT INTO clouds (id, name, created_at, updated_at) "
               "VALUES (1, 'c1', '%s', '%s')" % (now, now))
            ex("INSERT INTO regions (id, cloud_id, name, created_at, "
               "updated_at) VALUES (1, 1, 'r1', '%s', '%s')" % (now, now))
            for dev_id, name, parent in ((1, 'chassis', 'NULL'),
                                         (2, 'blade', '1')):
                ex("INSERT INTO devices (id, uuid, name, type, region_id, "
                   "parent_id, missing, created_at, updated_at) VALUES "
                   "(%d, '%s', '%s', 'host', 1, %s, %s, '%s', '%s')" % (
                       dev_id, uuid.uuid4(), name, parent,
                       'false' if self.backend == 'postgresql' else '0',
                       now, now))
            ex("INSERT INTO labels (device_id, label) VALUES (2, 'gpu')")
            if self.backend == 'postgresql':
                # Explicit ids leave the sequences behind.
                for table in ('clouds', 'regions', 'devices'):
                    ex("SELECT setval('%s_id_seq', (SELECT max(id) FROM %s))"
                       % (table, table))
            variables = sa.table(
                'variables', *(sa.column(c) for c in (
                    'scope', 'scope_id', 'key', 'value', 'secret',
                    'observed', 'updated_at')))
            conn.execute(variables.insert(), [
                {'scope': 'device', 'scope_id': 2, 'key': key, 'value': value,
                 'secret': secret, 'observed': False, 'updated_at': now}
                for key, value, secret in (('pw', '"%s"' % SECRET, True),
                                           ('ntp', '"pool"', False))])

    def _fresh_database(self):
        if self.backend == 'sqlite':
            return 'sqlite:///%s' % os.path.join(self.state_dir, 'old.db')
        server = base.SERVER_URLS[self.backend]
        name = 'fleet_mig_%s' % uuid.uuid4().hex[:10]
        admin = sa.create_engine(
            server + ('postgres' if self.backend == 'postgresql' else ''),
            isolation_level='AUTOCOMMIT')
        with admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE %s' % name))

        def drop():
            db_engine.dispose_all()
            with admin.connect() as conn:
                conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
            admin.dispose()
        self.addCleanup(drop)
        return server + name + ('?charset=utf8mb4' if self.backend == 'mysql'
                                else '')

    def _rows(self, sql):
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql).all()

    def test_upgrade_encrypts_plain_secrets_and_keeps_everything(self):
        keyring = crypto.Keyring(self.key_file)
        db_engine.upgrade(self.engine, keyring=keyring)
        self.assertEqual(db_engine.HEAD_REVISION,
                         db_engine.current_revision(self.engine))
        values = dict(self._rows('SELECT %s, value FROM variables' % (
            '`key`' if self.backend == 'mysql' else 'key')))
        self.assertEqual('"pool"', values['ntp'])
        self.assertNotIn(SECRET, values['pw'])
        self.assertEqual('"%s"' % SECRET, keyring.decrypt(values['pw']))
        self.assertEqual([(2, 'gpu')],
                         self._rows('SELECT device_id, label FROM labels'))
        self.assertEqual([(1, None), (2, 1)], self._rows(
            'SELECT id, parent_id FROM devices ORDER BY id'))
        from fleet import api
        fleet = api.connect(url=self.url, conf=self.conf)
        self.assertEqual(SECRET, fleet.variables.secret_value(
            self.ctx, 'blade', 'pw'))
        fleet.devices.delete(self.ctx, 'blade')
        fleet.devices.create(self.ctx, 'new', region='r1')
        self.assertNotIn((2,), self._rows(
            "SELECT id FROM devices WHERE name = 'new'"))

    def test_upgrade_without_key_stops_before_any_change(self):
        os.unlink(self.key_file)
        self.assertRaises(exception.SecretKeyError, db_engine.upgrade,
                          self.engine, keyring=crypto.Keyring(self.key_file))
        self.assertEqual('0001', db_engine.current_revision(self.engine))
        self.assertIn(('"%s"' % SECRET,), self._rows(
            'SELECT value FROM variables'))
        self.assertEqual([(2, 'gpu')],
                         self._rows('SELECT device_id, label FROM labels'))


class TestMigrationsSQLite(MigrationScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestMigrationsPostgreSQL(MigrationScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestMigrationsMariaDB(MigrationScenarios, base.FleetTestCase):
    backend = 'mysql'
