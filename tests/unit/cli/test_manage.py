"""fleet-manage db upgrade|version."""

import io
import os
import stat

from fleet.cli import manage
from fleet.db import engine as db_engine
from tests.unit.cli import base


class TestManage(base.CLITestCase):

    def run_manage(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = manage.main(['--config-file', self.config_file] + list(argv),
                           stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    def test_upgrade_and_version_on_empty_database(self):
        url = 'sqlite:///' + os.path.join(self.home, 'new.sqlite')
        with open(self.config_file, 'w') as f:
            f.write('[database]\nconnection = %s\n' % url)
        self.conf.clear_override('connection', group='database')
        self.assertEqual((0, 'empty (run: fleet-manage db upgrade)\n', ''),
                         self.run_manage('db', 'version'))
        head = db_engine.HEAD_REVISION
        self.assertEqual((0, 'Database upgraded from empty to %s.\n' % head,
                          ''),
                         self.run_manage('db', 'upgrade'))
        self.assertEqual((0, 'Database already at revision %s.\n' % head,
                          ''),
                         self.run_manage('db', 'upgrade'))
        self.assertEqual((0, head + '\n', ''),
                         self.run_manage('db', 'version'))

    def test_missing_config_file(self):
        out_io, err_io = io.StringIO(), io.StringIO()
        code = manage.main(['--config-file', '/nonexistent.conf', 'db',
                            'version'], stdout=out_io, stderr=err_io)
        self.assertEqual(1, code)
        self.assertEqual('fleet-manage: Configuration file /nonexistent.conf '
                         'not found; check --config-file or '
                         'FLEET_CONFIG_FILE.\n', err_io.getvalue())


class TestSecretKey(base.CLITestCase):
    """fleet-manage secret-key create|rotate."""

    def setUp(self):
        super().setUp()
        self.new_key = os.path.join(self.home, 'keys', 'secret.key')
        with open(self.config_file, 'a') as f:
            f.write('[secrets]\nkey_file = %s\n' % self.new_key)
        self.conf.clear_override('key_file', group='secrets')

    def run_manage(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = manage.main(['--config-file', self.config_file] + list(argv),
                           stdout=out, stderr=err)
        return code, out.getvalue(), err.getvalue()

    def test_create_private_and_never_replaced(self):
        code, out, err = self.run_manage('secret-key', 'create')
        self.assertEqual((0, ''), (code, err))
        self.assertIn('Created secret key file %s (mode 0600)' % self.new_key,
                      out)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.new_key).st_mode))
        self.assertEqual(0o700, stat.S_IMODE(os.stat(
            os.path.dirname(self.new_key)).st_mode))
        with open(self.new_key) as f:
            before = f.read()
        code, out, err = self.run_manage('secret-key', 'create')
        self.assertEqual(1, code)
        self.assertEqual('fleet-manage: secret key file %s exists already; '
                         'it is kept (rotate it instead). Run: fleet-manage '
                         'secret-key rotate.\n' % self.new_key, err)
        with open(self.new_key) as f:
            self.assertEqual(before, f.read())

    def test_rotate_reencrypts_every_row_and_keeps_old_keys(self):
        from fleet.common import crypto
        self.run_manage('secret-key', 'create')
        (old_key,) = crypto.read_keys(self.new_key)
        fleet = self.make_place()
        fleet.devices.create(self.ctx, 'node-1', region='RegionOne')
        fleet.variables.set(self.ctx, 'device', 'node-1',
                            {'pw': 'S3cret-1'}, secret=True)
        fleet.variables.set(self.ctx, 'region', 'RegionOne',
                            {'pw2': 'S3cret-2'}, secret=True)
        code, out, err = self.run_manage('secret-key', 'rotate')
        self.assertEqual((0, ''), (code, err))
        self.assertEqual('Rotated %s: a new primary key, 2 secret value(s) '
                         're-encrypted with it; 1 older key(s) kept to '
                         'decrypt.\n' % self.new_key, out)
        keys = crypto.read_keys(self.new_key)
        self.assertEqual([old_key], keys[1:])
        self.assertEqual(0o600, stat.S_IMODE(os.stat(self.new_key).st_mode))
        # Only the new primary key is needed to read every row now.
        only_new = os.path.join(self.home, 'only-new.key')
        crypto.write_keys(only_new, keys[:1])
        self.conf.set_override('key_file', only_new, group='secrets')
        fleet = self.fleet()
        self.assertEqual('S3cret-1', fleet.variables.secret_value(
            self.ctx, 'node-1', 'pw'))
        self.assertEqual({'node-1': {'pw': 'S3cret-1', 'pw2': 'S3cret-2'}},
                         fleet.exporter.resolved_all(self.ctx,
                                                     include_secrets=True))

    def test_rotate_without_key_file_is_one_line(self):
        code, out, err = self.run_manage('secret-key', 'rotate')
        self.assertEqual(1, code)
        self.assertEqual('fleet-manage: no secret key file at %s. Run: '
                         'fleet-manage secret-key create.\n' % self.new_key,
                         err)


class TestMigrationHead(base.CLITestCase):

    def test_head_revision_is_the_migrations_single_head(self):
        from alembic import script

        scripts = script.ScriptDirectory.from_config(
            db_engine._alembic_config(None))
        self.assertEqual([db_engine.HEAD_REVISION], scripts.get_heads())
