"""fleet remediation resolve|approve|reject, list --state pending-approval
and policy stats, through the CLI.

What runs without Mistral: decisions, plans, expiry and rejection (an
approval that starts an execution is a functional test on the lab).
"""

import datetime

import sqlalchemy as sa

from fleet.db import models
from tests.unit.cli import base

POLICY = '''\
name: heal
rules:
  - name: nova-up
    selector: {role: compute}
    auditor: expected_state
    params:
      checks: [{fact: nova.status, expect: enabled}]
    remediation:
      workflow: fleet_host.power_cycle
      input: {checks: 3}
    mode: approve
    approval_ttl: 1h
  - name: nova-up-tell
    selector: {role: compute}
    auditor: expected_state
    params:
      checks: [{fact: nova.state, expect: up}]
    remediation:
      workflow: fleet_host.power_cycle
    mode: notify
'''


class TestResolverCLI(base.CLITestCase):

    def setUp(self):
        super().setUp()
        fleet = self.make_place(cell='cell1', rack='r1')
        for name in ('node-1', 'node-2'):
            fleet.devices.create(self.ctx, name, rack='r1', role='compute')
            fleet.variables.set(self.ctx, 'device', name, {'nova': {
                'status': 'disabled', 'state': 'up' if name == 'node-1'
                else 'down'}}, observed=True)
        path = '%s/heal.yaml' % self.home
        with open(path, 'w') as f:
            f.write(POLICY)
        self.fleet_cli('policy', 'load', path)
        self.fleet_cli('audit', 'run')

    def test_dry_run_then_resolve_then_reject(self):
        res = self.fleet_cli('remediation', 'resolve', '--dry-run', '-f',
                             'json')
        dry = res.json()
        self.assertEqual([('nova-up', 'node-1', 'approve'),
                          ('nova-up', 'node-2', 'approve'),
                          ('nova-up-tell', 'node-2', 'notify')],
                         sorted((d['Rule'], d['Device'], d['Decision'])
                                for d in dry))
        self.assertIn('Dry run, nothing written: 3 decisions: 2 approve, '
                      '1 notify', res.err)
        self.assertEqual([], self.fleet_json('remediation', 'list'))
        res = self.fleet_cli('remediation', 'resolve', '-f', 'value', '-c',
                             'Decision')
        self.assertEqual(['approve', 'approve', 'notify'],
                         sorted(res.out.split()))
        pending = self.fleet_json('remediation', 'list', '--state',
                                  'pending-approval', '--long')
        self.assertEqual(2, len(pending))
        self.assertEqual({'nova-up'}, {p['Rule'] for p in pending})
        plan = pending[0]['ID']
        res = self.fleet_cli('remediation', 'reject', plan, expect=1)
        self.assertIn('reason: to reject a remediation needs a reason',
                      res.err)
        shown = self.fleet_json('remediation', 'reject', plan, '--reason',
                                'change freeze')
        self.assertEqual(('rejected', 'tester', 'change freeze'), (
            shown['state'], shown['decided_by'], shown['decided_reason']))
        res = self.fleet_cli('remediation', 'approve', plan, '--reason',
                             'oops', expect=1)
        self.assertIn('does not await approval: it is rejected (by tester: '
                      'change freeze)', res.err)
        changes = self.fleet_json('change', 'list', '--type',
                                  'remediation')
        self.assertIn(('pending-approval', 'rejected', 'change freeze'),
                      [(c['Old'], c['New'], c['Reason']) for c in changes
                       if c['Field'] == 'state'])
        # Nothing more to decide: one plan per finding.
        res = self.fleet_cli('remediation', 'resolve')
        self.assertIn('0 decisions', res.err)

    def test_an_expired_approval_is_a_one_line_error(self):
        self.fleet_cli('remediation', 'resolve', '--policy', 'heal')
        plan = self.fleet_json('remediation', 'list', '--state',
                               'pending-approval')[0]['ID']
        with self.fleet().transaction(self.ctx, reason='t') as txn:
            txn.session.execute(sa.update(models.Remediation).values(
                expires_at=models.utcnow() - datetime.timedelta(minutes=1)))
        res = self.fleet_cli('remediation', 'approve', plan, '--reason',
                             'late', expect=1)
        lines = res.err.strip().splitlines()
        self.assertEqual(1, len(lines), res.err)
        self.assertIn('remediation %s: its approval expired at' % plan,
                      lines[0])
        self.assertEqual('expired', self.fleet_json(
            'remediation', 'show', plan)['state'])

    def test_policy_stats(self):
        self.fleet_cli('remediation', 'resolve')
        rows = {r['Rule']: r for r in self.fleet_json('policy', 'stats',
                                                      '--policy', 'heal')}
        self.assertEqual((2, 0, 'approve', None), (
            rows['nova-up']['Fired'], rows['nova-up']['Succeeded'],
            rows['nova-up']['Mode'], rows['nova-up']['Proposal']))
        self.assertEqual(1, rows['nova-up-tell']['Fired'])
        res = self.fleet_cli('policy', 'stats', '--policy', 'nope',
                             expect=1)
        self.assertIn('nope', res.err)
