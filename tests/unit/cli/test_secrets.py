"""Secrets never leak: database errors, input, history, on every backend.

Each scenario runs through the CLI on SQLite, PostgreSQL and MariaDB and
scans everything it produced (stdout, stderr, the log file) for the
secret's plain value.
"""

import logging
import os
import threading

from tests.unit.cli import base

SECRET = 'Hunter2-Pl41n-V4lue'


class SecretScenarios:
    """Mixed into a CLITestCase per backend."""

    def setUp(self):
        super().setUp()
        self.log_file = os.path.join(self.home, 'fleet.log')
        with open(self.config_file, 'w') as f:
            f.write('[DEFAULT]\nlog_file = %s\n\n[database]\n'
                    'connection = %s\n' % (self.log_file, self.db_url))
        self.api = self.make_place()
        self.produced = []
        self.addCleanup(self._drop_log_handlers)

    def _drop_log_handlers(self):
        """oslo.log's file handler must not outlive the test's files."""
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, 'baseFilename', None) == self.log_file:
                root.removeHandler(handler)
                handler.close()

    def cli(self, *argv, expect=0):
        res = self.fleet_cli(*argv, expect=expect)
        self.produced.append(res.out + res.err)
        return res

    def assert_no_leak(self, secret=SECRET):
        produced = '\n'.join(self.produced)
        if os.path.exists(self.log_file):
            with open(self.log_file) as f:
                produced += f.read()
        self.assertNotIn(secret, produced)
        for word in ('[parameters:', '[SQL:', 'sqlalche.me', 'Traceback'):
            self.assertNotIn(word, produced)

    def error(self, res):
        """The one error line: on stderr, or in the log file.

        (Whether the console gets it too with a log file is another
        test's business.)
        """
        text = res.err.replace('collecting from static\n', '')
        text = '\n'.join(
            line for line in text.splitlines()
            if not line.startswith(('comparing ', 'adding ')))
        if not text.strip() and os.path.exists(self.log_file):
            with open(self.log_file) as f:
                logged = f.read()
            text = logged.split(' ERROR fleet.cli [-] ')[-1]
        lines = text.strip().splitlines()
        self.assertEqual(1, len(lines), text)
        return lines[0]

    def write_assets(self, text):
        path = os.path.join(self.home, 'assets.yaml')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_same_key_in_vars_and_secrets_is_input_error(self):
        path = self.write_assets(
            'devices:\n'
            '  - {name: node-1, region: RegionOne,\n'
            '     vars: {bmc_pw: plain}, secrets: {bmc_pw: %s}}\n' % SECRET)
        res = self.cli('inventory', 'sync', 'static', '--file', path,
                       expect=1)
        line = self.error(res)
        self.assertIn('bmc_pw', line)
        self.assertIn('both', line)
        self.assertEqual([], self.api.devices.list(self.ctx))
        self.assert_no_leak()

    def test_same_key_in_level_vars_and_secrets_is_input_error(self):
        path = self.write_assets(
            'devices:\n  - {name: node-1, region: RegionOne}\n'
            'vars:\n'
            '  - {scope: region, name: RegionOne, vars: {pw: a},\n'
            '     secrets: {pw: %s}}\n' % SECRET)
        res = self.cli('inventory', 'sync', 'static', '--file', path,
                       expect=1)
        line = self.error(res)
        self.assertIn('vars.pw', line)
        self.assertIn('both', line)
        self.assertEqual([], self.api.devices.list(self.ctx))
        self.assert_no_leak()

    def test_database_conflict_is_one_line_without_values(self):
        """A unique-key race, forced: the error names what conflicted."""
        if self.backend != 'postgresql':
            # var set locks what it compares (fleet.db.locks): SQLite's
            # writer lock and InnoDB's gap lock make the racing sync wait,
            # so the clash can only be forced on PostgreSQL.
            self.skipTest('the race cannot happen on this backend')
        from fleet.api import store
        self.cli('device', 'create', 'node-1', '--region', 'RegionOne')
        # The racing sync runs in this process: its own INFO line is not
        # the command's output.
        sync_log = logging.getLogger('fleet.api.sync')
        self.addCleanup(sync_log.setLevel, sync_log.level)
        sync_log.setLevel(logging.WARNING)
        real_record = store.Txn.record
        fleet = self.fleet()

        def racing_record(this, *args, **kwargs):
            # Another writer inserts the same key first, and commits.
            if not getattr(racing_record, 'done', False):
                racing_record.done = True
                done = threading.Event()

                def other():
                    # A sync (var set of one object waits for another, so
                    # it cannot race this one).
                    from fleet.plugins.sources import base as sources
                    record = sources.DeviceRecord(
                        name='node-1',
                        secrets={'bmc_pw': 'Racing-0th3r-V4lue'})
                    fleet.sync.apply(self.ctx, 'api', sources.Snapshot(
                        complete=False, devices=[record]),
                        region='RegionOne')
                    done.set()
                threading.Thread(target=other).start()
                done.wait(30)
            return real_record(this, *args, **kwargs)

        self.useFixture(base.fixtures.MockPatchObject(
            store.Txn, 'record', racing_record))
        res = self.cli('var', 'set', 'node-1', '--secret',
                       'bmc_pw=%s' % SECRET, expect=1)
        line = self.error(res)
        self.assertIn('conflict', line.lower())
        self.assertIn('variable', line)
        self.assertIn('again', line)
        self.assert_no_leak()
        # With --debug: a traceback, but of the translated error only.
        self.api.variables.unset(self.ctx, 'device', 'node-1', ['bmc_pw'])
        racing_record.done = False
        res = self.fleet_cli('--debug', 'var', 'set', 'node-1', '--secret',
                             'bmc_pw=%s' % SECRET, expect=1)
        debug = res.out + res.err
        with open(self.log_file) as f:
            debug += f.read()
        self.assertIn('Traceback', debug)
        self.assertIn('Database conflict', debug)
        for word in (SECRET, '[parameters:', 'IntegrityError', 'INSERT'):
            self.assertNotIn(word, debug)

    def test_over_long_values_are_one_line_errors(self):
        self.cli('device', 'create', 'node-1', '--region', 'RegionOne')
        long_secret = SECRET + 'x' * 70000
        res = self.cli('var', 'set', 'node-1', '--secret',
                       'pw=%s' % long_secret, expect=1)
        self.assertIn('vars', self.error(res))
        self.assert_no_leak(long_secret[:40])
        # A raw DataError (a column's length) where validation lets it by.
        res = self.cli('device', 'create', 'node-2', '--region',
                       'RegionOne', '--serial', 'S' * 300, expect=None)
        if res.code:
            self.assertIn('serial', self.error(res))
        self.assert_no_leak()

    def test_database_unavailable_names_url_without_password(self):
        with open(self.config_file, 'w') as f:
            f.write('[DEFAULT]\nlog_file = %s\n[database]\nconnection = '
                    'postgresql+psycopg2://fleet:%s@127.0.0.1:9/fleet\n'
                    % (self.log_file, SECRET))
        self.conf.clear_override('connection', group='database')
        res = self.cli('device', 'list', expect=1)
        line = self.error(res)
        self.assertIn('could not be reached', line)
        self.assertIn('127.0.0.1:9/fleet', line)
        self.assert_no_leak()


class TestSecretsSQLite(SecretScenarios, base.CLITestCase):
    backend = 'sqlite'


class TestSecretsPostgreSQL(SecretScenarios, base.CLITestCase):
    backend = 'postgresql'


class TestSecretsMariaDB(SecretScenarios, base.CLITestCase):
    backend = 'mysql'
