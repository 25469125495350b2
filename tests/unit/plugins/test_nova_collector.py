"""The ``nova`` collector when Nova is down or never answers.

Readings against the lab's real Nova and Placement are tested in
``tests/functional/test_nova_collector.py``. Here the cloud is a closed port
or a listener that never answers: one SourceUnavailable line naming the
collector, Nova's URL and (for the silent one) the timeout option.
"""

import os
import time

import fixtures

from fleet.common import exception
from fleet.plugins import loader
from tests import base
from tests.unit.plugins import test_prometheus_collector
from tests.unit import test_timeouts


class TestNovaUnavailable(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('enabled_collectors', ['nova'],
                               group='collectors')
        self.devices = [{'id': 1, 'name': 'lab-compute-1', 'uuid': None,
                         'mgmt_address': None, 'variables': {}}]

    def collector(self, url, timeout=None):
        work = self.useFixture(fixtures.TempDir()).path
        clouds = os.path.join(work, 'clouds.yaml')
        with open(clouds, 'w') as f:
            f.write('clouds:\n  dead:\n    auth_type: none\n'
                    '    compute_endpoint_override: %s/v2.1/\n'
                    '    placement_endpoint_override: %s/placement\n'
                    % (url, url))
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', clouds))

        def connect():
            import openstack
            return openstack.connect(cloud='dead')

        plugin = loader.load('collectors', 'nova', self.conf,
                             params={'connection_factory': connect})
        if timeout:
            self.conf.set_override('timeout', timeout,
                                   group='collectors.nova')
        return plugin

    def test_nova_down_is_one_error(self):
        port = test_prometheus_collector.closed_port()
        plugin = self.collector('http://127.0.0.1:%d' % port)
        exc = self.assertRaises(exception.SourceUnavailable, plugin.collect,
                                self.devices)
        message = str(exc)
        self.assertTrue(message.startswith(
            'Collector nova could not reach Nova at http://127.0.0.1:%d'
            % port), message)
        self.assertEqual(1, len(message.splitlines()))

    def test_silent_nova_times_out(self):
        peer = self.useFixture(test_timeouts.SilentPeer())
        plugin = self.collector('http://127.0.0.1:%d' % peer.port,
                                timeout=0.5)
        start = time.monotonic()
        exc = self.assertRaises(exception.SourceUnavailable, plugin.collect,
                                self.devices)
        self.assertLess(time.monotonic() - start,
                        test_timeouts.DEADLINE)
        message = str(exc)
        self.assertIn('Collector nova could not reach Nova at '
                      'http://127.0.0.1:%d' % peer.port, message)
        self.assertIn('no answer within 0.5 s', message)
        self.assertIn('[collectors.nova] timeout', message)
