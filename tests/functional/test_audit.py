"""Every auditor through ``fleet audit run`` against the lab.

Inventory synced from the lab's Ironic and Nova, readings collected from
its BMCs over IPMI and from Nova/Placement; the BMCs probed for cipher
suite 0 over real IPMI. lab-hot-1's CPU runs at 99 C
(critical), lab-ctl-1 is the region's only controller, lab-spare-1
(powered off in Ironic) gets a desired power state of on, the lab's BMC
password is put on the default list: each rule opens its finding; cooling
the BMC and dropping the drift resolve theirs on the next audit, with
history. No BMC
password appears in anything the commands print. Run under
``flock /tmp/fleet-lab.lock`` (the hot BMC is shared).
"""

import json
import os
import time

from tests.functional import base
from tools.lab import bmc

POLICY = '''\
name: lab
rules:
  - name: bmc-overheat
    selector: {type: host}
    auditor: threshold
    params: {metric: temperature.*, status: critical}
    severity: critical
  - name: power-state-drift
    auditor: expected_state
    params:
      checks:
        - {fact: ironic.power_state, desired: desired_power_state}
      missing: skip
  - name: nova-up
    selector: {role: compute}
    auditor: expected_state
    params:
      checks:
        - {fact: nova.state, expect: up}
        - {fact: nova.status, expect: enabled}
  - name: controllers-spread
    selector: {role: controller}
    auditor: ha
    params: {check: spread, group_by: region, across: rack, min: 3}
  - name: computes-per-cell
    selector: {role: compute}
    auditor: ha
    params: {check: min_enabled, group_by: region, min: 3}
  - name: idle-computes
    selector: {role: compute}
    auditor: capacity
    params: {check: idle}
  - name: vcpu-headroom
    selector: {role: compute}
    auditor: capacity
    params: {check: headroom, resource: vcpus, min_percent: 99.9}
  - name: bmc-default-password
    auditor: security
    params: {check: default_password}
    severity: critical
  - name: bmc-cipher-zero
    auditor: security
    params: {check: cipher_suite_zero}
    severity: critical
'''


class TestAuditOnTheLab(base.LabTestCase):

    def setUp(self):
        super().setUp()
        # The lab's own BMC password plays the vendor default.
        with open(self.conf_file, 'a') as f:
            f.write('\n[collectors]\nenabled_collectors = ipmi, nova\n'
                    '\n[collectors.ipmi]\ntimeout = 3\n'
                    '\n[auditors.security]\ndefault_passwords = %s\n'
                    % bmc.password())
        self.fleet('inventory', 'sync', 'ironic')
        self.fleet('inventory', 'sync', 'nova')
        self.fleet('device', 'set', 'lab-ctl-1', '--role', 'controller')
        self.fleet('var', 'set', '--scope', 'device', 'lab-spare-1',
                   'desired_power_state="power on"')
        bmc.clear_sel('lab-hot-1')
        bmc.set_sensor('lab-hot-1', 'CPU Temp', 99)
        self.addCleanup(self._cool_down)
        self.policy = os.path.join(self.work, 'lab.yaml')
        with open(self.policy, 'w') as f:
            f.write(POLICY)
        self.printed = []

    @staticmethod
    def _cool_down():
        bmc.reset_sensors('lab-hot-1')
        time.sleep(2.5)     # the BMC's 2 s sensor-file poll settles
        bmc.clear_sel('lab-hot-1')

    def run_fleet(self, *args):
        proc = self.fleet(*args)
        self.printed.append(proc.stdout + proc.stderr)
        return proc

    def findings(self, *args):
        rows = json.loads(self.run_fleet('finding', 'list', '--long',
                                         '-f', 'json', *args).stdout)
        return {(r['Rule'], r['Subject']): r for r in rows}

    def test_every_auditor_opens_then_resolves(self):
        self.run_fleet('policy', 'validate', self.policy)
        self.run_fleet('policy', 'load', self.policy)
        self.run_fleet('collect')
        run = self.run_fleet('audit', 'run', '-f', 'json')
        per_rule = {r['Rule']: r for r in json.loads(run.stdout)}
        # The frozen BMC cannot be probed: the only error.
        self.assertEqual({'bmc-cipher-zero': 1}, {
            name: r['Errors'] for name, r in per_rule.items()
            if r['Errors']})
        found = self.findings()
        hot = found[('bmc-overheat', 'lab-hot-1')]
        self.assertEqual(('critical', 'open'), (hot['Severity'],
                                                hot['Status']))
        self.assertEqual(('temperature.cpu_temp', 99.0),
                         (hot['Observed']['metric'],
                          hot['Observed']['value']))
        drift = found[('power-state-drift', 'lab-spare-1')]
        self.assertEqual(
            ({'ironic.power_state': 'power off'},
             {'ironic.power_state': 'power on'}),
            (drift['Observed'], drift['Expected']))
        spread = found[('controllers-spread', 'region RegionOne')]
        self.assertIn('1 device in 1 rack (no rack), at least 3 wanted',
                      spread['Message'])
        cell = found[('computes-per-cell', 'region RegionOne')]
        self.assertEqual(['lab-compute-1', 'lab-compute-2'],
                         sorted(cell['Observed']['enabled']))
        self.assertIn(('idle-computes', 'lab-compute-2'), found)
        self.assertNotIn(('idle-computes', 'lab-compute-1'), found)
        self.assertIn('vcpus headroom', found[(
            'vcpu-headroom', 'region RegionOne')]['Message'])
        # Every BMC Ironic knows with the lab password; none printed.
        defaults = sorted(s for r, s in found if r == 'bmc-default-password')
        self.assertIn('lab-hot-1', defaults)
        self.assertNotIn('lab-spare-1', defaults)
        self.assertNotIn(('nova-up', 'lab-compute-1'), found)
        # ipmi_sim opens suite-0 sessions for any password (real IPMI).
        zero = found[('bmc-cipher-zero', 'lab-hot-1')]
        self.assertIn('accepts IPMI cipher suite 0', zero['Message'])
        frozen = found[('bmc-cipher-zero', 'lab-frozen-1')]
        self.assertEqual('error', frozen['Severity'])
        self.assertNotIn(('bmc-cipher-zero', 'lab-spare-1'), found)

        # Fixed: the BMC cools, the drift goes; both resolve.
        self._cool_down()
        self.run_fleet('var', 'unset', '--scope', 'device', 'lab-spare-1',
                       'desired_power_state')
        self.run_fleet('collect')
        again = self.run_fleet('audit', 'run')
        self.assertIn('2 resolved, 1 errors', again.stderr)
        after = self.findings()
        self.assertNotIn(('bmc-overheat', 'lab-hot-1'), after)
        self.assertNotIn(('power-state-drift', 'lab-spare-1'), after)
        self.assertIn(('controllers-spread', 'region RegionOne'), after)
        shown = json.loads(self.run_fleet(
            'finding', 'show', str(hot['ID']), '--history',
            '-f', 'json').stdout)
        self.assertEqual('resolved', shown['status'])
        self.assertEqual([(None, 'open'), ('open', 'resolved')],
                         [(h['old'], h['new']) for h in shown['history']])
        printed = ''.join(self.printed)
        for password in self.bmc_passwords():
            self.assertNotIn(password, printed)
