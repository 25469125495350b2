"""The periodic sweep through the lab's Mistral: ``fleet_sweep.sweep`` runs
``fleet.collect``, ``fleet.audit`` then ``fleet.resolve`` in Mistral's
executor against this test's fleet database, and ``fleet workbook sync``
manages the cron trigger that runs it (``[remediation] sweep_pattern``).
Needs the lab's Mistral to run a fleet that has the ``fleet.collect``/
``fleet.audit``/``fleet.resolve`` actions. Run
under ``flock /tmp/fleet-lab.lock`` (the hot BMC and Mistral's cron
triggers are shared).
"""

import json
import time

from tests.functional import test_remediation
from tools.lab import bmc

POLICY = '''\
name: sweep
rules:
  - name: bmc-overheat
    selector: {type: host}
    auditor: threshold
    params: {metric: temperature.cpu_temp, status: critical}
    severity: critical
    remediation: {workflow: fleet_host.power_cycle}
    mode: approve
'''
TRIGGER = 'fleet_sweep'


class TestSweep(test_remediation.RemediationTestCase):

    def setUp(self):
        super().setUp()
        self.addCleanup(self._delete_trigger)

    def _delete_trigger(self):
        try:
            self.mistral().cron_triggers.delete(TRIGGER)
        except Exception:  # noqa: BLE001 - not there
            pass

    def wait_execution(self, ex_id, timeout=90):
        deadline = time.monotonic() + timeout
        while True:
            ex = self.mistral().executions.get(ex_id)
            if ex.state not in ('RUNNING', 'IDLE') or \
                    time.monotonic() > deadline:
                return ex
            time.sleep(0.3)

    def test_sweep_collects_audits_and_resolves_in_mistral(self):
        path = '%s/sweep.yaml' % self.work
        with open(path, 'w') as f:
            f.write(POLICY)
        self.fleet('policy', 'load', path)
        bmc.clear_sel('lab-hot-1')
        bmc.set_sensor('lab-hot-1', 'CPU Temp', 99)
        self.addCleanup(bmc.clear_sel, 'lab-hot-1')
        self.addCleanup(bmc.reset_sensors, 'lab-hot-1')
        ex = self.mistral().executions.create(
            'fleet_sweep.sweep', workflow_input={
                'fleet_config': self.conf_file, 'region': 'RegionOne'})
        ex = self.wait_execution(ex.id)
        self.assertEqual('SUCCESS', ex.state, ex.state_info)
        output = json.loads(ex.output)
        (ipmi,) = output['collect']['collectors']
        self.assertEqual('ipmi', ipmi['collector'])
        self.assertGreaterEqual(ipmi['read'], 5)
        self.assertIn('lab-frozen-1', ipmi['failed'])
        self.assertEqual(1, output['audit']['opened'])
        # The resolve step: the "approve" rule's plan, nothing started.
        self.assertEqual({'approve': 1}, output['resolve']['counts'])
        plans = self.fleet_json('remediation', 'list', '--state',
                                'pending-approval', '--long')
        self.assertEqual([('lab-hot-1', 'fleet_host.power_cycle',
                           'mistral:%s' % ex.id)],
                         [(p['Device'], p['Workflow'], p['Actor'])
                          for p in plans])
        rows = self.fleet_json('finding', 'list', '--long')
        self.assertEqual([('bmc-overheat', 'lab-hot-1', 'open')],
                         [(r['Rule'], r['Subject'], r['Status'])
                          for r in rows])
        metric = self.fleet_json('metric', 'list', '--device', 'lab-hot-1',
                                 '--status', 'critical')
        self.assertEqual(['temperature.cpu_temp'],
                         [m['Metric'] for m in metric])
        self.assert_no_password(ex.output, json.dumps(rows))

    def sync(self, pattern=None, sweep_input=None):
        with open(self.conf_file, 'a') as f:
            f.write('\n[remediation]\nsweep_pattern = %s\n' % (pattern or ''))
            if sweep_input:
                f.write('sweep_input = %s\n' % sweep_input)
        rows = self.fleet_json('workbook', 'sync')
        return {r['Name']: r for r in rows}[TRIGGER]

    def test_workbook_sync_creates_updates_and_deletes_the_cron_trigger(self):
        self._delete_trigger()
        self.assertEqual('absent', self.sync()['Result'])
        # Once a year: it never fires while the test runs.
        row = self.sync('0 3 1 1 *')
        self.assertEqual(('created', 'fleet_sweep.sweep 0 3 1 1 *'),
                         (row['Result'], row['Detail']))
        trigger = self.mistral().cron_triggers.get(TRIGGER)
        self.assertEqual(('0 3 1 1 *', 'fleet_sweep.sweep'),
                         (trigger.pattern, trigger.workflow_name))
        wf_input = trigger.workflow_input
        if isinstance(wf_input, str):
            wf_input = json.loads(wf_input)
        self.assertEqual({'fleet_config': self.conf_file}, wf_input)
        self.assertEqual('unchanged', self.sync('0 3 1 1 *')['Result'])
        self.assertEqual('updated', self.sync(
            '0 3 1 1 *', sweep_input='region:RegionOne')['Result'])
        wf_input = self.mistral().cron_triggers.get(TRIGGER).workflow_input
        if isinstance(wf_input, str):
            wf_input = json.loads(wf_input)
        self.assertEqual({'fleet_config': self.conf_file,
                          'region': 'RegionOne'}, wf_input)
        self.assertEqual('deleted', self.sync()['Result'])
        self.assertEqual([], [t for t in self.mistral().cron_triggers.list()
                              if t.name == TRIGGER])

    def test_a_bad_pattern_is_one_clear_line(self):
        with open(self.conf_file, 'a') as f:
            f.write('\n[remediation]\nsweep_pattern = every hour\n')
        proc = self.fleet('workbook', 'sync', expect=1)
        self.assertIn("sweep_pattern: not a cron pattern: 'every hour'",
                      proc.stderr)
        self.assertIn('five cron fields', proc.stderr)
