"""The resolver on the lab: an ``approve`` rule's finding, approved, runs
its workflow as a real Mistral execution (power cycle of lab-hot-1
through its BMC), and the outcome resolves the finding.
"""

import json
import os
import time

from tests.functional import test_remediation

POLICY = '''\
name: resolver-lab
rules:
  - name: resolver-lab-cycle
    description: Fails on purpose for a labelled host that is powered on.
    selector: {type: host, labels: [resolver-test]}
    auditor: expected_state
    params:
      checks: [{fact: ironic.power_state, expect: power off}]
    remediation:
      workflow: fleet_host.power_cycle
      input: {checks: 10}
    mode: approve
    approval_ttl: 10m
'''


class TestApprovedRemediation(test_remediation.RemediationTestCase):

    def setUp(self):
        super().setUp()
        self.fleet('label', 'add', 'lab-hot-1', 'resolver-test')
        path = os.path.join(self.work, 'resolver.yaml')
        with open(path, 'w') as f:
            f.write(POLICY)
        self.fleet('policy', 'load', path)
        self.fleet('audit', 'run')

    def test_approved_plan_runs_in_mistral_and_resolves_the_finding(self):
        proc = self.fleet('remediation', 'resolve', '--dry-run', '-f',
                          'json')
        dry = json.loads(proc.stdout)
        self.assertEqual([('lab-hot-1', 'approve')],
                         [(d['Device'], d['Decision']) for d in dry])
        self.assertEqual([], self.fleet_json('remediation', 'list'))
        got = self.fleet_json('remediation', 'resolve', '--policy',
                              'resolver-lab')
        self.assertEqual(['approve'], [d['Decision'] for d in got])
        plans = self.fleet_json('remediation', 'list', '--state',
                                'pending-approval')
        self.assertEqual(1, len(plans))
        plan = plans[0]['ID']
        self.assertEqual([], self.executions_of(plan))
        rem = self.fleet_json('remediation', 'approve', plan, '--reason',
                              'cycle it, I am watching')
        self.assertEqual(('running', 'functional'),
                         (rem['state'], rem['decided_by']), rem)
        self.assertTrue(rem['execution_id'])
        execs = self.executions_of(plan)
        self.assertEqual(1, len(execs))
        self.assertEqual('fleet_host.power_cycle', execs[0].workflow_name)
        # A second approval starts nothing more.
        again = self.fleet('remediation', 'approve', plan, '--reason',
                           'twice', expect=1)
        self.assertIn('does not await approval: it is running',
                      again.stderr)
        finding = [f for f in self.fleet_json('finding', 'list', '--long')
                   if f['Rule'] == 'resolver-lab-cycle'][0]
        self.assertEqual('remediating', finding['Status'])
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            rem = self.fleet_json('remediation', 'show', plan)
            if rem['state'] != 'running':
                break
            time.sleep(1)
        self.assertEqual('succeeded', rem['state'], rem['error'])
        self.assertEqual(1, len(self.executions_of(plan)))
        status = [f for f in self.fleet_json('finding', 'list', '--status',
                                             'all', '--long')
                  if f['Rule'] == 'resolver-lab-cycle'][0]['Status']
        self.assertEqual('resolved', status)
        stats = self.fleet_json('policy', 'stats', '--policy',
                                'resolver-lab')
        self.assertEqual((1, 1, 1), (stats[0]['Fired'], stats[0]['Approved'],
                                     stats[0]['Succeeded']))
        steps = self.fleet_json('change', 'list', '--type', 'remediation')
        self.assertIn(('pending-approval', 'pending',
                       'cycle it, I am watching'),
                      [(c['Old'], c['New'], c['Reason']) for c in steps
                       if c['Field'] == 'state'])
