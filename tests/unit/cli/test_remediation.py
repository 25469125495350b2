"""fleet remediation run --dry-run, workbook list, device handoff|handback.

What runs without Mistral: plans, refusals and the known workbooks (the
runs themselves are functional tests against the lab's Mistral).
"""

from tests.unit.cli import base


class TestRemediationCLI(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.make_place(cell='cell1', rack='r1')
        for name in ('node-1', 'node-2'):
            self.fleet_cli('device', 'create', name, '--rack', 'r1')

    def test_workbook_list_shows_the_shipped_workflows_and_tags(self):
        rows = {r['Workflow']: r for r in self.fleet_json('workbook',
                                                          'list')}
        self.assertEqual(['fleet-out'], rows['fleet_host.drain']['Tags'])
        self.assertEqual(['fleet-return'],
                         rows['fleet_host.return_to_pool']['Tags'])
        self.assertIn('checks', rows['fleet_host.power_cycle']['Input'])
        self.assertIn('fleet_host.evacuate', rows)
        self.assertEqual(['fleet-return'],
                         rows['fleet_host.remediate_overheat']['Tags'])
        for name in ('keep_out', 'hw_replace', 'evacuate', 'handoff'):
            self.assertEqual(['fleet-out'],
                             rows['fleet_host.%s' % name]['Tags'])
        self.assertIn('ironic_node', rows['fleet_host.evacuate']['Input'])
        self.assertEqual(['fleet-periodic'],
                         rows['fleet_sweep.sweep']['Tags'])

    def test_workbook_sync_refuses_a_bad_sweep_pattern_before_mistral(self):
        # Nothing listens on the discard port: a refusal must come first.
        with open(self.config_file, 'a') as f:
            f.write('\n[remediation]\nenabled_executors = mistral\n'
                    'sweep_pattern = every hour\n'
                    '[executors.mistral]\nurl = http://127.0.0.1:9/v2\n')
        res = self.fleet_cli('workbook', 'sync', expect=1)
        self.assertIn("sweep_pattern: not a cron pattern: 'every hour'",
                      res.err)
        self.assertIn('five cron fields', res.err)
        self.assertNotIn('127.0.0.1:9', res.err)

    def test_the_overheat_plan_fills_host_and_reason(self):
        res = self.fleet_cli('remediation', 'run',
                             'fleet_host.remediate_overheat', '--device',
                             'node-1', '--input', 'nova_host=cmp-1',
                             '--reason', 'CPU at 99 C', '--dry-run')
        self.assertEqual(0, res.code, res.err)
        self.assertIn('Dry run, would run: fleet_host.remediate_overheat on '
                      'node-1 with host=node-1, nova_host=cmp-1, '
                      'reason=CPU at 99 C (executor mistral)', res.err)

    def test_dry_run_prints_the_plan_and_writes_nothing(self):
        res = self.fleet_cli('remediation', 'run', 'fleet_host.power_cycle',
                         '--device', 'node-1', '--input', 'checks=4',
                         '--reason', 'hot', '--dry-run', '-f', 'json')
        self.assertIn('Dry run, would run: fleet_host.power_cycle on node-1 '
                      'with checks=4, host=node-1, reason=hot (executor '
                      'mistral)', res.err)
        self.assertEqual('planned', res.json()['state'])
        self.assertEqual([], self.fleet_json('remediation', 'list'))

    def test_unknown_workflow_and_input_are_one_line_errors(self):
        res = self.fleet_cli('remediation', 'run', 'fleet_host.nope', '--device',
                         'node-1', '--reason', 'x', '--dry-run', expect=1)
        self.assertIn("workflow: no known workbook has workflow "
                      "'fleet_host.nope'", res.err)
        res = self.fleet_cli('remediation', 'run', 'fleet_host.drain',
                         '--device', 'node-1', '--reason', 'x', '--input',
                         'speed', '--dry-run', expect=1)
        self.assertIn('--input: expected KEY=VALUE', res.err)
        res = self.fleet_cli('remediation', 'run', 'fleet_host.drain',
                         '--device', 'node-1', '--dry-run', expect=1)
        self.assertIn('reason: a remediation needs a reason', res.err)

    def test_handoff_refuses_remediation_until_handback(self):
        res = self.fleet_cli('device', 'handoff', 'node-1', expect=1)
        self.assertIn('reason: a hand-off needs a reason', res.err)
        shown = self.fleet_json('device', 'handoff', 'node-1', '--reason',
                                'smoke')
        self.assertEqual((True, 'smoke'), (shown['hands_off'],
                                           shown['reason']))
        res = self.fleet_cli('remediation', 'run', 'fleet_host.power_cycle',
                         '--device', 'node-1', '--reason', 'auto',
                         '--dry-run', expect=1)
        self.assertIn("device 'node-1' is handed off to a human (by tester: "
                      "smoke)", res.err)
        self.assertEqual(1, len(res.err.strip().splitlines()), res.err)
        self.fleet_cli('device', 'handback', 'node-1')
        self.fleet_cli('remediation', 'run', 'fleet_host.power_cycle',
                   '--device', 'node-1', '--reason', 'auto', '--dry-run')
        changes = self.fleet_json('change', 'list', '--type', 'device',
                                  '--name', 'node-1')
        self.assertEqual([True, False][::-1],
                         [c['New'] for c in changes
                          if c['Field'] == 'hands_off'])
