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
            f.write('[database]\nconnection = %s\n[secrets]\nkey_file = %s\n'
                    % (self.db_url, self.key_file))
        #: (argv, stdout, stderr) of every command the test ran.
        self.outputs = []
        # Runs before the database is disposed of (cleanups are LIFO).
        self.addCleanup(self.assert_no_secret_leaked)

    # -- no secret in anything the suite produced -----------------------------
    def secret_values(self):
        """Plain values of every secret the test stored or typed."""
        import sqlalchemy as sa

        from fleet.db import models

        found = set()
        for argv, _out, _err in self.outputs:
            if '--secret' in argv:
                found.update(a.split('=', 1)[1] for a in argv
                             if '=' in a and not a.startswith('-'))
        with self.fleet().reading() as s:
            for value in s.scalars(sa.select(models.Variable.value).where(
                    models.Variable.secret.is_(True))):
                found.add(self.plain_secret(value))
        return {v for v in found if isinstance(v, str) and len(v) >= 4}

    def plain_secret(self, stored):
        """A stored secret value as plain text (decrypted, decoded)."""
        from fleet.common import crypto

        return json.loads(crypto.Keyring(
            self.conf.secrets.key_file).decrypt(stored))

    def assert_no_secret_leaked(self):
        """No secret in output (unless asked), the change log or logs."""
        import sqlalchemy as sa

        from fleet.db import models

        secrets = self.secret_values()
        if not secrets:
            return
        texts = [(' '.join(argv), out + err)
                 for argv, out, err in self.outputs
                 if '--include-secrets' not in argv]
        with self.fleet().reading() as s:
            texts.append(('change log', json.dumps(
                [list(r) for r in s.execute(sa.select(models.Change))],
                default=str)))
        for root, _dirs, files in os.walk(self.state_dir):
            for name in files:
                if name.endswith('.log'):
                    with open(os.path.join(root, name), errors='replace') as f:
                        texts.append((name, f.read()))
        for where, text in texts:
            for secret in secrets:
                self.assertNotIn(secret, text,
                                 'a secret value leaked into %s' % where)

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
        self.outputs.append((list(argv), result.out, result.err))
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
        self.outputs.append((list(argv), result.out, result.err))
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
