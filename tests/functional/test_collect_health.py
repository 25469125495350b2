"""fleet collect and health through the CLI against the lab.

The inventory comes from the lab's Ironic (BMC addresses and passwords as
the ironic source records them); ``fleet collect`` reads the real simulated
BMCs over IPMI; ``openstack fleet health -f json`` must name the overheated
BMC's device critical, and the wrong-password and frozen BMCs unknown with
their reasons, without any BMC password in what the commands printed.
"""

import json
import time

from tests.functional import base
from tools.lab import bmc


class TestCollectAndHealth(base.LabTestCase):

    needs = ('ironic',)

    def setUp(self):
        super().setUp()
        with open(self.conf_file, 'a') as f:
            f.write('\n[collectors]\nenabled_collectors = ipmi\n'
                    '\n[collectors.ipmi]\ntimeout = 3\n')
        self.fleet('inventory', 'sync', 'ironic')
        bmc.clear_sel('lab-hot-1')
        bmc.set_sensor('lab-hot-1', 'CPU Temp', 99)
        self.addCleanup(self._cool_down)

    @staticmethod
    def _cool_down():
        """Leave the shared hot BMC as the next test expects it."""
        bmc.reset_sensors('lab-hot-1')
        time.sleep(2.5)     # the BMC's 2 s sensor-file poll settles
        bmc.clear_sel('lab-hot-1')

    def test_overheated_bmc_is_critical_and_faults_are_unknown(self):
        collect = self.fleet('collect', '-f', 'json')
        rows = {r['Collector']: r for r in json.loads(collect.stdout)}
        ipmi = rows['ipmi']
        self.assertIsNone(ipmi['Error'])
        failures = ipmi['Failures']
        self.assertIn('authentication refused', failures['lab-badpass-1'])
        self.assertIn('timeout', failures['lab-frozen-1'])
        self.assertGreaterEqual(ipmi['Read'], 4)

        health = self.openstack('fleet', 'health', '-f', 'json')
        region = json.loads(health.stdout)[0]
        self.assertEqual('critical', region['Status'])
        worst = region['Worst devices'][0]
        self.assertEqual(('lab-hot-1', 'critical'),
                         (worst['device'], worst['status']))
        self.assertIn('temperature.cpu_temp', worst['readings'])

        hot = json.loads(self.fleet('metric', 'list', '--device',
                                    'lab-hot-1', '--status', 'critical',
                                    '-f', 'json').stdout)
        self.assertEqual([('temperature.cpu_temp', 99.0)],
                         [(r['Metric'], r['Value']) for r in hot])
        bad = json.loads(self.fleet('metric', 'list', '--device',
                                    'lab-badpass-1', '--long',
                                    '-f', 'json').stdout)
        self.assertTrue(bad)
        self.assertEqual({'unknown'}, {r['Status'] for r in bad})
        self.assertIn('authentication refused', bad[0]['Reason'])

        printed = ''.join(p.stdout + p.stderr for p in (collect, health))
        for password in self.bmc_passwords():
            self.assertNotIn(password, printed)
