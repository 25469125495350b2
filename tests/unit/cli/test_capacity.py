"""fleet capacity report: bad input and unreachable services, no lab needed.

The report against the lab's real services is in
tests/functional/test_capacity.py.
"""

import os
import time

import fixtures

from tests.unit.cli import base
from tests.unit.plugins import test_prometheus_collector
from tests.unit import test_timeouts


def use_dead_cloud(test, directory, port=None):
    """Cloud ``dead`` in a clouds.yaml that ``test`` uses: every endpoint
    (Nova, Placement, Neutron, Cinder) refuses connections, or is ``port``.

    Returns the port.
    """
    port = port or test_prometheus_collector.closed_port()
    path = os.path.join(directory, 'clouds.yaml')
    with open(path, 'w') as f:
        f.write('clouds:\n  dead:\n    auth_type: none\n')
        for proxy in ('compute', 'placement', 'network', 'block_storage'):
            f.write('    %s_endpoint_override: http://127.0.0.1:%d/\n'
                    % (proxy, port))
    test.useFixture(fixtures.EnvironmentVariable('OS_CLIENT_CONFIG_FILE',
                                                 path))
    return port


class TestCapacityReportInput(base.CLITestCase):

    def use_dead_cloud(self, port=None):
        return use_dead_cloud(self, self.home, port)

    def test_bad_threshold_flag(self):
        res = self.fleet_cli('capacity', 'report', '--idle-after', '7x',
                             expect=1)
        self.assertEqual("--idle-after: not a duration: '7x'; use seconds "
                         "(3600) or a duration such as 90m, 12h, 7d, 2w, "
                         "1d12h\n", res.err)
        res = self.fleet_cli('capacity', 'report', '--available-after',
                             '-3', expect=1)
        self.assertIn('--available-after: a duration cannot be negative',
                      res.err)

    def test_bad_threshold_option(self):
        with open(self.config_file, 'a') as f:
            f.write('[capacity]\nidle_instance_after = a week\n')
        res = self.fleet_cli('capacity', 'report', expect=1)
        self.assertEqual(1, len(res.err.strip().splitlines()))
        self.assertIn("[capacity] idle_instance_after: not a duration: "
                      "'a week'", res.err)

    def test_unknown_kind(self):
        res = self.fleet_cli('capacity', 'report', '--kind', 'vm', expect=2)
        self.assertIn("invalid choice: 'vm'", res.err)

    def test_every_service_down_prints_each_section_unavailable(self):
        port = self.use_dead_cloud()
        res = self.fleet_cli('--os-cloud', 'dead', 'capacity', 'report',
                             '-f', 'json', expect=1)
        rows = res.json()
        self.assertEqual(['instance', 'hypervisor', 'headroom',
                          'floating_ip', 'port', 'volume'],
                         [r['Kind'] for r in rows])
        self.assertEqual({'unavailable'}, {r['Status'] for r in rows})
        for row in rows:
            self.assertIn('127.0.0.1:%d' % port, row['Detail'])
        self.assertNotIn('Traceback', res.err)
        self.assertTrue(res.err.startswith(
            'capacity report: unavailable: instance, hypervisor: Nova at '
            'http://127.0.0.1:%d/: listing hypervisors failed: ' % port),
            res.err)
        self.assertIn('; floating_ip, port: Neutron at', res.err)
        self.assertEqual(1, len(res.err.strip().splitlines()))
        self.assertEqual([], self.fleet_json('metric', 'list'))

    def test_no_cloud_configured(self):
        path = os.path.join(self.home, 'none.yaml')
        with open(path, 'w') as f:
            f.write('clouds: {}\n')
        self.useFixture(fixtures.EnvironmentVariable('OS_CLIENT_CONFIG_FILE',
                                                     path))
        res = self.fleet_cli('--os-cloud', 'missing', 'capacity', 'report',
                             '--kind', 'volume', '-f', 'value', '-c',
                             'Detail', expect=1)
        self.assertIn('no cloud connection', res.out)
        self.assertIn('missing', res.out)
        self.assertEqual(1, len(res.err.strip().splitlines()))

    def test_every_request_has_the_timeout(self):
        peer = self.useFixture(test_timeouts.SilentPeer())
        self.use_dead_cloud(peer.port)
        with open(self.config_file, 'a') as f:
            f.write('[capacity]\ntimeout = 0.5\n')
        start = time.monotonic()
        res = self.fleet_cli('--os-cloud', 'dead', 'capacity', 'report',
                             '-f', 'json', expect=1)
        self.assertLess(time.monotonic() - start, test_timeouts.DEADLINE)
        for row in res.json():
            self.assertEqual('unavailable', row['Status'])
            self.assertIn('no answer within 0.5 s', row['Detail'])
            self.assertIn('[capacity] timeout', row['Detail'])

    def test_keystone_refusing_is_not_called_a_timeout(self):
        port = test_prometheus_collector.closed_port()
        path = os.path.join(self.home, 'keystone.yaml')
        with open(path, 'w') as f:
            f.write('clouds:\n  ks:\n    auth:\n'
                    '      auth_url: http://127.0.0.1:%d/v3\n'
                    '      username: u\n      password: secret-pw\n'
                    '      project_name: p\n      user_domain_name: Default\n'
                    '      project_domain_name: Default\n' % port)
        self.useFixture(fixtures.EnvironmentVariable('OS_CLIENT_CONFIG_FILE',
                                                     path))
        res = self.fleet_cli('--os-cloud', 'ks', 'capacity', 'report',
                             '--kind', 'port', '-f', 'value', '-c', 'Detail',
                             expect=1)
        self.assertIn('Keystone (for Neutron) at http://127.0.0.1:%d'
                      % port, res.out)
        self.assertIn('reading the service catalogue failed: ConnectFailure',
                      res.out)
        self.assertNotIn('no answer within', res.out)
        self.assertNotIn('secret-pw', res.out + res.err)
