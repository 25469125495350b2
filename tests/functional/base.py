"""Functional tests: the public CLI against the local lab's real peers.

The lab (``python3 -m tools.lab up``) runs Ironic with simulated BMCs and
Nova with Placement and two fake-driver computes; ``lab.json`` in the lab
directory says where. A test that finds no lab fails with the command that
starts it: these tests never skip silently.
"""

import json
import os
import subprocess
import sys
import tempfile
import urllib.request

import fixtures
import testtools

LAB_DIR = os.environ.get('FLEET_LAB_DIR',
                         os.path.expanduser('~/.cache/fleet-lab'))
BIN = os.path.dirname(sys.executable)


def lab_info():
    path = os.path.join(LAB_DIR, 'lab.json')
    if not os.path.exists(path):
        raise AssertionError('no lab at %s; start it with: python3 -m '
                             'tools.lab up' % LAB_DIR)
    with open(path) as f:
        return json.load(f)


class LabTestCase(testtools.TestCase):
    """A fresh fleet database per test; the lab's clouds.yaml in the env."""

    #: Lab components this test needs (keys of lab.json).
    needs = ('ironic', 'nova')

    def setUp(self):
        super().setUp()
        self.lab = lab_info()
        for component in self.needs:
            if component not in self.lab:
                self.fail('the lab has no %s; run: python3 -m tools.lab up'
                          % component)
            endpoint = self.lab[component]['endpoint']
            try:
                urllib.request.urlopen(endpoint, timeout=5).close()
            except urllib.error.HTTPError:
                pass
            except OSError as exc:
                self.fail('lab %s at %s is down (%s); run: python3 -m '
                          'tools.lab up' % (component, endpoint, exc))
        self.work = tempfile.mkdtemp(prefix='fleet-functional-')
        self.addCleanup(lambda: subprocess.run(['rm', '-rf', self.work]))
        self.db_url = 'sqlite:///%s/fleet.sqlite' % self.work
        conf = os.path.join(self.work, 'fleet.conf')
        # Secrets (the BMC passwords Ironic gives) are encrypted with a key
        # of the test's own.
        from fleet.common import crypto
        self.key_file = os.path.join(self.work, 'secret.key')
        crypto.create_key_file(self.key_file)
        with open(conf, 'w') as f:
            f.write('[database]\nconnection = %s\n[secrets]\nkey_file = %s\n'
                    % (self.db_url, self.key_file))
        env = {'FLEET_CONFIG_FILE': conf, 'FLEET_ACTOR': 'functional',
               'OS_CLIENT_CONFIG_FILE': self.lab['clouds_yaml'],
               'OS_CLOUD': 'fleet-lab', 'XDG_STATE_HOME': self.work,
               'HOME': os.environ.get('HOME', '/root')}
        for key, value in env.items():
            self.useFixture(fixtures.EnvironmentVariable(key, value))
        self.conf_file = conf

    def run_cmd(self, argv, expect=0):
        proc = subprocess.run(argv, capture_output=True, text=True,
                              timeout=300)
        if expect is not None and proc.returncode != expect:
            self.fail('%s exited %d, expected %d\nstdout: %s\nstderr: %s'
                      % (' '.join(argv), proc.returncode, expect,
                         proc.stdout[-2000:], proc.stderr[-2000:]))
        return proc

    def fleet(self, *args, expect=0):
        """Run the standalone ``fleet`` command."""
        return self.run_cmd([os.path.join(BIN, 'fleet')] + list(args),
                            expect)

    def openstack(self, *args, expect=0):
        """Run ``openstack fleet ...`` through python-openstackclient."""
        return self.run_cmd([os.path.join(BIN, 'openstack')] + list(args),
                            expect)

    def fleet_json(self, *args):
        return json.loads(self.fleet(*(args + ('-f', 'json'))).stdout)

    def sdk(self):
        import openstack
        return openstack.connect(cloud='fleet-lab')

    def api(self):
        from fleet import api
        from fleet.conf import CONF
        CONF([], project='fleet', default_config_files=[])
        self.addCleanup(CONF.reset)
        CONF.set_override('key_file', self.key_file, group='secrets')
        self.addCleanup(CONF.clear_override, 'key_file', group='secrets')
        return api.connect(url=self.db_url, conf=CONF)

    def bmc_passwords(self):
        out = []
        for bmc in self.lab.get('bmcs', []):
            with open(bmc['password_file']) as f:
                out.append(f.read().strip())
        return [p for p in out if p]
