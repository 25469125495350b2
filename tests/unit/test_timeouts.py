"""Every peer has a timeout: a peer that accepts and never answers.

A local TCP listener on 127.0.0.1 accepts connections and never sends a
byte. The ironic and nova sources (through a clouds.yaml) and the database
(through ``[database] connection``) are pointed at it; the CLI must give up
within a few seconds with one line naming the peer, the URL and the
timeout, and write nothing.
"""

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

import fixtures
import sqlalchemy as sa
import testtools

from fleet.common import exception
from tests import base

BIN = os.path.dirname(sys.executable)
#: The timeouts configured in these tests (sources: per request; version
#: discovery may try a few URLs), and the most a run may take.
TIMEOUT = 2
SOURCE_TIMEOUT = 0.5
DEADLINE = 20


class SilentPeer(fixtures.Fixture):
    """A TCP listener on 127.0.0.1 that accepts and never answers."""

    def _setUp(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self._stop = False
        thread = threading.Thread(target=self._serve, daemon=True)
        thread.start()
        self.addCleanup(self._close)

    def _serve(self):
        while not self._stop:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # held open, never read or written

    def _close(self):
        self._stop = True
        self.sock.close()
        for conn in self.accepted:
            conn.close()


class TestSilentPeers(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.peer = self.useFixture(SilentPeer())
        self.work = self.useFixture(fixtures.TempDir()).path
        self.db_path = os.path.join(self.work, 'fleet.sqlite')
        self.url = 'http://127.0.0.1:%d' % self.peer.port
        clouds = os.path.join(self.work, 'clouds.yaml')
        with open(clouds, 'w') as f:
            f.write(
                'clouds:\n'
                '  silent-endpoint:\n'
                '    auth_type: none\n'
                '    region_name: RegionOne\n'
                '    baremetal_endpoint_override: %(url)s/\n'
                '    compute_endpoint_override: %(url)s/v2.1/\n'
                '  silent-keystone:\n'
                '    auth_type: password\n'
                '    region_name: RegionOne\n'
                '    auth:\n'
                '      auth_url: %(url)s/identity/v3\n'
                '      username: admin\n'
                '      password: n0t-in-any-output\n'
                '      project_name: admin\n'
                '      user_domain_name: Default\n'
                '      project_domain_name: Default\n'
                % {'url': self.url})
        self.env = dict(os.environ, HOME=self.work,
                        XDG_STATE_HOME=self.work,
                        OS_CLIENT_CONFIG_FILE=clouds, FLEET_ACTOR='tester')
        for var in ('FLEET_CONFIG_FILE', 'OS_CLOUD'):
            self.env.pop(var, None)

    def conf(self, text):
        path = os.path.join(self.work, 'fleet.conf')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def run_fleet(self, conf, *argv):
        """Run the CLI; fail (not hang) if it outlives DEADLINE."""
        start = time.monotonic()
        try:
            proc = subprocess.run(
                [os.path.join(BIN, 'fleet'), '--config-file', conf] +
                list(argv), capture_output=True, text=True, env=self.env,
                timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.fail('fleet %s still running after %d s: no timeout'
                      % (' '.join(argv), DEADLINE))
        return proc, time.monotonic() - start

    def assert_one_line(self, proc, *parts):
        """One error line naming ``parts``; nothing else but progress."""
        self.assertNotEqual(0, proc.returncode)
        lines = [ln for ln in proc.stderr.splitlines()
                 if ln.strip() and not ln.startswith('collecting from ')]
        self.assertEqual(1, len(lines), proc.stderr)
        for part in parts:
            self.assertIn(part, lines[0])
        self.assertNotIn('n0t-in-any-output', proc.stderr + proc.stdout)
        self.assertNotIn('s3cret', proc.stderr + proc.stdout)
        return lines[0]

    def assert_nothing_written(self):
        conn = sqlite3.connect(self.db_path)
        try:
            for table in ('devices', 'changes', 'regions', 'clouds'):
                count = conn.execute('SELECT COUNT(*) FROM %s'
                                     % table).fetchone()[0]
                self.assertEqual(0, count, table)
        finally:
            conn.close()

    def source_conf(self, source):
        return self.conf(
            '[database]\nconnection = sqlite:///%s\n'
            '[inventory_sources.%s]\ntimeout = %g\n'
            % (self.db_path, source, SOURCE_TIMEOUT))

    def _sync(self, source, cloud, service):
        proc, elapsed = self.run_fleet(
            self.source_conf(source), '--os-cloud', cloud, 'inventory',
            'sync', source)
        line = self.assert_one_line(
            proc, source, service, '127.0.0.1:%d' % self.peer.port,
            'no answer within %g s' % SOURCE_TIMEOUT,
            '[inventory_sources.%s] timeout' % source)
        self.assertLess(elapsed, DEADLINE / 2, line)
        self.assertEqual(0, len(proc.stdout.strip()), proc.stdout)
        self.assert_nothing_written()

    def test_ironic_endpoint_never_answers(self):
        self._sync('ironic', 'silent-endpoint', 'Ironic')

    def test_nova_endpoint_never_answers(self):
        self._sync('nova', 'silent-endpoint', 'Nova')

    def test_ironic_keystone_never_answers(self):
        self._sync('ironic', 'silent-keystone', 'Ironic')

    def test_nova_keystone_never_answers(self):
        self._sync('nova', 'silent-keystone', 'Nova')

    def _database(self, scheme):
        url = '%s://fleet:s3cret@127.0.0.1:%d/fleet' % (scheme,
                                                        self.peer.port)
        conf = self.conf('[database]\nconnection = %s\nconnect_timeout = %d\n'
                         % (url, TIMEOUT))
        proc, elapsed = self.run_fleet(conf, 'device', 'list')
        line = self.assert_one_line(
            proc, 'fleet:***@127.0.0.1:%d/fleet' % self.peer.port,
            'no answer within %d s' % TIMEOUT, '[database] connect_timeout')
        self.assertLess(elapsed, DEADLINE / 2, line)

    def test_postgresql_never_answers(self):
        self._database('postgresql+psycopg2')

    def test_mysql_never_answers(self):
        self._database('mysql+pymysql')


class TestMySQLStatementTimeout(base.FleetTestCase):
    """On MySQL/MariaDB a statement waits at most [database] read_timeout.

    The server's greeting is read within connect_timeout; after that the
    longer read_timeout applies to each statement.
    """

    backend = 'mysql'

    def engine(self, connect_timeout, read_timeout):
        from fleet.db import engine as db_engine
        self.conf.set_override('connect_timeout', connect_timeout,
                               group='database')
        self.conf.set_override('read_timeout', read_timeout,
                               group='database')
        return db_engine.get_engine(self.db_url, self.conf.database)

    def test_statement_longer_than_connect_timeout(self):
        with self.engine(1, 10).connect() as conn:
            self.assertEqual(0, conn.execute(
                sa.text('SELECT SLEEP(2)')).scalar())

    def test_statement_longer_than_read_timeout(self):
        start = time.monotonic()
        with self.engine(1, 1).connect() as conn:
            exc = self.assertRaises(exception.DatabaseUnavailable,
                                    conn.execute, sa.text('SELECT SLEEP(5)'))
        self.assertIn('no answer within 1 s ([database] read_timeout)',
                      str(exc))
        self.assertLess(time.monotonic() - start, 4)
