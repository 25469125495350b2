"""OSC imports every plugin module on every ``openstack`` call: the fleet
plugin and command modules must not drag in heavy libraries."""

import subprocess
import sys

import testtools

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
