"""Policies, audits and findings, written once and run on every backend."""

import datetime
import os
import textwrap

import fixtures
import sqlalchemy as sa

from fleet.common import exception
from fleet.common.readings import Reading
from fleet.db import alert_models
from fleet.db import models

POLICY = '''\
name: lab
rules:
  - name: hot
    selector: {type: host}
    auditor: threshold
    params: {metric: temperature.*, status: critical}
    severity: critical
  - name: hot-for-5m
    auditor: threshold
    params: {metric: temperature.cpu, above: 90, for: 5m}
  - name: nova-enabled
    selector: {role: compute}
    auditor: expected_state
    params:
      checks:
        - {fact: nova.status, expect: enabled}
        - {fact: os.kernel, desired: desired_kernel}
  - name: ctl-spread
    selector: {role: controller}
    auditor: ha
    params: {check: spread, across: rack, min: 2}
  - name: computes-per-cell
    selector: {role: compute}
    auditor: ha
    params: {check: min_enabled, group_by: cell, min: 2}
  - name: headroom
    selector: {role: compute}
    auditor: capacity
    params: {check: headroom, resource: vcpus, min_percent: 25,
             group_by: cell}
  - name: default-password
    selector: {exclude: {labels: [lab]}}
    auditor: security
    params: {check: default_password}
  - name: hands-off
    auditor: security
    params: {check: hands_off_expired}
  - name: switched-off
    enabled: false
    auditor: ha
    params: {check: spread}
'''

ALERTS = '''\
name: alerts
rules:
  - name: fan-alerts
    auditor: threshold
    params: {alert: "Fan*", matchers: ["fan=~fan_[0-9]"]}
  - name: any-critical
    auditor: threshold
    params: {alert: "*", matchers: [severity=critical]}
    severity: critical
  - name: disk-warning
    selector: {role: controller}
    auditor: threshold
    params: {alert: DiskFull}
  - name: disk-for-1h
    auditor: threshold
    params: {alert: DiskFull, for: 1h}
'''


class AuditScenarios:
    """Mixed into a FleetTestCase per backend."""

    def setUp(self):
        super().setUp()
        self.api = f = self.fleet()
        ctx = self.ctx
        f.clouds.create(ctx, 'prod')
        f.regions.create(ctx, 'r1', cloud='prod')
        f.cells.create(ctx, 'c1', region='r1')
        f.racks.create(ctx, 'k1', region='r1', cell='c1')
        f.racks.create(ctx, 'k2', region='r1', cell='c1')
        self.ids = {}
        for name, rack, role in (('cmp-1', 'k1', 'compute'),
                                 ('cmp-2', 'k2', 'compute'),
                                 ('ctl-1', 'k1', 'controller'),
                                 ('ctl-2', 'k1', 'controller')):
            self.ids[name] = f.devices.create(ctx, name, rack=rack,
                                              role=role)['id']
        v = f.variables
        v.set(ctx, 'region', 'r1', {'desired_kernel': '6.1'})
        for name, status in (('cmp-1', 'enabled'), ('cmp-2', 'disabled')):
            v.set(ctx, 'device', name, {
                'nova': {'state': 'up', 'status': status},
                'os': {'kernel': '6.1'}}, observed=True)
        v.set(ctx, 'device', 'ctl-1', {}, secrets={'bmc_password': 'calvin'})
        v.set(ctx, 'device', 'ctl-2', {}, secrets={'bmc_password': 'S3cr3t'})
        v.set(ctx, 'device', 'cmp-2', {'hands_off': {
            'until': '2020-01-01T00:00:00Z', 'by': 'alice'}})
        v.set(ctx, 'device', 'cmp-1', {'hands_off': {'until': 'soon'}})
        now = models.utcnow()
        self.record([('cmp-1', 'temperature.cpu', 99, 'critical', now),
                     ('cmp-2', 'temperature.cpu', 50, 'ok', now),
                     ('ctl-1', 'temperature.cpu', 95, 'ok',
                      now - datetime.timedelta(minutes=10)),
                     ('ctl-1', 'temperature.cpu', 96, 'ok',
                      now - datetime.timedelta(minutes=2)),
                     ('ctl-1', 'temperature.cpu', 97, 'ok', now),
                     ('ctl-2', 'temperature.cpu', 80, 'ok',
                      now - datetime.timedelta(minutes=10)),
                     ('ctl-2', 'temperature.cpu', 97, 'ok', now),
                     ('cmp-1', 'vcpus.free', 2, 'ok', now),
                     ('cmp-1', 'vcpus.capacity', 64, 'ok', now),
                     ('cmp-2', 'vcpus.free', 6, 'ok', now),
                     ('cmp-2', 'vcpus.capacity', 64, 'ok', now)])
        self.api.policies.load(self.ctx, [('lab.yaml', POLICY)])

    def record(self, rows):
        self.api.telemetry.record(self.ctx, [
            Reading(self.ids[d], m, float(v), status=s, read_at=t,
                    source='test') for d, m, v, s, t in rows])

    def findings(self, **kw):
        return {(f['rule'], f['subject']): f
                for f in self.api.findings.list(self.ctx, **kw)}

    def test_audit_opens_findings_of_every_auditor(self):
        summary = self.api.audit.run(self.ctx)
        self.assertEqual((8, 4), (summary.rules, summary.devices))
        got = self.findings()
        self.assertEqual({
            ('hot', 'cmp-1'), ('hot-for-5m', 'ctl-1'),
            ('nova-enabled', 'cmp-2'), ('ctl-spread', 'region r1'),
            ('computes-per-cell', 'cell c1'), ('headroom', 'cell c1'),
            ('default-password', 'ctl-1'), ('hands-off', 'cmp-2'),
            ('hands-off', 'cmp-1')}, set(got))
        self.assertEqual((summary.opened, summary.errors), (9, 1))
        hot = got[('hot', 'cmp-1')]
        self.assertEqual(('critical', 'open', 1), (
            hot['severity'], hot['status'], hot['count']))
        self.assertEqual({'metric': 'temperature.cpu', 'value': 99.0,
                          'status': 'critical', 'unit': None},
                         hot['observed'])
        drift = got[('nova-enabled', 'cmp-2')]
        self.assertEqual("nova.status is 'disabled', expected 'enabled'",
                         drift['message'])
        self.assertEqual(({'nova.status': 'disabled'},
                          {'nova.status': 'enabled'}),
                         (drift['observed'], drift['expected']))
        self.assertIn('2 devices in 1 rack (k1), at least 2 wanted',
                      got[('ctl-spread', 'region r1')]['message'])
        self.assertIn('8 free of 128', got[('headroom', 'cell c1')][
            'message'])
        # The default password is named, never shown.
        pw = got[('default-password', 'ctl-1')]
        self.assertNotIn('calvin', repr(pw))
        # One device's check raised: an error finding, the rest went on.
        err = got[('hands-off', 'cmp-1')]
        self.assertEqual('error', err['severity'])
        self.assertIn('ValueError', err['message'])
        self.assertIn('alice', got[('hands-off', 'cmp-2')]['message'])

    def test_fixed_findings_resolve_and_keep_history(self):
        self.api.audit.run(self.ctx)
        hot = self.findings()[('hot', 'cmp-1')]
        self.record([('cmp-1', 'temperature.cpu', 40, 'ok',
                      models.utcnow())])
        self.api.variables.set(self.ctx, 'device', 'cmp-2', {
            'nova': {'state': 'up', 'status': 'enabled'}}, observed=True)
        self.api.devices.update(self.ctx, 'ctl-2', rack='k2')
        summary = self.api.audit.run(self.ctx)
        self.assertEqual(4, summary.resolved)
        still = self.findings()
        for key in (('hot', 'cmp-1'), ('nova-enabled', 'cmp-2'),
                    ('ctl-spread', 'region r1'),
                    ('computes-per-cell', 'cell c1')):
            self.assertNotIn(key, still)
        self.assertEqual(2, still[('headroom', 'cell c1')]['count'])
        self.assertEqual('resolved', self.api.findings.show(
            self.ctx, hot['id'])['status'])
        # Failing again reopens the same finding.
        self.record([('cmp-1', 'temperature.cpu', 101, 'critical',
                      models.utcnow())])
        summary = self.api.audit.run(self.ctx)
        self.assertEqual(1, summary.reopened)
        again = self.findings()[('hot', 'cmp-1')]
        self.assertEqual((hot['id'], 'open', 2),
                         (again['id'], again['status'], again['count']))
        self.assertEqual([(None, 'open'), ('open', 'resolved'),
                          ('resolved', 'open')],
                         [(h['old'], h['new']) for h in
                          self.api.findings.history(self.ctx, hot['id'])])

    def test_ack_resolve_and_filters(self):
        self.api.audit.run(self.ctx)
        hot = self.findings()[('hot', 'cmp-1')]
        self.assertEqual('acknowledged', self.api.findings.ack(
            self.ctx, hot['fingerprint'][:10])['status'])
        self.assertEqual(['hot'], [f['rule'] for f in self.api.findings.list(
            self.ctx, status='acknowledged')])
        self.assertEqual({'hot', 'hot-for-5m', 'nova-enabled',
                          'default-password', 'hands-off'},
                         {f['rule'] for f in self.api.findings.list(
                             self.ctx, severity='critical') +
                          self.api.findings.list(self.ctx,
                                                 severity='warning')
                          if f['subject'].startswith(('cmp', 'ctl'))})
        self.assertEqual({'hot', 'hands-off'}, {
            f['rule'] for f in self.api.findings.list(self.ctx,
                                                      device='cmp-1')})
        # An acknowledged finding stays acknowledged while it fails.
        self.api.audit.run(self.ctx)
        self.assertEqual('acknowledged', self.api.findings.show(
            self.ctx, hot['id'])['status'])
        self.api.findings.resolve(self.ctx, hot['id'])
        self.assertRaises(exception.Conflict, self.api.findings.ack,
                          self.ctx, hot['id'])
        self.assertRaises(exception.NotFound, self.api.findings.show,
                          self.ctx, 99999)

    def test_dry_run_writes_nothing(self):
        ctx = self.api.context(dry_run=True)
        summary = self.api.audit.run(ctx)
        self.assertEqual(9, summary.opened)
        self.assertEqual([], self.api.findings.list(self.ctx, status='all'))

    def test_only_named_policy_and_rules_run(self):
        summary = self.api.audit.run(self.ctx, rules=['hot', 'ctl-spread'])
        self.assertEqual(2, summary.rules)
        self.assertEqual({'hot', 'ctl-spread'},
                         {f['rule'] for f in self.api.findings.list(
                             self.ctx)})
        self.assertRaises(exception.Invalid, self.api.audit.run, self.ctx,
                          rules=['switched-off'])
        self.assertRaises(exception.NotFound, self.api.audit.run, self.ctx,
                          policy='nope')

    def test_bad_load_changes_nothing_and_reload_versions(self):
        good = textwrap.dedent('''\
            name: second
            rules:
              - {name: s1, auditor: ha, params: {check: spread}}
            ''')
        bad = 'name: third\nrules:\n  - {name: hot, auditor: nope}\n'
        err = self.assertRaises(exception.InvalidPolicy,
                                self.api.policies.load, self.ctx,
                                [('good.yaml', good), ('bad.yaml', bad)])
        self.assertEqual(
            ['bad.yaml:3:12: rules[0].name: duplicate rule name \'hot\' '
             '(also in policy lab)',
             'bad.yaml:3:26: rules[0].auditor: unknown auditor \'nope\'; '
             'enabled auditors: capacity, expected_state, ha, security, '
             'threshold ([audit] enabled_auditors)'],
            [str(p) for p in err.problems])
        self.assertEqual(['lab'], [p['name'] for p in
                                   self.api.policies.list(self.ctx)])
        # A new version of lab without "hot": its findings resolve.
        self.api.audit.run(self.ctx)
        lines = POLICY.splitlines()
        start = lines.index('  - name: hot')
        smaller = '\n'.join(lines[:start] + lines[start + 5:]) + '\n'
        out = self.api.policies.load(self.ctx, [('lab.yaml', smaller)])
        self.assertEqual([('lab', 2, 8, 'updated')],
                         [(r['name'], r['version'], r['rules'], r['action'])
                          for r in out])
        self.assertNotIn(('hot', 'cmp-1'), self.findings())
        changes = self.api.changes.list(self.ctx, object_type='policy',
                                        name='lab')
        rules = [c for c in changes if c['field'] == 'rules'][0]
        self.assertEqual(9, len(rules['old']))
        self.assertEqual(8, len(rules['new']))
        unchanged = self.api.policies.load(self.ctx, [('lab.yaml',
                                                       smaller)])
        self.assertEqual('unchanged', unchanged[0]['action'])
        self.api.policies.delete(self.ctx, 'lab')
        self.assertEqual([], self.api.findings.list(self.ctx))
        with self.api.reading() as s:
            self.assertEqual(0, s.scalar(sa.select(
                sa.func.count()).select_from(models.AuditRule)))

    # -- threshold: open alerts -----------------------------------------------
    def alert(self, name, host, status='firing', **labels):
        self.api.alerts.receive(self.ctx, {'alerts': [{
            'name': name, 'status': status,
            'labels': dict(labels, host=host)}]})
        return [a for a in self.api.alerts.list(self.ctx, name=name)
                if a['device'] == host][0]

    def test_threshold_alerts_finds_actionable_alerts_only(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path,
                            'rules.yaml')
        with open(path, 'w') as f:
            f.write('rules:\n  - name: FanHeld\n    repeat_threshold: 3\n')
        self.conf.set_override('rules_file', path, group='alerts')
        self.api.policies.load(self.ctx, [('alerts.yaml', ALERTS)])
        fan = self.alert('FanFailed', 'cmp-1', severity='critical',
                         fan='fan_1')
        self.alert('FanFailed', 'cmp-2', severity='critical', fan='fan_2')
        self.api.silences.create(self.ctx, ['alertname=FanFailed',
                                            'host=cmp-2'], '1h', 'known')
        acked = self.alert('FanFailed', 'ctl-1', severity='critical')
        self.api.alerts.acknowledge(self.ctx, acked['id'])
        self.alert('FanHeld', 'ctl-2', severity='critical')  # held, 1 of 3
        self.alert('DiskFull', 'ctl-2', severity='warning')
        self.api.alerts.receive(self.ctx, {'alerts': [
            {'name': 'FanFailed', 'labels': {'host': 'nowhere'}}]})
        summary = self.api.audit.run(self.ctx, policy='alerts')
        self.assertEqual((3, 0), (summary.opened, summary.errors))
        got = self.findings(policy='alerts')
        self.assertEqual({('fan-alerts', 'cmp-1'), ('any-critical', 'cmp-1'),
                          ('disk-warning', 'ctl-2')}, set(got))
        one = got[('fan-alerts', 'cmp-1')]
        self.assertEqual(('FanFailed', fan['id'], 'critical', 1),
                         (one['observed']['alert'],
                          one['observed']['alert_id'],
                          one['observed']['severity'],
                          one['observed']['alerts']))
        self.assertIn('alert FanFailed (critical) firing since ',
                      one['message'])
        self.assertEqual({'alert': 'none actionable',
                          'matchers': ['severity=critical']},
                         got[('any-critical', 'cmp-1')]['expected'])
        # The alert resolves: so does the finding; it fires again: the
        # same finding reopens.
        self.alert('FanFailed', 'cmp-1', status='resolved',
                   severity='critical', fan='fan_1')
        summary = self.api.audit.run(self.ctx, policy='alerts')
        self.assertEqual(2, summary.resolved)
        self.assertNotIn(('fan-alerts', 'cmp-1'),
                         self.findings(policy='alerts'))
        self.alert('FanFailed', 'cmp-1', severity='critical', fan='fan_1')
        summary = self.api.audit.run(self.ctx, policy='alerts')
        self.assertEqual(2, summary.reopened)
        again = self.findings(policy='alerts')[('fan-alerts', 'cmp-1')]
        self.assertEqual((one['id'], 2), (again['id'], again['count']))
        # Held past its threshold (3rd occurrence): actionable now.
        self.alert('FanHeld', 'ctl-2', severity='critical')
        self.alert('FanHeld', 'ctl-2', severity='critical')
        self.api.audit.run(self.ctx, policy='alerts')
        self.assertIn(('any-critical', 'ctl-2'),
                      self.findings(policy='alerts'))

    def test_threshold_alert_for_a_duration(self):
        self.api.policies.load(self.ctx, [('alerts.yaml', ALERTS)])
        self.alert('DiskFull', 'cmp-2', severity='warning')
        with self.api.transaction(self.ctx) as txn:
            txn.session.execute(sa.update(alert_models.Alert).values(
                starts_at=models.utcnow() - datetime.timedelta(hours=2)))
        self.alert('DiskFull', 'ctl-2', severity='warning')
        self.api.audit.run(self.ctx, policy='alerts')
        got = self.findings(policy='alerts')
        self.assertIn(('disk-for-1h', 'cmp-2'), got)
        self.assertNotIn(('disk-for-1h', 'ctl-2'), got)
        self.assertIn('for 1h', got[('disk-for-1h', 'cmp-2')]['message'])
