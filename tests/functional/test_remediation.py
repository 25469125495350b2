"""Remediation through the lab's real Mistral, Nova, Ironic and BMCs.

fleet's workbooks are pushed with ``fleet workbook sync``; remediations run
as Mistral executions whose fleet actions (``fleet.ipmi_power``,
``fleet.sensor_read``, ``fleet.device_update``) run in Mistral's executor
against this test's own fleet database (``share_config_file``), and whose
``nova.*``/``ironic.*`` actions (mistral-extra) reach the lab's Nova and
Ironic through the lab's service catalog.
"""

import json
import os
import signal
import subprocess
import threading
import time

from tests.functional import base
from tools.lab import bmc


class RemediationTestCase(base.LabTestCase):

    needs = ('ironic', 'nova', 'mistral')
    max_devices_out = 1

    def setUp(self):
        super().setUp()
        mistral = self.lab['mistral']
        with open(self.conf_file, 'a') as f:
            f.write('\n[collectors]\nenabled_collectors = ipmi\n'
                    '\n[collectors.ipmi]\ntimeout = 3\n'
                    '\n[remediation]\nenabled_executors = mistral\n'
                    'max_devices_out = %d\n'
                    '\n[executors.mistral]\nurl = %s\n'
                    'target_catalog_file = %s\nshare_config_file = %s\n'
                    % (self.max_devices_out, mistral['endpoint'],
                       mistral['catalog_file'], self.conf_file))
        self.fleet('inventory', 'sync', 'ironic')
        self.fleet('workbook', 'sync')

    def run_remediation(self, workflow, device, *args, expect=0):
        proc = self.fleet('remediation', 'run', workflow, '--device', device,
                          '-f', 'json', *args, expect=expect)
        return proc, (json.loads(proc.stdout) if proc.stdout.strip()
                      else None)

    def mistral(self):
        from mistralclient.api import client
        return client.client(mistral_url=self.lab['mistral']['endpoint'])

    def executions_of(self, rem_id):
        return [e for e in self.mistral().executions.list(limit=-1)
                if rem_id in (e.description or '')]

    def assert_no_password(self, *texts):
        for password in self.bmc_passwords():
            for text in texts:
                self.assertNotIn(password, text)

    def watch_power(self, name, on_off=None):
        """Record the BMC's power states; call ``on_off`` at the first off.

        :returns: ``(seen, stop)``: the list of states seen and a function
            that stops the watcher.
        """
        power_file = bmc.bmc_dir(name) / 'power'
        seen, done = [], threading.Event()

        def watch():
            while not done.is_set():
                try:
                    value = power_file.read_text().strip()
                except OSError:
                    value = None
                if not seen or seen[-1] != value:
                    seen.append(value)
                    if value == '0' and on_off is not None:
                        on_off()
                time.sleep(0.02)

        thread = threading.Thread(target=watch)
        thread.start()

        def stop():
            done.set()
            thread.join()
        self.addCleanup(stop)
        return seen, stop


class TestPowerCycle(RemediationTestCase):

    def test_power_cycle_runs_in_mistral_and_the_bmc_really_cycles(self):
        seen, stop = self.watch_power('lab-hot-1')
        try:
            proc, rem = self.run_remediation(
                'fleet_host.power_cycle', 'lab-hot-1', '--reason',
                'CPU overheating')
        finally:
            stop()
        self.assertEqual('succeeded', rem['state'], rem['error'])
        self.assertEqual(['1', '0', '1'], seen)
        self.assertEqual('ok', rem['output']['health']['status'])
        self.assertEqual('cycle', rem['output']['power']['action'])
        self.assertIn('Plan: fleet_host.power_cycle on lab-hot-1',
                      proc.stderr)
        self.assertFalse(rem['holds_slot'])
        # The BMC's power change is in fleet's change log, by the execution.
        changes = self.fleet_json('change', 'list', '--type', 'device',
                                  '--name', 'lab-hot-1')
        power = [c for c in changes if c['Field'] == 'power']
        self.assertEqual(1, len(power))
        self.assertEqual('mistral:%s' % rem['execution_id'],
                         power[0]['Actor'])
        self.assertEqual('CPU overheating', power[0]['Reason'])
        steps = self.fleet_json('change', 'list', '--type', 'remediation')
        self.assertEqual({'functional'}, {c['Actor'] for c in steps})
        self.assertIn(['pending', 'running'],
                      [[c['Old'], c['New']] for c in steps
                       if c['Field'] == 'state'])
        self.assertEqual(1, len(self.executions_of(rem['id'])))
        with open(self.lab['mistral']['log']) as f:
            log = f.read()
        self.assert_no_password(proc.stdout, proc.stderr, log,
                                json.dumps(changes))

    def test_dry_run_shows_the_plan_and_runs_nothing(self):
        proc, rem = self.run_remediation(
            'fleet_host.power_cycle', 'lab-hot-1', '--reason', 'look',
            '--input', 'checks=2', '--dry-run')
        self.assertIn('Dry run, would run: fleet_host.power_cycle on '
                      'lab-hot-1 with checks=2, host=lab-hot-1, '
                      'reason=look (executor mistral)', proc.stderr)
        self.assertEqual('planned', rem['state'])
        self.assertEqual([], self.fleet_json('remediation', 'list'))

    def test_a_handed_off_device_is_refused(self):
        self.fleet('device', 'handoff', 'lab-hot-1', '--reason',
                   'smoke from PSU')
        proc, _ = self.run_remediation('fleet_host.power_cycle',
                                       'lab-hot-1', '--reason', 'auto',
                                       expect=1)
        self.assertIn("device 'lab-hot-1' is handed off to a human (by "
                      "functional: smoke from PSU)", proc.stderr)
        self.assertIn('fleet device handback lab-hot-1', proc.stderr)
        self.assertEqual([], self.fleet_json('remediation', 'list'))
        self.fleet('device', 'handback', 'lab-hot-1')
        _, rem = self.run_remediation('fleet_host.power_cycle', 'lab-hot-1',
                                      '--reason', 'back', '--input',
                                      'checks=5')
        self.assertEqual('succeeded', rem['state'], rem['error'])


class TestBlastRadiusAndRestart(RemediationTestCase):

    def test_two_concurrent_runs_on_the_last_slot_one_refused(self):
        argv = [os.path.join(base.BIN, 'fleet'), 'remediation', 'run',
                'fleet_host.power_cycle', '--reason', 'storm', '--input',
                'checks=5', '-f', 'json', '--device']
        procs = [subprocess.Popen(argv + [name], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for name in ('lab-ctl-1', 'lab-storage-1')]
        outs = [p.communicate(timeout=240) + (p.returncode,) for p in procs]
        codes = sorted(code for _o, _e, code in outs)
        self.assertEqual([0, 1], codes, outs)
        refused = [err for _o, err, code in outs if code == 1][0]
        self.assertIn("blast radius: region 'RegionOne' has 1 of", refused)
        self.assertIn('max_devices_out = 1', refused)
        self.assertEqual(1, len(self.fleet_json('remediation', 'list')))

    def test_killed_and_restarted_fleet_reconciles_one_execution(self):
        argv = [os.path.join(base.BIN, 'fleet'), 'remediation', 'run',
                'fleet_host.power_cycle', '--device', 'lab-storage-1',
                '--reason', 'kill me', '--input', 'checks=10']
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        rems = []
        while time.monotonic() < deadline:
            rems = self.fleet_json('remediation', 'list')
            if rems and rems[0]['State'] == 'running':
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertEqual('running', rems[0]['State'])
        rem_id = rems[0]['ID']
        for _ in range(2):      # a restart, then another one
            self.fleet('remediation', 'reconcile')
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rem = self.fleet_json('remediation', 'show', rem_id)
            if rem['state'] != 'running':
                break
            time.sleep(1)
        self.assertEqual('succeeded', rem['state'], rem['error'])
        self.assertEqual(1, len(self.executions_of(rem_id)))
        self.assertEqual(1, len(self.fleet_json('remediation', 'list')))
        # The outcome is recorded once, by the restarted fleet.
        states = [(c['Old'], c['New']) for c in self.fleet_json(
            'change', 'list', '--type', 'remediation')
            if c['Field'] == 'state']
        self.assertEqual(1, states.count(('running', 'succeeded')), states)


class TestDrain(RemediationTestCase):

    max_devices_out = 2

    def setUp(self):
        super().setUp()
        self.sdk_conn = self.sdk()
        self.before = {s.id: s.compute_host for s in
                       self.sdk_conn.compute.servers(all_projects=True)}
        self.addCleanup(self._restore)

    def _restore(self):
        """Put the lab's servers back where they were (shared lab)."""
        conn = self.sdk_conn
        for svc in conn.compute.services(binary='nova-compute'):
            if svc.status == 'disabled':
                conn.compute.enable_service(svc)
        node = conn.baremetal.get_node('lab-compute-1')
        if node.is_maintenance:
            conn.baremetal.unset_node_maintenance(node)
        for server_id, host in self.before.items():
            server = conn.compute.get_server(server_id)
            if server.compute_host == host:
                continue
            if server.status == 'ACTIVE':
                conn.compute.live_migrate_server(server, host=host,
                                                 block_migration='auto')
            else:
                conn.compute.migrate_server(server, host=host)
                conn.compute.wait_for_server(server, status='VERIFY_RESIZE',
                                             wait=120)
                conn.compute.confirm_server_resize(server)
        for server_id, host in self.before.items():
            for _ in range(120):
                server = conn.compute.get_server(server_id)
                if server.compute_host == host and server.status in (
                        'ACTIVE', 'SHUTOFF'):
                    break
                time.sleep(0.5)

    def servers_on(self, host):
        return sorted(s.name for s in self.sdk_conn.compute.servers(
            all_projects=True, compute_host=host))

    def test_drain_migrates_every_server_then_return_to_pool(self):
        on_one = self.servers_on('lab-compute-1')
        if not on_one:      # the shared lab may have moved them: one back
            server = next(iter(self.sdk_conn.compute.servers(
                all_projects=True, status='ACTIVE')))
            self.sdk_conn.compute.live_migrate_server(
                server, host='lab-compute-1', block_migration='auto')
            for _ in range(120):
                if self.servers_on('lab-compute-1'):
                    break
                time.sleep(0.5)
            on_one = self.servers_on('lab-compute-1')
        _, rem = self.run_remediation(
            'fleet_host.drain', 'lab-compute-1', '--reason', 'fan failure',
            '--input', 'ironic_node=lab-compute-1')
        self.assertEqual('succeeded', rem['state'], rem['error'])
        self.assertEqual([], self.servers_on('lab-compute-1'))
        self.assertTrue(set(on_one) <= set(self.servers_on('lab-compute-2')))
        svc = [s for s in self.sdk_conn.compute.services(
            binary='nova-compute') if s.host == 'lab-compute-1'][0]
        self.assertEqual(('disabled', 'fan failure'),
                         (svc.status, svc.disabled_reason))
        node = self.sdk_conn.baremetal.get_node('lab-compute-1')
        self.assertEqual((True, 'fan failure'),
                         (node.is_maintenance, node.maintenance_reason))
        self.assertTrue(rem['holds_slot'])        # drained: still out
        self.assertIn('drained', self.fleet_json('device', 'show',
                                                 'lab-compute-1')['labels'])
        _, back = self.run_remediation(
            'fleet_host.return_to_pool', 'lab-compute-1', '--reason',
            'fan replaced', '--input', 'ironic_node=lab-compute-1')
        self.assertEqual('succeeded', back['state'], back['error'])
        svc = [s for s in self.sdk_conn.compute.services(
            binary='nova-compute') if s.host == 'lab-compute-1'][0]
        self.assertEqual('enabled', svc.status)
        self.assertFalse(self.sdk_conn.baremetal.get_node(
            'lab-compute-1').is_maintenance)
        rems = self.fleet_json('remediation', 'list')
        self.assertEqual([False, False], [r['Holds Slot'] for r in rems])
