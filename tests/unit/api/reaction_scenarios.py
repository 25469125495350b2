"""Alert reactions on every backend: an alert that becomes actionable is
audited at once and its findings resolved, within the blast radius.

The executor is the one peer these tests cannot reach (Mistral: the
functional tests and benchmarks/alert_remediation_latency.py run it); the
resolver scenarios' :class:`Stub` counts the executions asked for.
"""

import time

from tests.unit.api import resolver_scenarios

POLICY = '''\
name: react
rules:
  - name: hot
    selector: {role: compute}
    auditor: threshold
    params: {alert: 'Overheat*'}
    severity: critical
    remediation:
      workflow: fleet_host.power_cycle
      input: {checks: 3}
    mode: %(mode)s
'''


def post(fleet, ctx, name, hosts, status='firing'):
    return fleet.alerts.receive(ctx, {'alerts': [
        {'name': name, 'status': status, 'severity': 'critical',
         'labels': {'host': h}} for h in hosts]})


class ReactionScenarios:
    """Mixed into a FleetTestCase per backend."""

    def setUp(self):
        super().setUp()
        self.stub = resolver_scenarios.Stub()
        self.conf.set_override('max_devices_out', 3, group='remediation')
        self.conf.set_override('blast_radius_scopes', ['rack'],
                               group='remediation')

    def setup_fleet(self, mode='auto', racks=1, per_rack=4):
        fleet = self.fleet()
        fleet.remediations.executor = lambda name=None: self.stub
        ctx = self.ctx
        fleet.clouds.create(ctx, 'prod')
        fleet.regions.create(ctx, 'r1', cloud='prod')
        for r in range(racks):
            fleet.racks.create(ctx, 'k%d' % r, region='r1')
            for i in range(per_rack):
                fleet.devices.create(ctx, 'n-%d-%d' % (r, i), rack='k%d' % r,
                                     role='compute')
        fleet.policies.load(ctx, [('react.yaml', POLICY % {'mode': mode})])
        self.api = fleet
        return fleet

    def device_id(self, name):
        from fleet.api import refs
        with self.api.reading() as s:
            return refs.device(s, name).id

    def test_actionable_alert_is_audited_and_started(self):
        fleet = self.setup_fleet('auto')
        result = post(fleet, self.ctx, 'OverheatCPU', ['n-0-1'])
        dev = self.device_id('n-0-1')
        self.assertEqual([('OverheatCPU', dev)], list(result.actionable))
        got = fleet.reactions.react(self.ctx, result.actionable)
        self.assertEqual(['start'], [d['decision'] for d in got])
        self.assertEqual('n-0-1', got[0]['device'])
        self.assertEqual(1, len(self.stub.started))
        finding = fleet.findings.list(self.ctx, rule='hot')[0]
        self.assertEqual(('n-0-1', 'remediating'),
                         (finding['subject'], finding['status']))
        # The same alert again is no new opening: nothing more starts.
        again = post(fleet, self.ctx, 'OverheatCPU', ['n-0-1'])
        self.assertEqual([], list(again.actionable))
        self.assertEqual([], fleet.reactions.react(
            self.ctx, [('OverheatCPU', dev)]))
        self.assertEqual(1, len(self.stub.started))

    def test_alerts_no_rule_watches_or_not_actionable(self):
        fleet = self.setup_fleet('auto')
        other = post(fleet, self.ctx, 'DiskFull', ['n-0-0'])
        self.assertEqual([], fleet.reactions.react(self.ctx,
                                                   other.actionable))
        fleet.silences.create(self.ctx, ['alertname=OverheatGPU'], '1h',
                              'known')
        silenced = post(fleet, self.ctx, 'OverheatGPU', ['n-0-2'])
        self.assertEqual([], list(silenced.actionable))
        unknown = post(fleet, self.ctx, 'OverheatCPU', ['no-such-host'])
        self.assertEqual([], list(unknown.actionable))
        self.assertEqual([], self.stub.started)

    def test_concurrent_audits_write_each_finding_once(self):
        # Two reactions (two fleet-api workers, or a reaction and the
        # sweep) audit the same rule at once: neither fails on the other's
        # new findings, and each finding is written once, counted
        # by every audit.
        fleet = self.setup_fleet('notify')
        post(fleet, self.ctx, 'OverheatCPU', ['n-0-0', 'n-0-1', 'n-0-2'])
        results = self.run_threads(
            [lambda: fleet.audit.run(self.ctx, rules=['hot'])] * 3)
        self.assertEqual([None] * 3, [err for _, err in results])
        found = fleet.findings.list(self.ctx, rule='hot', status='all')
        self.assertEqual(['n-0-0', 'n-0-1', 'n-0-2'],
                         sorted(f['subject'] for f in found))
        # Each audit saw each failing once.
        self.assertEqual([3, 3, 3], [f['count'] for f in found])

    def test_approve_mode_waits_for_a_human(self):
        fleet = self.setup_fleet('approve')
        result = post(fleet, self.ctx, 'OverheatCPU', ['n-0-0'])
        got = fleet.reactions.react(self.ctx, result.actionable)
        self.assertEqual(['approve'], [d['decision'] for d in got])
        self.assertEqual([], self.stub.started)
        self.assertEqual(1, len(fleet.remediations.list(
            self.ctx, state='pending-approval')))

    def test_alert_storm_never_exceeds_the_blast_radius(self):
        # 1,000 alerts over 40 hosts in 4 racks, in posts of 100, each
        # post's reaction in its own thread: at most 3 hosts of a rack
        # out at once, whatever the order.
        fleet = self.setup_fleet('auto', racks=4, per_rack=10)
        hosts = ['n-%d-%d' % (r, i) for r in range(4) for i in range(10)]
        names = ['OverheatCPU', 'OverheatPSU', 'OverheatInlet']
        posts = []
        for p in range(10):
            alerts = [{'name': names[(p + k) % 3], 'status': 'firing',
                       'severity': 'critical',
                       'labels': {'host': hosts[(p * 7 + k) % 40],
                                  'n': str(p * 100 + k)}}
                      for k in range(100)]
            posts.append(fleet.alerts.receive(self.ctx, {'alerts': alerts}))
        self.assertEqual(1000, sum(r.accepted for r in posts))
        pairs = [pr for r in posts for pr in r.actionable]
        chunks = [pairs[i::4] for i in range(4)]
        errors = []

        def react(chunk):
            try:
                fleet.reactions.react(self.ctx, chunk)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        self.run_threads([lambda c=c: react(c) for c in chunks])
        self.assertEqual([], errors)
        out = fleet.remediations.list(self.ctx)
        started = [r for r in out if r['holds_slot']]
        by_rack = {}
        for r in started:
            rack = r['device'].split('-')[1]
            by_rack[rack] = by_rack.get(rack, 0) + 1
        self.assertEqual({'0': 3, '1': 3, '2': 3, '3': 3}, by_rack)
        self.assertEqual(12, len(self.stub.started))

    def test_fleet_api_reacts_in_the_background(self):
        fleet = self.setup_fleet('auto')
        fleet.reactions.start()
        self.assertTrue(fleet.reactions.started)
        result = post(fleet, self.ctx, 'OverheatCPU', ['n-0-3'])
        self.assertEqual(1, len(result.actionable))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not self.stub.started:
            time.sleep(0.05)
        self.assertEqual(1, len(self.stub.started))
