"""fleet remediation run PLAYBOOK --executor ansible: real playbook runs.

ansible-runner runs real playbooks against the device as the inventory's
only host, with ``ansible_connection=local`` among its variables: the
shipped ``fleet_facts`` and the test playbook ``fleet_probe``, which
reports what it was given and fails, sleeps or counts its runs on
request. Each run costs ansible's start-up (a second or two): a few runs,
each checking several things.
"""

import json
import os
import time

import fixtures

from fleet.common import constants
from tests.unit.cli import base

PLAYBOOKS = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), 'plugins', 'playbooks')
SECRET = 'Zq9-Pl41n-BMC-Pa55'
#: A rule whose plan (approve mode) runs fleet_probe, which fails.
PROBE_POLICY = '''\
name: probe
rules:
  - name: nova-enabled
    selector: {rack: r1}
    auditor: expected_state
    params:
      checks: [{fact: nova.status, expect: enabled}]
    remediation:
      workflow: fleet_probe
      input: {fail_with: disk full}
    mode: approve
    approval_ttl: 1h
'''


class TestAnsibleRemediationCLI(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.private = os.path.join(self.home, 'runs')
        self.useFixture(fixtures.EnvironmentVariable('FLEET_TEST_BMC',
                                                     SECRET))
        self.configure()
        self.make_place(cell='cell1', rack='r1')
        self.fleet_cli('device', 'create', 'node-1', '--rack', 'r1',
                       '--mgmt-address', '192.0.2.11')
        self.fleet_cli('var', 'set', 'node-1', 'ansible_connection=local',
                       'team=blue')
        self.fleet_cli('var', 'set', 'node-1', '--secret-env',
                       'bmc_password=FLEET_TEST_BMC')

    def configure(self, **options):
        opts = {'playbook_dirs': PLAYBOOKS, 'private_data_dir': self.private,
                'timeout': 120}
        opts.update(options)
        with open(self.config_file, 'w') as f:
            f.write('[database]\nconnection = %s\n[secrets]\nkey_file = %s\n'
                    '[remediation]\nenabled_executors = mistral,ansible\n'
                    '[executors.ansible]\n%s\n' % (
                        self.db_url, self.key_file, '\n'.join(
                            '%s = %s' % kv for kv in opts.items())))

    def run_playbook(self, playbook, *inputs, expect=0, extra=()):
        argv = ['remediation', 'run', playbook, '--device', 'node-1',
                '--executor', 'ansible', '--reason', 'probe']
        for pair in inputs:
            argv += ['--input', pair]
        res = self.fleet_cli(*(argv + list(extra) + ['-f', 'json']),
                             expect=expect)
        return res, res.json()

    def test_shipped_playbook_runs_with_the_device_variables(self):
        facts = os.path.join(self.home, 'facts.json')
        res, rem = self.run_playbook('fleet_facts', 'facts_file=' + facts)
        self.assertIn('Plan: fleet_facts on node-1 with facts_file=%s, '
                      'host=node-1, reason=probe (executor ansible)' % facts,
                      res.err)
        self.assertEqual('succeeded', rem['state'])
        self.assertEqual(rem['idempotency_key'], rem['execution_id'])
        uuid = self.fleet_json('device', 'show', 'node-1')['uuid']
        got = rem['output']['data']['facts']
        self.assertEqual(('node-1', uuid, 'RegionOne', 'r1', 'probe'),
                         (got['device'], got['uuid'], got['region'],
                          got['rack'], got['reason']))
        self.assertEqual({}, rem['output']['stats']['failures'])
        with open(facts) as f:
            self.assertEqual(got, json.load(f))
        # Succeeded and not tagged fleet-out: the slot is free again.
        self.assertFalse(rem['holds_slot'])
        changes = self.fleet_json('change', 'list', '--type', 'remediation')
        self.assertIn('succeeded', [c['New'] for c in changes
                                    if c['Field'] == 'state'])

    def test_secrets_reach_the_playbook_only_when_configured(self):
        dump = os.path.join(self.home, 'vars.json')
        _res, rem = self.run_playbook('fleet_probe', 'dump_file=' + dump)
        self.assertEqual('succeeded', rem['state'])
        with open(dump) as f:
            seen = json.load(f)
        uuid = self.fleet_json('device', 'show', 'node-1')['uuid']
        self.assertEqual({'team': 'blue', 'bmc_password': 'absent',
                          'fleet_uuid': uuid, 'ansible_host': '192.0.2.11',
                          'connection': 'local', 'host': 'node-1',
                          'reason': 'probe'}, seen)
        self.assertEqual('absent', rem['output']['data']['secret_seen'])
        # Tagged fleet-out: the device stays out after a success.
        self.assertTrue(rem['holds_slot'])

        self.configure(pass_secrets='true')
        os.remove(dump)
        res, rem = self.run_playbook(
            'fleet_probe', 'dump_file=' + dump, 'fail_with=disk full',
            expect=1, extra=['--idempotency-key',
                             'a1a1a1a1-0000-4000-8000-000000000001'])
        with open(dump) as f:
            self.assertEqual(SECRET, json.load(f)['bmc_password'])
        # fleet reports the run with the secret masked.
        self.assertEqual('failed', rem['state'])
        self.assertEqual("task 'Fail on request' failed on node-1: disk "
                         "full (password %s)" % constants.MASK, rem['error'])
        self.assertEqual(constants.MASK,
                         rem['output']['data']['secret_seen'])
        self.assertEqual(2, rem['output']['rc'])
        # The extra vars file that held it is gone once the run ended.
        run = os.path.join(self.private, rem['idempotency_key'])
        self.assertFalse(os.path.exists(os.path.join(run, 'env',
                                                     'extravars')))
        self.assertNotIn(SECRET, res.out + res.err)
        # (assert_no_secret_leaked checks the change log and the logs.)

    def test_failure_is_one_line_and_keeps_the_device_out(self):
        res, rem = self.run_playbook('fleet_probe', 'fail_with=fan broken',
                                     expect=1)
        self.assertEqual('failed', rem['state'])
        self.assertEqual("task 'Fail on request' failed on node-1: fan "
                         "broken (password absent)", rem['error'])
        self.assertTrue(rem['holds_slot'])
        # The blast radius (1 device of the rack) refuses its neighbour.
        self.fleet_cli('device', 'create', 'node-2', '--rack', 'r1')
        res = self.fleet_cli('remediation', 'run', 'fleet_facts', '--device',
                             'node-2', '--executor', 'ansible', '--reason',
                             'again', '--dry-run', expect=1)
        self.assertIn('node-1', res.err)
        self.assertEqual(1, len(res.err.strip().splitlines()), res.err)

    def test_timeout_stops_the_run(self):
        self.configure(timeout='2')
        started = time.monotonic()
        _res, rem = self.run_playbook('fleet_probe', 'sleep=60', expect=1)
        self.assertLess(time.monotonic() - started, 30)
        self.assertEqual('failed', rem['state'])
        self.assertEqual('the playbook run took longer than 2.0 s '
                         '([executors.ansible] timeout) and was stopped',
                         rem['error'])
        self.assertEqual('timeout', rem['output']['status'])

    def test_reconcile_after_a_crash_does_not_run_twice(self):
        """fleet died after starting the run, before recording it."""
        from fleet.plugins import loader

        runs = os.path.join(self.home, 'runs.txt')
        fleet = self.fleet()
        fleet.conf.set_override('enabled_executors', ['ansible'],
                                group='remediation')
        self.addCleanup(fleet.conf.clear_override, 'enabled_executors',
                        group='remediation')
        loader.register_plugin_opts(
            fleet.conf, 'executors', 'ansible',
            loader.plugin_classes('executors', ['ansible'])['ansible'])
        for opt, value in (('playbook_dirs', [PLAYBOOKS]),
                           ('private_data_dir', self.private)):
            fleet.conf.set_override(opt, value, group='executors.ansible')
            self.addCleanup(fleet.conf.clear_override, opt,
                            group='executors.ansible')
        ctx = self.ctx.replace(reason='crash test')
        plan = fleet.remediations.plan(ctx, 'fleet_probe', 'node-1',
                                       {'runs_file': runs},
                                       executor='ansible')
        rem = fleet.remediations.claim(ctx, plan)
        # The executor started the run; the process died right after.
        executor = fleet.remediations.executor('ansible')
        executor.execute({'workflow': 'fleet_probe', 'device': 'node-1',
                          'input': rem['input'],
                          'key': rem['idempotency_key']})
        self.assertEqual('pending', self.fleet_json(
            'remediation', 'show', rem['id'])['state'])

        rows = self.fleet_json('remediation', 'reconcile')
        self.assertEqual([rem['id']], [r['ID'] for r in rows])
        deadline = time.monotonic() + 60
        while True:
            shown = self.fleet_json('remediation', 'show', rem['id'])
            if shown['state'] != 'running' or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual('succeeded', shown['state'], shown)
        # Reconciling again finds nothing to do; the playbook ran once.
        self.assertEqual([], self.fleet_json('remediation', 'reconcile'))
        with open(runs) as f:
            self.assertEqual(1, len(f.read().splitlines()))

    def test_plans_name_the_playbook_and_refuse_unknown_ones(self):
        res = self.fleet_cli('remediation', 'run', 'fleet_probe', '--device',
                             'node-1', '--executor', 'ansible', '--input',
                             'sleep=3', '--reason', 'x', '--dry-run')
        self.assertIn('Dry run, would run: fleet_probe on node-1 with '
                      'host=node-1, reason=x, sleep=3 (executor ansible)',
                      res.err)
        res = self.fleet_cli('remediation', 'run', 'nope', '--device',
                             'node-1', '--executor', 'ansible', '--reason',
                             'x', '--dry-run', expect=1)
        self.assertIn("workflow: no playbook 'nope' (NAME.yml or NAME.yaml); "
                      "add its directory to [executors.ansible] "
                      "playbook_dirs", res.err)
        res = self.fleet_cli('remediation', 'run', '../etc/passwd',
                             '--device', 'node-1', '--executor', 'ansible',
                             '--reason', 'x', '--dry-run', expect=1)
        self.assertIn("no playbook '../etc/passwd'", res.err)
        res = self.fleet_cli('remediation', 'run', 'fleet_probe', '--device',
                             'node-1', '--executor', 'ansible', '--input',
                             'colour=red', '--reason', 'x', '--dry-run',
                             expect=1)
        self.assertIn('input: fleet_probe takes no input colour', res.err)
        self.assertEqual([], self.fleet_json('remediation', 'list'))

    def test_an_executor_not_enabled_is_refused_at_once(self):
        with open(self.config_file, 'w') as f:
            f.write('[database]\nconnection = %s\n[secrets]\nkey_file = %s\n'
                    % (self.db_url, self.key_file))
        res = self.fleet_cli('remediation', 'run', 'fleet_facts', '--device',
                             'node-1', '--executor', 'ansible', '--reason',
                             'x', '--dry-run', expect=1)
        self.assertIn("executor 'ansible' is not enabled", res.err.lower())
        self.assertIn('[remediation] enabled_executors', res.err)

    def test_an_approved_plan_that_fails_exits_1(self):
        with open(self.config_file, 'a') as f:
            f.write('[remediation]\ndefault_executor = ansible\n')
        path = os.path.join(self.home, 'probe.yaml')
        with open(path, 'w') as f:
            f.write(PROBE_POLICY)
        self.fleet().variables.set(self.ctx, 'device', 'node-1', {
            'nova': {'status': 'disabled'}}, observed=True)
        self.fleet_cli('policy', 'load', path)
        self.fleet_cli('audit', 'run')
        self.fleet_cli('remediation', 'resolve')
        plan = self.fleet_json('remediation', 'list', '--state',
                               'pending-approval')[0]['ID']
        res = self.fleet_cli('remediation', 'approve', plan, '--reason',
                             'go', '--wait', '-f', 'json', expect=1)
        rem = res.json()
        self.assertEqual(('failed', 'ansible', 'go'), (
            rem['state'], rem['executor'], rem['decided_reason']))
        self.assertIn('disk full', rem['error'])
