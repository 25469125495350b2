"""The ansible executor on its own: playbooks, one run per key, outcomes.

Runs are real (ansible-runner, ``ansible_connection=local``); only two
of them, the rest reads playbooks and run directories.
"""

import json
import os
import time

import fixtures
from oslo_config import cfg

from fleet.common import exception
from fleet.plugins.executors import ansible
from tests import base

PLAYBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         'playbooks')


class TestAnsibleExecutor(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.dirs = self.useFixture(fixtures.TempDir()).path
        conf = cfg.ConfigOpts()
        conf.register_opts(ansible.AnsibleExecutor.get_config_opts(),
                           group='executors.ansible')
        conf([])
        self.options = conf['executors.ansible']
        conf.set_override('playbook_dirs', [PLAYBOOKS, self.dirs],
                          group='executors.ansible')
        conf.set_override('private_data_dir',
                          os.path.join(self.dirs, 'runs'),
                          group='executors.ansible')
        self.fleet_api = self.fleet()
        self.fleet_api.clouds.create(self.ctx, 'c1')
        self.fleet_api.regions.create(self.ctx, 'RegionOne', cloud='c1')
        self.fleet_api.devices.create(self.ctx, 'node-1', region='RegionOne')
        self.fleet_api.variables.set(self.ctx, 'device', 'node-1',
                                     {'ansible_connection': 'local'})
        self.executor = ansible.AnsibleExecutor(self.options,
                                                fleet=self.fleet_api)

    def params(self, key, **inputs):
        return {'workflow': 'fleet_probe', 'device': 'node-1', 'key': key,
                'input': dict({'host': 'node-1', 'reason': 'test'},
                              **inputs)}

    def wait(self, params, result, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            got = self.executor.status(params, result)
            if got['state'] != 'running' or time.monotonic() > deadline:
                return got
            time.sleep(0.3)

    def test_describe_reads_inputs_and_tags_of_the_plays(self):
        got = self.executor.describe('fleet_probe')
        self.assertEqual(['host', 'reason', 'dump_file', 'runs_file',
                          'fail_with', 'sleep'], got['input'])
        self.assertEqual(['fleet-out'], got['tags'])
        self.assertEqual(os.path.join(PLAYBOOKS, 'fleet_probe.yml'),
                         got['path'])
        shipped = self.executor.describe('fleet_facts')
        self.assertEqual(['host', 'reason', 'facts_file'], shipped['input'])
        self.assertEqual([], shipped['tags'])
        self.assertEqual(shipped['path'],
                         self.executor.describe('fleet_facts.yml')['path'])
        for name in ('nope', '../plugins/playbooks/fleet_probe', '/etc/x',
                     '.hidden', ''):
            self.assertIsNone(self.executor.describe(name), name)

    def test_a_playbook_that_is_not_a_list_of_plays_is_invalid(self):
        with open(os.path.join(self.dirs, 'broken.yaml'), 'w') as f:
            f.write('hosts: all\n')
        exc = self.assertRaises(exception.Invalid, self.executor.describe,
                                'broken')
        self.assertIn('is not a list of plays', str(exc))
        with open(os.path.join(self.dirs, 'bad.yml'), 'w') as f:
            f.write('- [unclosed\n')
        exc = self.assertRaises(exception.Invalid, self.executor.describe,
                                'bad')
        self.assertIn('is not YAML', str(exc))

    def test_pre_condition_refuses_a_missing_playbook(self):
        exc = self.assertRaises(exception.Conflict,
                                self.executor.pre_condition,
                                dict(self.params('k'), workflow='gone'))
        self.assertIn('playbook gone is not in', str(exc))

    def test_one_run_per_key_however_often_asked(self):
        runs = os.path.join(self.dirs, 'runs.txt')
        key = '0b7c2f4e-1111-4222-8333-444455556666'
        params = self.params(key, runs_file=runs)
        self.assertIsNone(self.executor.find(params))
        first = self.executor.execute(params)
        self.assertEqual({'execution_id': key, 'state': 'running'}, first)
        # A racing second start and a restarted fleet's lookup: the same.
        self.assertEqual(first, self.executor.execute(params))
        self.assertEqual(first, self.executor.find(params))
        got = self.wait(params, first)
        self.assertEqual('succeeded', got['state'], got)
        self.assertEqual({'team': 'absent', 'secret_seen': 'absent'},
                         got['output']['data'])
        self.executor.post_condition(params, first)
        with open(runs) as f:
            self.assertEqual(1, len(f.read().splitlines()))
        # Only the allowed environment reached the run's record.
        with open(os.path.join(self.executor.run_dir(key), 'artifacts', key,
                               'command')) as f:
            env = json.load(f)['env']
        self.assertNotIn('XDG_STATE_HOME', env)
        self.assertNotIn('OS_PASSWORD', env)

    def test_revert_stops_a_running_playbook(self):
        key = '0b7c2f4e-1111-4222-8333-777788889999'
        params = self.params(key, sleep=60)
        result = self.executor.execute(params)
        deadline = time.monotonic() + 30
        while not ansible._alive(self.executor.run_dir(key)):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.2)
        started = time.monotonic()
        self.executor.revert(params, result)
        got = self.wait(params, result, timeout=40)
        self.assertLess(time.monotonic() - started, 10)
        self.assertEqual(('failed', 'the playbook run was stopped '
                          '(reverted)'), (got['state'], got['error']))
        self.assertRaises(exception.Conflict, self.executor.post_condition,
                          params, result)

    def test_a_run_that_died_without_a_status_failed(self):
        key = '0b7c2f4e-1111-4222-8333-000000000000'
        run = self.executor.run_dir(key)
        os.makedirs(run)
        with open(os.path.join(run, 'fleet.json'), 'w') as f:
            json.dump({'started_at': time.time()}, f)
        params = self.params(key)
        result = {'execution_id': key}
        # Just started: the runner may not have written its pid yet.
        self.assertEqual('running',
                         self.executor.status(params, result)['state'])
        with open(os.path.join(run, 'fleet.json'), 'w') as f:
            json.dump({'started_at': time.time() - 3600}, f)
        got = self.executor.status(params, result)
        self.assertEqual(('failed', 'the playbook run stopped without a '
                          'status (killed?)'), (got['state'], got['error']))

    def test_a_run_that_could_not_start_leaves_nothing_behind(self):
        key = '0b7c2f4e-1111-4222-8333-aaaaaaaaaaaa'
        params = dict(self.params(key), workflow='vanished')
        self.assertRaises(exception.Conflict, self.executor.execute, params)
        self.assertFalse(os.path.exists(self.executor.run_dir(key)))
        self.assertIsNone(self.executor.find(params))
        params = dict(self.params(key), device='no-such-device')
        self.assertRaises(exception.NotFound, self.executor.execute, params)
        self.assertIsNone(self.executor.find(params))

    def test_a_run_unknown_on_this_host_is_not_taken_for_failed(self):
        key = '0b7c2f4e-1111-4222-8333-bbbbbbbbbbbb'
        exc = self.assertRaises(exception.SourceUnavailable,
                                self.executor.status, self.params(key),
                                {'execution_id': key})
        self.assertIn('no such run directory on this host', str(exc))

    def test_a_key_that_is_not_an_ident_is_refused(self):
        self.assertRaises(exception.Conflict, self.executor.execute,
                          self.params('../../etc'))
