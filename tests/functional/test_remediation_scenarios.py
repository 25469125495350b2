"""The seed's remediation scenarios on the lab's real Mistral, Nova, Ironic
and BMCs.

Automated Remediation of an overheating host (lab-hot-1's BMC reads a CPU
at 99 C; its nova-compute is lab-compute-1, named by the device variable
``nova_host``): audit finding -> ``fleet_host.remediate_overheat`` drains
lab-compute-1 (every seed server live- or cold-migrated to lab-compute-2),
sets Ironic maintenance, power-cycles the BMC, waits for the sensors (the
test cools the BMC when the power goes off: the cycle "fixed" it) and
nova-compute, and returns the host to the pool; the next audit resolves
the finding. The same workflow on a host whose BMC refuses the login fails
at the power cycle and leaves the host out of the pool with the reason.
Manual HW replacement up to maintenance mode (``fleet_host.hw_replace``)
and the hand-off with its notification. Run under ``flock
/tmp/fleet-lab.lock``; every test puts the lab back (scenario_base).
"""

import http.server
import json
import queue
import threading

from fleet import api
from fleet.common.readings import Reading
from fleet import conf as fleet_conf
from fleet.db import models
from tests.functional import scenario_base
from tools.lab import bmc

POLICY = '''\
name: scenario
rules:
  - name: bmc-overheat
    selector: {type: host}
    auditor: threshold
    params: {metric: temperature.cpu_temp, status: critical}
    severity: critical
    remediation:
      workflow: fleet_host.remediate_overheat
    mode: approve
'''
FAILING_POLICY = POLICY.replace(
    'workflow: fleet_host.remediate_overheat',
    'workflow: fleet_host.remediate_overheat\n'
    '      input: {reason: CPU overheating, checks: 2}')


class TestOverheatingHost(scenario_base.ScenarioTestCase):

    def setUp(self):
        super().setUp()
        bmc.clear_sel('lab-hot-1')
        self.addCleanup(bmc.clear_sel, 'lab-hot-1')
        self.addCleanup(bmc.reset_sensors, 'lab-hot-1')
        self.touched_nodes.update({'lab-hot-1', 'lab-badpass-1'})
        # lab-hot-1's BMC stands for lab-compute-1's chassis.
        self.fleet('var', 'set', '--scope', 'device', 'lab-hot-1',
                   'nova_host=lab-compute-1', '--reason',
                   'lab: the nova-compute of this chassis')

    def test_overheating_host_is_drained_cycled_checked_and_returned(self):
        self.assertEqual(self.seed_servers(), self.servers_on(
            'lab-compute-1'))
        bmc.set_sensor('lab-hot-1', 'CPU Temp', 99)
        self.load_policy(POLICY)
        self.fleet('collect', '--device', 'lab-hot-1')
        self.fleet('audit', 'run')
        finding = self.findings()[('bmc-overheat', 'lab-hot-1')]
        self.assertEqual('open', finding['Status'])

        seen, stop = self.watch_power(
            'lab-hot-1', on_off=lambda: bmc.reset_sensors('lab-hot-1'))
        proc, rem = self.run_remediation(
            'fleet_host.remediate_overheat', 'lab-hot-1', '--reason',
            'finding %s: CPU overheating' % finding['ID'])
        stop()
        self.assertEqual('succeeded', rem['state'], rem['error'])
        self.assertIn('Plan: fleet_host.remediate_overheat on lab-hot-1',
                      proc.stderr)
        # Drained: every seed server moved, by live or cold migration.
        self.assertEqual([], self.servers_on('lab-compute-1'))
        self.assertEqual(self.seed_servers(),
                         self.servers_on('lab-compute-2'))
        self.assertEqual(4, len(rem['output']['migrated']))
        self.assertEqual('lab-compute-1', rem['output']['nova_host'])
        node = self.conn.baremetal.get_node('lab-hot-1')
        self.assertEqual(node.id, rem['output']['ironic_node'])
        # Power-cycled through the BMC, checked, returned to the pool.
        self.assertEqual(['1', '0', '1'], seen)
        self.assertEqual('ok', rem['output']['health']['status'])
        self.assertEqual('enabled', self.service('lab-compute-1').status)
        self.assertFalse(node.is_maintenance)
        self.assertFalse(rem['holds_slot'])
        self.assertNotIn('drained', self.fleet_json(
            'device', 'show', 'lab-hot-1')['labels'])
        # The steps ran in order, each once.
        tasks = [t[0] for t in self.task_executions(rem['execution_id'])]
        for step in ('inventory', 'drain', 'set_maintenance', 'cycle',
                     'sensors', 'return_to_pool', 'unset_maintenance'):
            self.assertEqual(1, tasks.count(step), tasks)
        self.assertNotIn('keep_out', tasks)
        # The story, from fleet's change log.
        # The story, from fleet's change log: each change by the Mistral
        # execution (a sub-workflow's) of this remediation, with its reason.
        reason = 'finding %s: CPU overheating' % finding['ID']
        story = [c for c in self.fleet_changes(
            '--type', 'device', '--name', 'lab-hot-1')
            if c['Reason'] == reason]
        roots = {self.mistral().executions.get(
            c['Actor'].split(':', 1)[1]).root_execution_id or
            c['Actor'].split(':', 1)[1] for c in story}
        self.assertEqual({rem['execution_id']}, roots)
        labels = [c['New'] for c in story if c['Field'] == 'labels']
        self.assertEqual(2, len(labels), story)
        self.assertEqual(['drained'], sorted(set(labels[0]) ^ set(labels[1])))
        self.assertEqual(1, len([c for c in story if c['Field'] == 'power']))
        # The remediation's own record names the steps Mistral ran.
        steps = [c['New'] for c in self.fleet_changes(
            '--type', 'remediation') if c['Field'] == 'steps']
        self.assertEqual(1, len(steps), steps)
        self.assertIn('drain SUCCESS', steps[0])
        self.assertIn('power_cycle SUCCESS', steps[0])
        self.assertLess(steps[0].index('drain'),
                        steps[0].index('power_cycle'))

        # The next sweep: the BMC reads ok, the finding resolves.
        self.fleet('collect', '--device', 'lab-hot-1')
        self.fleet('audit', 'run')
        finding = self.findings().get(('bmc-overheat', 'lab-hot-1'))
        self.assertIsNone(finding)

    def test_a_step_that_fails_leaves_the_host_out_with_the_reason(self):
        # lab-badpass-1's BMC refuses the login Ironic (and so fleet) has:
        # its overheat reading is recorded through the Python API (the
        # BMC cannot be read), the resolver plans the rule's workflow, the
        # approval starts it, and the power cycle fails after the drain.
        fleet = api.connect(conf=fleet_conf.load([self.conf_file]))
        ctx = fleet.context(reason='lab: lab-badpass-1 overheats')
        dev = fleet.devices.show(ctx, 'lab-badpass-1')
        fleet.telemetry.record(ctx, [Reading(
            dev['id'], 'temperature.cpu_temp', 99.0, status='critical',
            read_at=models.utcnow(), source='test')])
        self.fleet('var', 'set', '--scope', 'device', 'lab-badpass-1',
                   'nova_host=lab-compute-1', '--reason',
                   'lab: the nova-compute of this chassis')
        self.load_policy(FAILING_POLICY)
        self.fleet('audit', 'run')
        finding = self.findings()[('bmc-overheat', 'lab-badpass-1')]
        [plan] = self.fleet_json('remediation', 'resolve', '--finding',
                                 str(finding['ID']))
        self.assertEqual(('approve', 'pending-approval'),
                         (plan['Decision'], plan['State']))
        proc = self.fleet('remediation', 'approve', plan['Remediation'],
                          '--reason', 'cool it down', '--wait', '-f', 'json',
                          expect=1)
        rem = json.loads(proc.stdout)
        self.assertEqual('failed', rem['state'])
        # The resolver-started remediation failed: the finding is
        # escalated to a human.
        status = {(f['Rule'], f['Subject']): f['Status'] for f in
                  self.fleet_json('finding', 'list', '--status', 'all',
                                  '--long')}
        self.assertEqual('escalated',
                         status[('bmc-overheat', 'lab-badpass-1')])
        self.assertIn('power_cycle failed (host kept out of the pool)',
                      rem['error'])
        self.assertIn('authentication refused', rem['error'])
        self.assertTrue(rem['holds_slot'])
        # Out of the pool, with the reason, for a human.
        self.assertEqual([], self.servers_on('lab-compute-1'))
        svc = self.service('lab-compute-1')
        why = 'CPU overheating (remediation failed at power_cycle)'
        self.assertEqual(('disabled', why), (svc.status,
                                             svc.disabled_reason))
        node = self.conn.baremetal.get_node('lab-badpass-1')
        self.assertEqual((True, why), (node.is_maintenance,
                                       node.maintenance_reason))
        labels = self.fleet_json('device', 'show', 'lab-badpass-1')['labels']
        self.assertIn('remediation-failed', labels)
        self.assertIn('drained', labels)
        tasks = [t[0] for t in self.task_executions(rem['execution_id'])]
        self.assertIn('keep_out', tasks)
        self.assertNotIn('return_to_pool', tasks)
        failed = [c for c in self.fleet_changes(
            '--type', 'device', '--name', 'lab-badpass-1')
            if c['Field'] == 'labels' and 'remediation-failed' in c['New']]
        self.assertEqual(1, len(failed))
        self.assertIn(why, failed[0]['Reason'])
        self.assertIn('authentication refused', failed[0]['Reason'])
        self.assert_no_password(proc.stdout, proc.stderr,
                                json.dumps(failed))
        # The failed host keeps its slot: with the limit at 1, nothing else
        # in the region may go out until a human returns it.
        with open(self.conf_file, 'a') as f:
            f.write('\n[remediation]\nmax_devices_out = 1\n')
        proc, _ = self.run_remediation('fleet_host.power_cycle', 'lab-ctl-1',
                                       '--reason', 'other', expect=1)
        self.assertIn('lab-badpass-1', proc.stderr)
        _, back = self.run_remediation(
            'fleet_host.return_to_pool', 'lab-badpass-1', '--reason',
            'BMC password fixed', '--input', 'nova_host=lab-compute-1',
            '--input', 'ironic_node=lab-badpass-1')
        self.assertEqual('succeeded', back['state'], back['error'])
        self.assertEqual([False, False], [r['Holds Slot'] for r in
                                          self.fleet_json('remediation',
                                                          'list')])
        self.assertNotIn('remediation-failed', self.fleet_json(
            'device', 'show', 'lab-badpass-1')['labels'])


class _Webhook(http.server.BaseHTTPRequestHandler):
    got = None

    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        self.got.put(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class TestHandOffAndHardwareReplacement(scenario_base.ScenarioTestCase):

    def setUp(self):
        super().setUp()
        got = queue.Queue()
        handler = type('Webhook', (_Webhook,), {'got': got})
        server = http.server.HTTPServer(('127.0.0.1', 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.events = got
        secret = '%s/webhook.secret' % self.work
        with open(secret, 'w') as f:
            f.write('functional-secret\n')
        with open(self.conf_file, 'a') as f:
            f.write('\n[notifications]\nenabled_notifiers = webhook\n'
                    '\n[notifiers.webhook]\nurl = http://127.0.0.1:%d/\n'
                    'secret_file = %s\n' % (server.server_port, secret))
        self.touched_nodes.add('lab-compute-1')
        self.addCleanup(self._handback, 'lab-compute-1')

    def _handback(self, name):
        self.fleet('device', 'handback', name, expect=None)

    def hands_off_event(self, name, timeout=20):
        """The first fleet.device.update event with a hands_off change."""
        while True:
            event = self.events.get(timeout=timeout)
            payload = event['payload']
            if event['event_type'] == 'fleet.device.update' and \
                    payload['device']['name'] == name and \
                    'hands_off' in payload['changes']:
                return event

    def test_handoff_notifies_and_stops_automatic_work(self):
        _, rem = self.run_remediation('fleet_host.handoff', 'lab-ctl-1',
                                      '--reason', 'smoke from the PSU')
        self.addCleanup(self._handback, 'lab-ctl-1')
        self.assertEqual('succeeded', rem['state'], rem['error'])
        event = self.hands_off_event('lab-ctl-1')
        self.assertEqual('mistral:%s' % rem['execution_id'],
                         event['payload']['actor'])
        proc, _ = self.run_remediation('fleet_host.power_cycle', 'lab-ctl-1',
                                       '--reason', 'auto', expect=1)
        self.assertIn("device 'lab-ctl-1' is handed off to a human (by "
                      "mistral:%s: smoke from the PSU)" % rem['execution_id'],
                      proc.stderr)
        self.assertTrue(rem['holds_slot'])

    def test_hw_replacement_up_to_maintenance_mode(self):
        _, rem = self.run_remediation(
            'fleet_host.hw_replace', 'lab-compute-1', '--reason',
            'DIMM B2 failing (ticket 4711)')
        self.assertEqual('succeeded', rem['state'], rem['error'])
        # Drained, in maintenance with the reason, handed off, notified.
        self.assertEqual([], self.servers_on('lab-compute-1'))
        self.assertEqual(self.seed_servers(),
                         self.servers_on('lab-compute-2'))
        svc = self.service('lab-compute-1')
        self.assertEqual(('disabled', 'DIMM B2 failing (ticket 4711)'),
                         (svc.status, svc.disabled_reason))
        node = self.conn.baremetal.get_node('lab-compute-1')
        self.assertEqual((True, 'DIMM B2 failing (ticket 4711)'),
                         (node.is_maintenance, node.maintenance_reason))
        self.assertEqual(node.id, rem['output']['ironic_node'])
        device = self.fleet_json('device', 'show', 'lab-compute-1')
        self.assertIn('hw-replace', device['labels'])
        event = self.hands_off_event('lab-compute-1')
        self.assertEqual(({'old': False, 'new': True},
                          'mistral:%s' % rem['execution_id']),
                         (event['payload']['changes']['hands_off'],
                          event['payload']['actor']))
        handoff = [c for c in self.fleet_changes(
            '--type', 'device', '--name', 'lab-compute-1')
            if c['Field'] == 'hands_off']
        self.assertEqual('DIMM B2 failing (ticket 4711)',
                         handoff[0]['Reason'])
        self.assertTrue(rem['holds_slot'])
        # The repair done: hand back, return to the pool.
        self.fleet('device', 'handback', 'lab-compute-1')
        _, back = self.run_remediation('fleet_host.return_to_pool',
                                       'lab-compute-1', '--reason',
                                       'DIMM replaced', '--input',
                                       'ironic_node=lab-compute-1')
        self.assertEqual('succeeded', back['state'], back['error'])
        self.assertEqual('enabled', self.service('lab-compute-1').status)
        self.assertNotIn('hw-replace', self.fleet_json(
            'device', 'show', 'lab-compute-1')['labels'])
