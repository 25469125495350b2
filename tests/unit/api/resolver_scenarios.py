"""The resolver on every backend: modes, dry run, approvals, expiry,
rejection, the repeat threshold, the trust ladder and concurrency.

Findings come from real audits (the ``expected_state`` auditor over facts
the test sets). The executor is the one peer these tests cannot reach
(Mistral: the functional tests run it); :class:`Stub` stands in for it and
counts the executions it was asked for, so that "exactly one execution"
is something a test can see.
"""

import datetime
import threading

import sqlalchemy as sa

from fleet.api import approvals
from fleet.common import exception
from fleet.db import models

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
    mode: %(mode)s
%(extra)s'''


class Stub:
    """Executor stand-in: records what it was asked to start."""

    def __init__(self):
        self.started = []
        self.lock = threading.Lock()

    def pre_condition(self, params):
        pass

    def execute(self, params):
        with self.lock:
            self.started.append(params['key'])
            return {'execution_id': 'ex-%d' % len(self.started)}

    def find(self, params):
        return None


class ResolverScenarios:
    """Mixed into a FleetTestCase per backend.

    With ConcurrencyScenarios' ``pause_first_write`` and ``run_threads``.
    """

    def setUp(self):
        super().setUp()
        self.stub = Stub()
        self.conf.set_override('max_devices_out', 2, group='remediation')
        self.conf.set_override('blast_radius_scopes', ['rack'],
                               group='remediation')

    def fleet(self):
        fleet = super().fleet()
        fleet.remediations.executor = lambda name=None: self.stub
        return fleet

    def setup_fleet(self, mode='auto', extra='', devices=4, bad=None):
        fleet = self.fleet()
        ctx = self.ctx
        fleet.clouds.create(ctx, 'prod')
        fleet.regions.create(ctx, 'r1', cloud='prod')
        fleet.racks.create(ctx, 'k1', region='r1')
        for i in range(devices):
            name = 'n-%d' % i
            fleet.devices.create(ctx, name, rack='k1', role='compute')
            fleet.variables.set(ctx, 'device', name, {'nova': {
                'status': 'disabled' if bad is None or i in bad
                else 'enabled'}}, observed=True)
        fleet.policies.load(ctx, [('heal.yaml', POLICY % {
            'mode': mode, 'extra': extra})])
        fleet.audit.run(ctx)
        self.api = fleet
        return fleet

    def resolve(self, **kw):
        return self.api.resolver.resolve(self.ctx, **kw)

    def rows(self, state=None):
        return self.api.remediations.list(self.ctx, state=state)

    def finding(self, device):
        return [f for f in self.api.findings.list(self.ctx, status='all')
                if f['subject'] == device][0]

    def slots(self):
        with self.api.reading() as s:
            return s.scalar(sa.select(sa.func.count()).where(
                models.Remediation.holds_slot.is_(True)))

    # -- modes ---------------------------------------------------------------
    def test_notify_records_once_and_does_nothing_else(self):
        self.setup_fleet('notify', devices=2)
        got = self.resolve()
        self.assertEqual(['notify', 'notify'], [d['decision'] for d in got])
        self.assertEqual({'notified'}, {r['state'] for r in self.rows()})
        self.assertEqual([], self.stub.started)
        self.assertEqual(0, self.slots())
        self.assertEqual('open', self.finding('n-0')['status'])
        self.assertEqual([], self.resolve())        # once per opening

    def test_auto_starts_within_the_blast_radius_and_holds_the_rest(self):
        self.setup_fleet('auto', devices=4)
        got = self.resolve()
        self.assertEqual(['start', 'start', 'held', 'held'],
                         [d['decision'] for d in got])
        self.assertEqual(['running', 'running', 'held', 'held'],
                         [d['state'] for d in got])
        self.assertIn("rack 'k1' has 2 of 4 devices out", got[2]['detail'])
        self.assertEqual(2, len(self.stub.started))
        self.assertEqual(2, self.slots())
        self.assertEqual('remediating', self.finding('n-0')['status'])
        self.assertEqual('open', self.finding('n-2')['status'])
        running = got[0]['remediation']
        self.assertEqual({'host': 'n-0', 'checks': 3,
                          'reason': 'finding %d of rule nova-up'
                          % got[0]['finding']}, got[0]['input'])
        # Nothing new while the held plans wait; one success frees a slot.
        self.assertEqual(['held', 'held'],
                         [d['decision'] for d in self.resolve()])
        self.api.remediations.finish(self.ctx, running, 'succeeded')
        self.assertEqual('resolved', self.finding('n-0')['status'])
        again = self.resolve()
        self.assertEqual(['start', 'held'], [d['decision'] for d in again])
        self.assertEqual(2, self.slots())
        self.assertEqual(3, len(self.stub.started))

    def test_dry_run_shows_the_same_decisions_and_writes_nothing(self):
        self.setup_fleet('auto', devices=3)
        before = len(self.api.changes.list(self.ctx, limit=0))
        dry = self.api.resolver.resolve(self.ctx.replace(dry_run=True))
        self.assertEqual(['start', 'start', 'held'],
                         [d['decision'] for d in dry])
        self.assertEqual([], self.rows())
        self.assertEqual([], self.stub.started)
        self.assertEqual('open', self.finding('n-0')['status'])
        self.assertEqual(before, len(self.api.changes.list(self.ctx,
                                                           limit=0)))
        real = self.resolve()
        self.assertEqual([(d['finding'], d['decision']) for d in dry],
                         [(d['finding'], d['decision']) for d in real])

    def test_a_failure_escalates_the_finding_and_keeps_the_slot(self):
        self.setup_fleet('auto', devices=1)
        rem = self.resolve()[0]['remediation']
        self.api.remediations.finish(self.ctx, rem, 'failed', error='BMC')
        self.assertEqual('escalated', self.finding('n-0')['status'])
        self.assertEqual(1, self.slots())
        self.assertEqual([], self.resolve())

    # -- approvals -----------------------------------------------------------
    def test_approve_mode_waits_then_approval_starts_it(self):
        self.setup_fleet('approve', "    approval_ttl: 30m\n", devices=1)
        got = self.resolve()
        self.assertEqual(['approve'], [d['decision'] for d in got])
        plan = self.rows('pending-approval')[0]
        ttl = plan['expires_at'] - plan['created_at']
        self.assertEqual(datetime.timedelta(minutes=30), ttl)
        self.assertEqual([], self.stub.started)
        self.assertEqual([], self.resolve())          # still waiting
        err = self.assertRaises(exception.Invalid, self.api.resolver.approve,
                                self.ctx, plan['id'])
        self.assertEqual('reason', err.field)
        ctx = self.ctx.replace(actor='alice', reason='looked at it')
        rem = self.api.resolver.approve(ctx, plan['id'])
        self.assertEqual(('running', 'alice', 'looked at it'), (
            rem['state'], rem['decided_by'], rem['decided_reason']))
        self.assertEqual(1, len(self.stub.started))
        self.assertEqual('remediating', self.finding('n-0')['status'])
        states = [(c['actor'], c['reason'], c['old'], c['new'])
                  for c in self.api.changes.list(
                      self.ctx, object_type='remediation')
                  if c['field'] == 'state']
        self.assertIn(('alice', 'looked at it', 'pending-approval',
                       'pending'), states)
        err = self.assertRaises(exception.Conflict, self.api.resolver.approve,
                                ctx, plan['id'])
        self.assertIn('does not await approval: it is running (by alice: '
                      'looked at it)', str(err))

    def test_an_expired_approval_is_refused_and_planned_again(self):
        self.setup_fleet('approve', devices=1)
        self.resolve()
        plan = self.rows('pending-approval')[0]
        self.assertEqual(datetime.timedelta(hours=4),
                         plan['expires_at'] - plan['created_at'])
        with self.api.transaction(self.ctx, reason='test') as txn:
            txn.session.execute(sa.update(models.Remediation).values(
                expires_at=models.utcnow() - datetime.timedelta(seconds=1)))
        ctx = self.ctx.replace(reason='ok')
        err = self.assertRaises(approvals.Expired, self.api.resolver.approve,
                                ctx, plan['id'])
        self.assertIn('its approval expired at', str(err))
        self.assertIn('Run "fleet remediation resolve" to plan it again',
                      str(err))
        self.assertEqual(1, len(str(err).splitlines()))
        self.assertEqual('expired', self.api.remediations.show(
            ctx, plan['id'])['state'])
        self.assertEqual([], self.stub.started)
        self.assertEqual(['approve'], [d['decision'] for d in self.resolve()])

    def test_expiry_at_resolve_time_is_a_decision_too(self):
        self.setup_fleet('approve', devices=1)
        self.resolve()
        with self.api.transaction(self.ctx, reason='test') as txn:
            txn.session.execute(sa.update(models.Remediation).values(
                expires_at=models.utcnow() - datetime.timedelta(seconds=1)))
        self.assertEqual(['expire', 'approve'],
                         [d['decision'] for d in self.resolve()])

    def test_reject_ends_the_plan_and_acknowledges_the_finding(self):
        self.setup_fleet('approve', devices=1)
        self.resolve()
        plan = self.rows('pending-approval')[0]
        ctx = self.ctx.replace(actor='bob', reason='not during the sale')
        rem = self.api.resolver.reject(ctx, plan['id'])
        self.assertEqual(('rejected', 'bob'), (rem['state'],
                                               rem['decided_by']))
        self.assertEqual('acknowledged', self.finding('n-0')['status'])
        self.assertRaises(exception.Conflict, self.api.resolver.approve,
                          ctx, plan['id'])
        self.assertEqual([], self.resolve())
        self.assertEqual([], self.stub.started)

    def test_approval_with_a_full_blast_radius_is_held_then_started(self):
        self.conf.set_override('max_devices_out', 1, group='remediation')
        self.setup_fleet('approve', devices=2)
        self.resolve()
        plans = self.rows('pending-approval')
        ctx = self.ctx.replace(reason='go')
        first = self.api.resolver.approve(ctx, plans[1]['id'])
        second = self.api.resolver.approve(ctx, plans[0]['id'])
        self.assertEqual(('running', 'held'), (first['state'],
                                               second['state']))
        self.assertIn('has 1 of 2 devices out', second['detail'])
        self.assertEqual(1, self.slots())
        self.api.remediations.finish(ctx, first['id'], 'succeeded')
        got = self.resolve()
        self.assertEqual([(second['id'], 'start')],
                         [(d['remediation'], d['decision']) for d in got])
        self.assertEqual(2, len(self.stub.started))

    # -- repeat threshold ----------------------------------------------------
    def test_the_repeat_threshold_escalates_instead_of_acting(self):
        self.setup_fleet('auto', "    repeat: {count: 2, window: 1h}\n",
                         devices=1)
        for _ in range(2):
            rem = self.resolve()[0]
            self.assertEqual('start', rem['decision'])
            self.api.remediations.finish(self.ctx, rem['remediation'],
                                         'succeeded')
            self.api.audit.run(self.ctx)            # fails again: reopens
            self.assertEqual('open', self.finding('n-0')['status'])
        got = self.resolve()
        self.assertEqual(['escalate'], [d['decision'] for d in got])
        self.assertIn('repeat threshold: rule nova-up remediated n-0 2 '
                      'times within 3600s', got[0]['detail'])
        self.assertEqual('escalated', self.finding('n-0')['status'])
        self.assertEqual(2, len(self.stub.started))
        self.assertEqual([], self.resolve())

    # -- trust ladder --------------------------------------------------------
    def test_stats_and_the_proposal_for_auto(self):
        self.conf.set_override('trust_promote_after', 2,
                               group='remediation')
        self.conf.set_override('max_devices_out', 0, group='remediation')
        self.setup_fleet('approve', devices=3)
        self.resolve()
        plans = self.rows('pending-approval')
        ctx = self.ctx.replace(reason='r')
        self.api.resolver.reject(ctx, plans[2]['id'])
        for plan in plans[:2][::-1]:
            rem = self.api.resolver.approve(ctx, plan['id'])
            self.api.remediations.finish(ctx, rem['id'], 'succeeded')
        stats = self.api.resolver.stats(self.ctx, policy='heal')
        self.assertEqual(1, len(stats))
        one = stats[0]
        self.assertEqual(
            (3, 2, 1, 2, 0, 0, 2, 'proposed: auto'),
            (one['fired'], one['approved'], one['rejected'],
             one['succeeded'], one['failed'], one['escalated'],
             one['streak'], one['proposal']))
        self.assertIsNotNone(one['median_time_to_resolve'])
        self.assertEqual('approve', one['mode'])

    def test_a_rejection_breaks_the_streak(self):
        self.conf.set_override('trust_promote_after', 1,
                               group='remediation')
        self.setup_fleet('approve', devices=2)
        self.resolve()
        plans = self.rows('pending-approval')
        ctx = self.ctx.replace(reason='r')
        rem = self.api.resolver.approve(ctx, plans[1]['id'])
        self.api.remediations.finish(ctx, rem['id'], 'succeeded')
        self.api.resolver.reject(ctx, plans[0]['id'])
        one = self.api.resolver.stats(self.ctx)[0]
        self.assertEqual((0, None), (one['streak'], one['proposal']))

    # -- concurrency ---------------------------------------------------------
    def test_two_concurrent_approvals_start_one_execution(self):
        self.setup_fleet('approve', devices=1)
        self.resolve()
        plan = self.rows('pending-approval')[0]
        ctx = self.ctx.replace(reason='go')
        self.pause_first_write()
        results = self.run_threads([
            lambda: self.fleet().resolver.approve(ctx, plan['id'])
            for _ in range(2)])
        ok = [r for r, err in results if err is None]
        errors = [err for _r, err in results if err is not None]
        self.assertEqual(1, len(ok), results)
        self.assertIsInstance(errors[0], exception.Conflict)
        self.assertIn('does not await approval', str(errors[0]))
        self.assertEqual(1, len(self.stub.started))
        self.assertEqual(1, self.slots())

    def test_two_concurrent_resolvers_never_exceed_the_limit(self):
        self.setup_fleet('auto', devices=6)
        self.pause_first_write()
        results = self.run_threads([
            lambda: self.fleet().resolver.resolve(self.ctx)
            for _ in range(2)])
        for _r, err in results:
            self.assertIsNone(err)
        self.assertEqual(2, self.slots())
        self.assertEqual(2, len(self.stub.started))
        self.assertEqual(6, len(self.rows()))       # one plan per finding

    # -- narrowing, hand-off, skips -----------------------------------------
    def test_a_handed_off_device_is_held_until_handed_back(self):
        self.setup_fleet('auto', devices=2)
        self.api.handoffs.handoff(self.ctx.replace(reason='smoke'), 'n-0')
        got = {d['device']: d for d in self.resolve()}
        self.assertEqual(('held', 'start'), (got['n-0']['decision'],
                                             got['n-1']['decision']))
        self.assertIn('handed off to a human (by tester: smoke)',
                      got['n-0']['detail'])
        self.assertEqual(1, len(self.stub.started))
        self.api.handoffs.handback(self.ctx, 'n-0')
        again = self.resolve()
        self.assertEqual([('n-0', 'start')],
                         [(d['device'], d['decision']) for d in again])
        self.assertEqual(2, len(self.stub.started))

    def test_only_the_findings_asked_for_and_why_others_are_skipped(self):
        self.setup_fleet('approve', devices=3)
        ids = sorted(f['id'] for f in self.api.findings.list(self.ctx))
        got = self.resolve(findings=[str(ids[0])])
        self.assertEqual([(ids[0], 'approve')],
                         [(d['finding'], d['decision']) for d in got])
        again = self.resolve(findings=[ids[0], ids[1]])
        self.assertEqual([(ids[1], 'approve'), (ids[0], 'skip')],
                         [(d['finding'], d['decision']) for d in again])
        self.assertIn('decided already: remediation', again[1]['detail'])
        self.assertIn('is pending-approval', again[1]['detail'])
        err = self.assertRaises(exception.Invalid, self.resolve,
                                findings=['abc'])
        self.assertEqual('finding', err.field)
        self.assertRaises(exception.NotFound, self.resolve,
                          findings=[999999])
        self.assertRaises(exception.NotFound, self.resolve, policy='nope')

    def test_an_unknown_workflow_is_a_skip_with_the_reason(self):
        fleet = self.setup_fleet('auto', devices=1)
        fleet.policies.load(self.ctx, [('heal.yaml', (POLICY % {
            'mode': 'auto', 'extra': ''}).replace(
            'fleet_host.power_cycle', 'fleet_host.nope'))])
        got = self.resolve()
        self.assertEqual(['skip'], [d['decision'] for d in got])
        self.assertIn("no known workbook has workflow 'fleet_host.nope'",
                      got[0]['detail'])
        self.assertEqual([], self.rows())
