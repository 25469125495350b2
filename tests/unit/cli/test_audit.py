"""fleet policy validate|load|list|show|delete, audit run, finding ..."""

import os
import subprocess

from fleet.common.readings import Reading
from tests.unit.cli import base

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
EXAMPLE = os.path.join(ROOT, 'etc', 'fleet', 'policies', 'example.yaml')

POLICY = '''\
name: small
rules:
  - name: hot
    auditor: threshold
    params: {metric: temperature.*, status: critical}
    severity: critical
  - name: spread
    selector: {role: controller}
    auditor: ha
    params: {check: spread, min: 2}
'''
ALERTS = '''\
name: alerts
rules:
  - name: critical-fans
    auditor: threshold
    params: {alert: "Fan*", matchers: [severity=critical]}
    severity: critical
'''
BAD = '''\
name: small
rules:
  - name: hot
    auditor: thermometer
  - name: hot
    selector: {region: Nowhere}
    auditor: ha
    params: {check: spread, min: "two"}
'''


class TestAuditCommands(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = api = self.make_place(rack='k1')
        self.ids = {n: api.devices.create(self.ctx, n, rack='k1',
                                          role=role)['id']
                    for n, role in (('n1', 'compute'),
                                    ('ctl-1', 'controller'),
                                    ('ctl-2', 'controller'))}
        self.hot(99, 'critical')
        self.path = self.write('small.yaml', POLICY)

    def hot(self, value, status):
        self.api.telemetry.record(self.ctx, [Reading(
            self.ids['n1'], 'temperature.cpu_temp', value, status=status,
            source='test')])

    def write(self, name, text):
        path = os.path.join(self.home, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_validate_names_every_mistake_and_exits_non_zero(self):
        bad = self.write('bad.yaml', BAD)
        res = self.fleet_cli('policy', 'validate', bad, expect=1)
        self.assertEqual([
            "%s:4:14: rules[0].auditor: unknown auditor 'thermometer'; "
            "enabled auditors: capacity, expected_state, ha, security, "
            "threshold ([audit] enabled_auditors)" % bad,
            "%s:5:11: rules[1].name: duplicate rule name 'hot' (also in "
            "policy small)" % bad,
            "%s:6:24: rules[1].selector.region: no region named 'Nowhere' "
            "in the inventory; known: RegionOne" % bad,
            "%s:8:34: rules[1].params.min: must be integer, not string"
            % bad], res.out.splitlines())
        self.assertIn('4 mistakes in 1 file; fix them and validate again.',
                      res.err)
        good = self.fleet_cli('policy', 'validate', self.path, EXAMPLE)
        self.assertEqual('%s: valid\n%s: valid\n' % (self.path, EXAMPLE),
                         good.out)

    def test_load_all_or_nothing_list_show_delete(self):
        bad = self.write('bad.yaml', BAD)
        res = self.fleet_cli('policy', 'load', EXAMPLE, bad, expect=1)
        self.assertIn('nothing was loaded', res.err)
        self.assertEqual([], self.fleet_json('policy', 'list'))
        rows = self.fleet_json('policy', 'load', self.path, EXAMPLE,
                               '--reason', 'first policies')
        self.assertEqual([('small', 1, 2, 'created'),
                          ('example', 1, 10, 'created')],
                         [(r['Name'], r['Version'], r['Rules'], r['Action'])
                          for r in rows])
        listed = self.fleet_json('policy', 'list')
        self.assertEqual([('example', 10, 9), ('small', 2, 2)],
                         [(r['Name'], r['Rules'], r['Enabled'])
                          for r in listed])
        shown = self.fleet_json('policy', 'show', 'small')
        self.assertEqual(['hot', 'spread'],
                         [r['name'] for r in shown['rules']])
        self.assertEqual({'check': 'spread', 'min': 2},
                         shown['rules'][1]['params'])
        changes = self.fleet_json('change', 'list', '--type', 'policy',
                                  '--name', 'small')
        self.assertEqual({'first policies'}, {c['Reason'] for c in changes})
        self.fleet_cli('policy', 'delete', 'small', 'example')
        self.assertEqual([], self.fleet_json('policy', 'list'))
        res = self.fleet_cli('policy', 'show', 'small', expect=1)
        self.assertIn("No policy named 'small'", res.err)

    def test_audit_run_opens_resolves_and_lists_findings(self):
        self.fleet_cli('policy', 'load', self.path)
        dry = self.fleet_cli('audit', 'run', '--dry-run', '-f', 'json')
        self.assertIn('audit (dry run, nothing written): 2 rules over 3 '
                      'devices: 2 opened', dry.err)
        self.assertEqual([], self.fleet_json('finding', 'list'))
        run = self.fleet_cli('audit', 'run', '-f', 'json')
        self.assertEqual([('hot', 3, 1, 1), ('spread', 2, 1, 1)],
                         [(r['Rule'], r['Devices'], r['Failing'],
                           r['Opened']) for r in run.json()])
        found = self.fleet_json('finding', 'list', '--long')
        self.assertEqual([('hot', 'n1', 'critical', 'open'),
                          ('spread', 'region RegionOne', 'warning', 'open')],
                         [(f['Rule'], f['Subject'], f['Severity'],
                           f['Status']) for f in found])
        self.assertEqual(99.0, found[0]['Observed']['value'])
        only = self.fleet_json('finding', 'list', '--device', 'n1')
        self.assertEqual(['hot'], [f['Rule'] for f in only])
        self.assertEqual(['spread'], [f['Rule'] for f in self.fleet_json(
            'finding', 'list', '--severity', 'warning')])
        self.assertEqual(['spread'], [f['Rule'] for f in self.fleet_json(
            'finding', 'list', '--rule', 'spread')])
        hot_id = str(found[0]['ID'])
        acked = self.fleet_json('finding', 'ack', hot_id, '--reason',
                                'on it')
        self.assertEqual('acknowledged', acked[0]['Status'])
        self.hot(40, 'ok')
        again = self.fleet_cli('audit', 'run', '--rule', 'hot')
        self.assertIn('0 opened, 0 still open, 0 reopened, 1 resolved, '
                      '0 errors', again.err)
        shown = self.fleet_json('finding', 'show', hot_id, '--history')
        self.assertEqual('resolved', shown['status'])
        self.assertEqual([(None, 'open', 'tester'),
                          ('open', 'acknowledged', 'tester'),
                          ('acknowledged', 'resolved', 'tester')],
                         [(h['old'], h['new'], h['actor'])
                          for h in shown['history']])
        self.assertEqual(['spread'], [f['Rule'] for f in self.fleet_json(
            'finding', 'list')])
        self.assertEqual(2, len(self.fleet_json('finding', 'list',
                                                '--status', 'all')))
        res = self.fleet_cli('finding', 'ack', hot_id, expect=1)
        self.assertIn('is resolved; it cannot become acknowledged', res.err)
        self.fleet_cli('finding', 'resolve', str(found[1]['ID']))
        self.assertEqual([], self.fleet_json('finding', 'list'))

    def test_audit_run_finds_devices_with_actionable_alerts(self):
        alerts = self.write('alerts.yaml', ALERTS)
        self.fleet_cli('policy', 'load', alerts)
        self.api.alerts.receive(self.ctx, {'alerts': [
            {'name': 'FanFailed', 'labels': {'host': 'n1',
                                             'severity': 'critical'}},
            {'name': 'FanFailed', 'labels': {'host': 'ctl-1',
                                             'severity': 'critical'}},
            {'name': 'FanFailed', 'labels': {'host': 'ctl-2',
                                             'severity': 'warning'}}]})
        self.fleet_cli('silence', 'create', '--matcher',
                       'alertname=FanFailed', '--matcher', 'host=ctl-1',
                       '--expires', '1h', '--comment', 'fan ordered')
        run = self.fleet_cli('audit', 'run', '--policy', 'alerts',
                             '-f', 'json')
        self.assertEqual([('critical-fans', 3, 1, 1)],
                         [(r['Rule'], r['Devices'], r['Failing'],
                           r['Opened']) for r in run.json()])
        found = self.fleet_json('finding', 'list', '--rule',
                                'critical-fans', '--long')
        self.assertEqual([('n1', 'FanFailed', 'critical')],
                         [(f['Subject'], f['Observed']['alert'],
                           f['Observed']['severity']) for f in found])
        # Acknowledged: a human has it, no longer actionable.
        alert = [a for a in self.api.alerts.list(self.ctx)
                 if a['device'] == 'n1'][0]
        self.fleet_cli('alert', 'ack', str(alert['id']))
        again = self.fleet_cli('audit', 'run', '--policy', 'alerts')
        self.assertIn('0 opened, 0 still open, 0 reopened, 1 resolved',
                      again.err)
        bad = self.write('bad-alerts.yaml', ALERTS.replace(
            'severity=critical', 'severity'))
        res = self.fleet_cli('policy', 'validate', bad, expect=1)
        self.assertEqual(
            ["%s:5:40: rules[0].params.matchers[0]: 'severity' is not a "
             "matcher: name=value, name!=value, name=~regex or name!~regex"
             % bad], res.out.splitlines())

    def test_sample_config_has_the_audit_options(self):
        out = os.path.join(self.home, 'fleet.conf.sample')
        subprocess.run(
            [os.path.join(base.BIN, 'oslo-config-generator'),
             '--config-file',
             os.path.join(ROOT, 'etc/fleet/fleet-config-generator.conf'),
             '--output-file', out], check=True, cwd=ROOT, timeout=120,
            capture_output=True)
        with open(out) as f:
            sample = f.read()
        audit = sample.split('\n[audit]\n', 1)[1].split('\n[', 1)[0]
        self.assertIn('#max_policy_size = 1048576', audit)
        self.assertIn('#enabled_auditors = threshold,expected_state,ha,'
                      'capacity,security', audit)
        security = sample.split('\n[auditors.security]\n', 1)[1]
        self.assertIn('#default_passwords = ', security)
