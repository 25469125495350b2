"""Remediation safety on every backend: blast radius, hand-off, keys.

No executor is called: :meth:`Remediations.claim` is the database part of
a start (lock, checks, persisted row), and its races are what these tests
look for. Concurrent claims run in threads, each with its own ``Fleet``;
a pause before each writer's first write makes the race certain.
"""

import sqlalchemy as sa

from fleet.api import blast
from fleet.api import handoffs
from fleet.common import exception
from fleet.db import models


def plan(device, workflow='fleet_host.power_cycle'):
    return {'workflow': workflow, 'executor': 'mistral',
            'devices': [device], 'input': {'host': device, 'reason': 'r'}}


class RemediationScenarios:
    """Mixed into a FleetTestCase per backend (with ConcurrencyScenarios'
    ``pause_first_write`` and ``run_threads``)."""

    def rack_of(self, n, rack='k1'):
        fleet = self.fleet()
        fleet.clouds.create(self.ctx, 'prod')
        fleet.regions.create(self.ctx, 'r1', cloud='prod')
        fleet.racks.create(self.ctx, rack, region='r1')
        for i in range(n):
            fleet.devices.create(self.ctx, 'n-%d' % i, rack=rack,
                                 role='compute')
        return fleet

    def slots(self, fleet):
        with fleet.reading() as s:
            return s.scalar(sa.select(sa.func.count()).where(
                models.Remediation.holds_slot.is_(True)))

    def test_two_concurrent_claims_of_the_last_slot_one_refused(self):
        self.conf.set_override('max_devices_out', 2, group='remediation')
        fleet = self.rack_of(4)
        ctx = self.ctx.replace(reason='hot')
        fleet.remediations.claim(ctx, plan('n-0'))
        self.pause_first_write()
        results = self.run_threads([
            lambda: self.fleet().remediations.claim(ctx, plan('n-1')),
            lambda: self.fleet().remediations.claim(ctx, plan('n-2'))])
        errors = [err for _r, err in results if err is not None]
        self.assertEqual(1, len(errors), results)
        self.assertIsInstance(errors[0], blast.BlastRadius)
        self.assertIn("rack 'k1' has 2 of 4 devices out", str(errors[0]))
        self.assertIn('max_devices_out = 2', str(errors[0]))
        self.assertEqual(2, self.slots(fleet))

    def test_a_storm_never_takes_more_than_the_limit(self):
        self.conf.set_override('max_devices_out', 3, group='remediation')
        fleet = self.rack_of(8)
        ctx = self.ctx.replace(reason='storm')
        results = self.run_threads([
            (lambda i=i: self.fleet().remediations.claim(
                ctx, plan('n-%d' % i))) for i in range(8)])
        taken = [r for r, err in results if err is None]
        refused = [err for _r, err in results if err is not None]
        self.assertEqual(3, len(taken))
        self.assertTrue(all(isinstance(e, blast.BlastRadius)
                            for e in refused), refused)
        self.assertEqual(3, self.slots(fleet))

    def test_percent_of_a_role_is_a_limit_too(self):
        self.conf.set_override('max_devices_out', 0, group='remediation')
        self.conf.set_override('max_percent_out', 25.0, group='remediation')
        self.conf.set_override('blast_radius_scopes', ['role'],
                               group='remediation')
        fleet = self.rack_of(8)
        ctx = self.ctx.replace(reason='r')
        fleet.remediations.claim(ctx, plan('n-0'))
        fleet.remediations.claim(ctx, plan('n-1'))
        err = self.assertRaises(blast.BlastRadius,
                                fleet.remediations.claim, ctx, plan('n-2'))
        self.assertIn("role 'compute' has 2 of 8 devices out", str(err))
        self.assertIn('max_percent_out = 25', str(err))

    def test_a_device_already_out_may_be_remediated_again(self):
        fleet = self.rack_of(2)
        ctx = self.ctx.replace(reason='r')
        fleet.remediations.claim(ctx, plan('n-0', 'fleet_host.drain'))
        again = fleet.remediations.claim(ctx, plan('n-0'))
        self.assertEqual('pending', again['state'])
        self.assertRaises(blast.BlastRadius, fleet.remediations.claim, ctx,
                          plan('n-1'))

    def test_same_idempotency_key_claims_once(self):
        fleet = self.rack_of(1)
        ctx = self.ctx.replace(reason='r')
        key = '6f1c7f52-5d0b-4bfe-9a52-3f9e8b6b0c11'
        results = self.run_threads([
            lambda: self.fleet().remediations.claim(ctx, plan('n-0'), key)
            for _ in range(3)])
        ids = {r['id'] for r, err in results if err is None}
        self.assertEqual(1, len(ids), results)
        self.assertEqual(1, len(fleet.remediations.list(ctx)))

    def test_handed_off_device_is_refused_until_handed_back(self):
        fleet = self.rack_of(1)
        ctx = self.ctx.replace(reason='disk smells of smoke')
        fleet.handoffs.handoff(ctx, 'n-0')
        err = self.assertRaises(handoffs.HandedOff,
                                fleet.remediations.plan, ctx,
                                'fleet_host.power_cycle', 'n-0')
        self.assertIn('handed off to a human (by tester: disk smells of '
                      'smoke)', str(err))
        self.assertIn('fleet device handback n-0', str(err))
        self.assertRaises(handoffs.HandedOff, fleet.remediations.claim, ctx,
                          plan('n-0'))
        fleet.handoffs.handback(ctx, 'n-0')
        self.assertEqual('pending',
                         fleet.remediations.claim(ctx, plan('n-0'))['state'])
        fields = [c['field'] for c in fleet.changes.list(
            ctx, object_type='device', name='n-0')]
        self.assertEqual(2, fields.count('hands_off'))

    def test_a_handoff_needs_a_reason(self):
        fleet = self.rack_of(1)
        err = self.assertRaises(exception.Invalid, fleet.handoffs.handoff,
                                self.ctx, 'n-0')
        self.assertEqual('reason', err.field)

    def test_outcomes_free_or_keep_the_slot_by_workflow_tags(self):
        fleet = self.rack_of(1)
        ctx = self.ctx.replace(reason='r')
        rems = fleet.remediations
        cycle = rems.claim(ctx, plan('n-0'))
        rems.finish(ctx, cycle['id'], 'succeeded')
        self.assertEqual(0, self.slots(fleet))
        drain = rems.claim(ctx, plan('n-0', 'fleet_host.drain'))
        rems.finish(ctx, drain['id'], 'succeeded')
        self.assertEqual(1, self.slots(fleet))      # drained: stays out
        failed = rems.claim(ctx, plan('n-0'))
        rems.finish(ctx, failed['id'], 'failed', error='BMC gone')
        self.assertEqual(2, self.slots(fleet))      # a failure stays out
        back = rems.claim(ctx, plan('n-0', 'fleet_host.return_to_pool'))
        rems.finish(ctx, back['id'], 'succeeded')
        self.assertEqual(0, self.slots(fleet))
        states = [(c['field'], c['new']) for c in fleet.changes.list(
            ctx, object_type='remediation') if c['field'] == 'state']
        self.assertEqual(4, len(states))
        self.assertIn(('state', 'failed'), states)

    def test_plan_checks_workflow_input_and_reason(self):
        fleet = self.rack_of(1)
        rems = fleet.remediations
        err = self.assertRaises(exception.Invalid, rems.plan, self.ctx,
                                'fleet_host.power_cycle', 'n-0')
        self.assertEqual('reason', err.field)
        ctx = self.ctx.replace(reason='r')
        err = self.assertRaises(exception.Invalid, rems.plan, ctx,
                                'fleet_host.nope', 'n-0')
        self.assertEqual('workflow', err.field)
        self.assertIn('fleet workbook list', str(err))
        err = self.assertRaises(exception.Invalid, rems.plan, ctx,
                                'fleet_host.power_cycle', 'n-0',
                                {'colour': 'red'})
        self.assertIn('takes no input colour', str(err))
        got = rems.plan(ctx, 'fleet_host.power_cycle', 'n-0',
                        {'checks': 3})
        self.assertEqual({'host': 'n-0', 'reason': 'r', 'checks': 3},
                         got['input'])
        self.assertEqual(['n-0'], got['devices'])
        self.assertEqual([], rems.list(ctx))        # a plan writes nothing
