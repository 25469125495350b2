"""``fleet.collect``, ``fleet.audit``, ``fleet.resolve`` as Mistral runs them.

Each action opens fleet from the ``fleet_config`` file its input names (a
real SQLite database here) and reports what the service layer did; Mistral
itself runs them in the functional tests (tests/functional/test_sweep.py).
"""

import os
import tempfile

from mistral_lib import actions as mistral_actions
import testtools

from fleet import api
from fleet.common.readings import Reading
from fleet import conf as fleet_conf
from fleet.db import models
from fleet.mistral.actions import base as action_base
from fleet.mistral.actions import sweep

POLICY = '''\
name: sweep
rules:
  - name: hot
    selector: {type: host}
    auditor: threshold
    params: {metric: temperature.*, status: critical}
    severity: critical
'''

RESOLVE_POLICY = '''\
name: fix
rules:
  - name: hot-fix
    selector: {type: host}
    auditor: threshold
    params: {metric: temperature.*, status: critical}
    severity: critical
    remediation: {workflow: fleet_host.power_cycle}
    mode: approve
'''


class _Execution:
    workflow_execution_id = 'wf-1234'


class _Context:
    execution = _Execution()


class TestSweepActions(testtools.TestCase):

    def setUp(self):
        super().setUp()
        work = tempfile.mkdtemp()
        self.addCleanup(lambda: os.system('rm -rf %s' % work))
        self.conf_file = os.path.join(work, 'fleet.conf')
        with open(self.conf_file, 'w') as f:
            f.write('[database]\nconnection = sqlite:///%s/f.sqlite\n'
                    '[collectors]\nenabled_collectors =\n' % work)
        self.addCleanup(action_base._FLEETS.clear)
        self.fleet = api.connect(conf=fleet_conf.load([self.conf_file]))
        ctx = self.ctx = self.fleet.context(reason='test')
        self.fleet.clouds.create(ctx, 'prod')
        self.fleet.regions.create(ctx, 'r1', cloud='prod')
        ids = {n: self.fleet.devices.create(ctx, n, region='r1')['id']
               for n in ('hot-1', 'cool-1')}
        self.fleet.telemetry.record(ctx, [
            Reading(ids['hot-1'], 'temperature.cpu', 99.0,
                    status='critical', read_at=models.utcnow(),
                    source='test'),
            Reading(ids['cool-1'], 'temperature.cpu', 40.0, status='ok',
                    read_at=models.utcnow(), source='test')])
        self.fleet.policies.load(ctx, [('sweep.yaml', POLICY)])

    def test_audit_opens_the_finding_as_the_execution(self):
        out = sweep.Audit(fleet_config=self.conf_file).run(_Context())
        self.assertEqual((1, 2, 1), (out['rules'], out['devices'],
                                     out['opened']))
        self.assertEqual([{'rule': 'hot', 'auditor': 'threshold',
                           'devices': 2, 'failing': 1, 'errors': 0}],
                         [{k: r[k] for k in ('rule', 'auditor', 'devices',
                                             'failing', 'errors')}
                          for r in out['per_rule']])
        found = self.fleet.findings.list(self.ctx)
        self.assertEqual([('hot', 'hot-1', 'open')],
                         [(f['rule'], f['subject'], f['status'])
                          for f in found])
        again = sweep.Audit(fleet_config=self.conf_file).run(_Context())
        self.assertEqual((0, 1), (again['opened'], again['still_open']))

    def test_audit_of_an_unknown_policy_fails_the_action_in_one_line(self):
        out = sweep.Audit(policy='nope',
                          fleet_config=self.conf_file).run(_Context())
        self.assertIsInstance(out, mistral_actions.Result)
        self.assertIn('nope', out.error)
        self.assertNotIn('Traceback', out.error)

    def test_collect_with_no_collector_enabled_reports_nothing_read(self):
        out = sweep.Collect(fleet_config=self.conf_file).run(_Context())
        self.assertEqual({'collectors': [], 'errors': []}, out)

    def test_collect_of_a_collector_not_enabled_fails_the_action(self):
        out = sweep.Collect(collector='ipmi',
                            fleet_config=self.conf_file).run(_Context())
        self.assertIsInstance(out, mistral_actions.Result)
        self.assertIn('ipmi', out.error)

    def _audited(self):
        self.fleet.policies.load(self.ctx, [('fix.yaml', RESOLVE_POLICY)])
        sweep.Audit(policy='fix', fleet_config=self.conf_file).run(_Context())
        return self.fleet.findings.list(self.ctx, rule='hot-fix')[0]['id']

    def test_resolve_plans_for_approval_as_the_execution(self):
        finding = self._audited()
        dry = sweep.Resolve(dry_run=True,
                            fleet_config=self.conf_file).run(_Context())
        self.assertEqual({'approve': 1}, dry['counts'])
        self.assertEqual([], self.fleet.remediations.list(self.ctx))
        out = sweep.Resolve(fleet_config=self.conf_file).run(_Context())
        self.assertEqual({'approve': 1}, out['counts'])
        [dec] = out['decisions']
        self.assertEqual((finding, 'hot-fix', 'hot-1', 'pending-approval',
                          'fleet_host.power_cycle'),
                         (dec['finding'], dec['rule'], dec['device'],
                          dec['state'], dec['workflow']))
        self.assertIsInstance(dec['expires_at'], str)   # JSON for Mistral
        [plan] = self.fleet.remediations.list(self.ctx)
        self.assertEqual((dec['remediation'], 'pending-approval',
                          'mistral:wf-1234',
                          'finding %d of rule hot-fix' % finding),
                         (plan['id'], plan['state'], plan['actor'],
                          plan['reason']))
        again = sweep.Resolve(fleet_config=self.conf_file).run(_Context())
        self.assertEqual({'decisions': [], 'counts': {}}, again)

    def test_resolve_of_an_unknown_policy_fails_the_action_in_one_line(self):
        out = sweep.Resolve(policy='nope',
                            fleet_config=self.conf_file).run(_Context())
        self.assertIsInstance(out, mistral_actions.Result)
        self.assertIn('nope', out.error)
        self.assertNotIn('\n', out.error)
