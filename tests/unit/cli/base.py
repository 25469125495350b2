"""Run fleet commands through their public surface in tests."""

import contextlib
import io
import json
import os
import subprocess
import sys

import fixtures

from tests import base

BIN = os.path.dirname(sys.executable)


class Result:
    def __init__(self, code, out, err):
        self.code, self.out, self.err = code, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return 'Result(code=%r, out=%r, err=%r)' % (
            self.code, self.out, self.err)


class CLITestCase(base.FleetTestCase):
    """A FleetTestCase whose commands run through ``fleet.cli.shell.main``.

    A configuration file pointing at the test database is passed with
    ``--config-file``; HOME is a temporary directory so that no operator
    configuration (fleet.conf, clouds.yaml) leaks in.
    """

    def setUp(self):
        super().setUp()
        self.home = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.home))
        for var in ('FLEET_CONFIG_FILE', 'FLEET_ACTOR', 'OS_CLOUD'):
            self.useFixture(fixtures.EnvironmentVariable(var))
        self.config_file = os.path.join(self.home, 'fleet.conf')
        with open(self.config_file, 'w') as f:
            f.write('[database]\nconnection = %s\n' % self.db_url)

    def fleet_cli(self, *argv, expect=0, actor='tester'):
        """Run ``fleet ARGV`` in-process; assert the exit code."""
        from fleet.cli import shell

        out, err = io.StringIO(), io.StringIO()
        full = ['--config-file', self.config_file]
        if actor:
            full += ['--actor', actor]
        full += list(argv)
        try:
            # argparse writes its usage errors to sys.stderr.
            with contextlib.redirect_stderr(err):
                code = shell.main(full, stdout=out, stderr=err)
        except SystemExit as exc:  # argparse errors and --help
            code = exc.code or 0
        result = Result(code, out.getvalue(), err.getvalue())
        if expect is not None:
            self.assertEqual(expect, code, result)
        return result

    def fleet_json(self, *argv):
        return self.fleet_cli(*(argv + ('-f', 'json'))).json()

    def script(self, name, *argv, expect=0, env=None):
        """Run the installed console script ``name`` in a subprocess."""
        run_env = {'PATH': BIN + os.pathsep + '/usr/bin:/bin',
                   'HOME': self.home, 'LANG': 'C.UTF-8',
                   'FLEET_CONFIG_FILE': self.config_file}
        run_env.update(env or {})
        proc = subprocess.run([os.path.join(BIN, name)] + list(argv),
                              capture_output=True, text=True, env=run_env,
                              timeout=60)
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if expect is not None:
            self.assertEqual(expect, proc.returncode, result)
        return result

    # -- fixtures in the database ---------------------------------------------
    def make_place(self, cloud='c1', region='RegionOne', cell=None,
                   rack=None):
        """Create a cloud and region (and a cell, rack) via the API."""
        fleet = self.fleet()
        fleet.clouds.create(self.ctx, cloud)
        fleet.regions.create(self.ctx, region, cloud=cloud)
        if cell:
            fleet.cells.create(self.ctx, cell, region=region, cloud=cloud)
        if rack:
            fleet.racks.create(self.ctx, rack, region=region,
                               cell=cell, cloud=cloud)
        return fleet
