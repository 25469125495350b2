"""``-f shell`` output is safe to ``eval`` even for values that got in
before validation (written here with SQL, past the service layer)."""

import os
import subprocess

import fixtures
import sqlalchemy as sa

from fleet.db import models
from tests.unit.cli import base

#: Values that run code when cliff's shell formatter prints them.
HOSTILE = {
    'serial': '$(touch pwned-serial)',
    'asset_tag': '`touch pwned-tag`"; touch pwned-quote; "',
    'mgmt_address': "x'\"$(touch pwned-addr)\\\n; touch pwned-nl",
}


class ShellEvalCase:
    """Mixed with a backend's CLITestCase."""

    def setUp(self):
        super().setUp()
        self.api = self.make_place()
        self.api.devices.create(self.ctx, 'node-1', region='RegionOne')
        with self.api.engine.begin() as conn:
            conn.execute(sa.update(models.Device).where(
                models.Device.name == 'node-1').values(**HOSTILE))
        self.api.regions.update(self.ctx, 'RegionOne',
                                description='$(touch pwned-region)')

    def eval_in_bash(self, output, names):
        """``eval`` ``output`` in bash in an empty directory; the values."""
        work = self.useFixture(fixtures.TempDir()).path
        script = 'eval "$FLEET_OUT"\n' + ''.join(
            'printf "%%s\\0" "$%s"\n' % n for n in names)
        proc = subprocess.run(
            ['/bin/bash', '-c', script], cwd=work, capture_output=True,
            env={'PATH': '/usr/bin:/bin', 'FLEET_OUT': output}, timeout=30)
        self.assertEqual(0, proc.returncode, proc)
        self.assertEqual([], os.listdir(work))
        return proc.stdout.decode('utf-8').split('\0')[:-1]

    def test_device_show(self):
        out = self.fleet_cli('device', 'show', 'node-1', '-f', 'shell').out
        got = self.eval_in_bash(out, ['serial', 'asset_tag',
                                      'mgmt_address', 'name'])
        self.assertEqual([HOSTILE['serial'], HOSTILE['asset_tag'],
                          HOSTILE['mgmt_address'], 'node-1'], got)

    def test_under_openstackclient(self):
        out = self.script('openstack', 'fleet', 'device', 'show', 'node-1',
                          '-f', 'shell').out
        self.assertEqual([HOSTILE['serial'], HOSTILE['mgmt_address']],
                         self.eval_in_bash(out, ['serial', 'mgmt_address']))

    def test_prefix_and_selected_columns(self):
        out = self.fleet_cli('device', 'show', 'node-1', '-f', 'shell',
                             '--prefix', 'dev_', '-c', 'serial').out
        self.assertEqual([HOSTILE['serial']],
                         self.eval_in_bash(out, ['dev_serial']))
        self.assertEqual(1, len(out.splitlines()))

    def test_region_show(self):
        out = self.fleet_cli('region', 'show', 'RegionOne', '-f',
                             'shell').out
        self.assertEqual(['$(touch pwned-region)', 'RegionOne'],
                         self.eval_in_bash(out, ['description', 'name']))


class TestShellEvalSQLite(ShellEvalCase, base.CLITestCase):
    backend = 'sqlite'


class TestShellEvalPostgreSQL(ShellEvalCase, base.CLITestCase):
    backend = 'postgresql'


class TestShellEvalMariaDB(ShellEvalCase, base.CLITestCase):
    backend = 'mysql'
