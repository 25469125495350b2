"""OSC imports every plugin module on every ``openstack`` call: the fleet
plugin and command modules must not drag in heavy libraries."""

import subprocess
import sys

import testtools

from tests.unit.cli import base

HEAVY = ('sqlalchemy', 'openstack', 'alembic', 'oslo_config', 'keystoneauth1',
         'fleet.api', 'fleet.db')
MODULES = ('fleet.cli.osc.plugin', 'fleet.cli.shell', 'fleet.cli.common',
           'fleet.cli.v1.cloud', 'fleet.cli.v1.region', 'fleet.cli.v1.cell',
           'fleet.cli.v1.rack', 'fleet.cli.v1.device', 'fleet.cli.v1.label',
           'fleet.cli.v1.var', 'fleet.cli.v1.inventory',
           'fleet.cli.v1.change')

SCRIPT = '''
import sys
for name in %(modules)r:
    __import__(name)
heavy = sorted(m for m in sys.modules
               if any(m == h or m.startswith(h + '.') for h in %(heavy)r))
print(' '.join(heavy))
'''


class TestImportLightness(testtools.TestCase):

    def test_command_modules_import_nothing_heavy(self):
        proc = subprocess.run(
            [sys.executable, '-c', SCRIPT % {'modules': MODULES,
                                             'heavy': HEAVY}],
            capture_output=True, text=True, timeout=60)
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual('', proc.stdout.strip())


#: What ``fleet device list`` must not import: the schema migrator (only to
#: migrate), oslo.log's machinery (only with a log destination), the other
#: command modules (only the command run is loaded), openstacksdk.
NOT_FOR_A_LIST = ('alembic', 'oslo_log.log', 'openstack', 'keystoneauth1',
                  'fleet.cli.v1.var', 'fleet.cli.v1.inventory',
                  'fleet.cli.v1.change', 'fleet.cli.v1.cloud',
                  'fleet.cli.v1.label', 'osc_lib.utils')

RUN = '''
import io, sys
from fleet.cli import shell
out = io.StringIO()
code = shell.main(['--config-file', %(conf)r, 'device', 'list'], stdout=out)
assert code == 0, code
loaded = sorted(m for m in sys.modules
                if any(m == n or m.startswith(n + '.') for n in %(names)r))
print(' '.join(loaded))
'''


class TestCommandImports(base.CLITestCase):
    """A command run imports what it needs, not what other commands do."""

    def test_device_list_imports_only_what_it_needs(self):
        self.make_place()
        self.fleet().devices.create(self.ctx, 'node-1')
        proc = subprocess.run(
            [sys.executable, '-c', RUN % {'conf': self.config_file,
                                          'names': NOT_FOR_A_LIST}],
            capture_output=True, text=True, timeout=60,
            env={'HOME': self.home, 'PATH': '/usr/bin:/bin'})
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertEqual('', proc.stdout.strip())

    def test_configuration_without_oslo_log_machinery(self):
        proc = subprocess.run(
            [sys.executable, '-c', 'import sys, fleet.conf; '
             'print("oslo_log.log" in sys.modules)'],
            capture_output=True, text=True, timeout=60)
        self.assertEqual('False', proc.stdout.strip(), proc.stderr)
