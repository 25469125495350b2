"""Evacuating a dead host, fenced first, on the lab's Nova, Ironic and BMC.

The test boots a server of its own on lab-compute-2 (the seed leaves that
compute empty, so the seed layout is untouched) and runs
``fleet_host.evacuate`` on lab-compute-2: nova-compute forced down and
disabled, Ironic maintenance, the BMC powered off, and only then the
evacuation. A watcher polls Nova and the BMC during the run and records
when each of those first became true; the order is asserted from that
timeline, from Mistral's task list and from fleet's change log. Cleanup
deletes the server, powers the BMC on, restarts nova-compute-2 (Nova
refuses to unset force-down of an evacuated host before its compute has
restarted), unsets force-down and maintenance and enables the service.
Run under ``flock /tmp/fleet-lab.lock``.
"""

import datetime
import threading
import time

from tests.functional import scenario_base
from tools.lab import bmc
from tools.lab import common as lab_common
from tools.lab import nova as lab_nova

HOST = 'lab-compute-2'
SERVER = 'fleet-evacuee'


class TestEvacuate(scenario_base.ScenarioTestCase):

    def setUp(self):
        super().setUp()
        self.touched_nodes.add(HOST)
        self.addCleanup(self._bring_back)
        lab_nova._boot(SERVER, HOST, lab_nova._ensure_flavor())
        server = lab_nova._wait_active([SERVER])[SERVER]
        self.server_id = server['id']
        self.assertEqual(HOST, server['OS-EXT-SRV-ATTR:host'])

    def _bring_back(self):
        conn = self.conn
        server = conn.compute.find_server(SERVER, all_projects=True)
        if server is not None:
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=60)
        if (bmc.bmc_dir(HOST) / 'power').read_text().strip() != '1':
            conn.baremetal.set_node_power_state(HOST, 'power on', wait=True,
                                                timeout=60)
        svc = self.service(HOST)
        if svc.is_forced_down:
            # Nova refuses to bring an evacuated host back before its
            # compute has restarted (and cleaned up the evacuated servers).
            lab_common.stop('nova-compute-2')
            since = lab_nova._utcnow() - datetime.timedelta(seconds=1)
            lab_nova._spawn(['nova-compute-2'],
                            lab_common.VENV_DIR / 'nova' / 'bin')
            deadline = time.monotonic() + 90
            while not lab_nova._reported_since(
                    {'updated_at': self.service(HOST).updated_at}, since):
                self.assertLess(time.monotonic(), deadline,
                                'nova-compute-2 did not report after its '
                                'restart')
                time.sleep(1)
            conn.compute.update_service_forced_down(svc, HOST,
                                                    'nova-compute', False)
        # restore_lab (registered first, so run after this) enables the
        # service and unsets the maintenance.

    def timeline(self):
        """Watch Nova and the BMC; ``(events, stop)``: first time seen."""
        events, done = {}, threading.Event()
        power = bmc.bmc_dir(HOST) / 'power'

        def mark(name):
            events.setdefault(name, time.monotonic())

        def watch():
            while not done.is_set():
                svc = self.service(HOST)
                if svc.is_forced_down:
                    mark('forced_down')
                if power.read_text().strip() == '0':
                    mark('powered_off')
                server = self.conn.compute.get_server(self.server_id)
                if server.task_state == 'rebuilding' or \
                        server.compute_host != HOST:
                    mark('evacuating')
                time.sleep(0.05)

        thread = threading.Thread(target=watch)
        thread.start()

        def stop():
            done.set()
            thread.join()
        self.addCleanup(stop)
        return events, stop

    def test_evacuate_fences_the_host_before_moving_its_servers(self):
        events, stop = self.timeline()
        _, rem = self.run_remediation('fleet_host.evacuate', HOST,
                                      '--reason', 'host dead')
        stop()
        self.assertEqual('succeeded', rem['state'], rem['error'])
        server = self.conn.compute.get_server(self.server_id)
        self.assertEqual(('lab-compute-1', 'ACTIVE'),
                         (server.compute_host, server.status))
        self.assertEqual([self.server_id], rem['output']['evacuated'])
        # Fenced: forced down, disabled, in maintenance, powered off.
        svc = self.service(HOST)
        self.assertEqual((True, 'disabled', 'host dead'), (
            svc.is_forced_down, svc.status, svc.disabled_reason))
        node = self.conn.baremetal.get_node(HOST)
        self.assertEqual((True, 'host dead'), (node.is_maintenance,
                                               node.maintenance_reason))
        self.assertEqual('0', (bmc.bmc_dir(HOST) / 'power').read_text()
                         .strip())
        # In that order: the peers' timeline ...
        self.assertEqual({'forced_down', 'powered_off', 'evacuating'},
                         set(events))
        self.assertLess(events['forced_down'], events['powered_off'])
        self.assertLess(events['powered_off'], events['evacuating'])
        # ... Mistral's task list (each step once, fencing first) ...
        after = self.triggered_by(rem['execution_id'])
        self.assertEqual({'inventory': [], 'find_service': ['inventory'],
                          'force_down': ['find_service'],
                          'disable': ['force_down'],
                          'set_maintenance': ['disable'],
                          'power_off': ['set_maintenance'],
                          'list_servers': ['power_off'],
                          'evacuate': ['list_servers'],
                          'record': ['evacuate']}, after)
        # ... and fleet's change log: the power-off by the execution.
        changes = self.fleet_changes('--type', 'device', '--name', HOST)
        power = [c for c in changes if c['Field'] == 'power']
        self.assertEqual(1, len(power))
        self.assertEqual(('mistral:%s' % rem['execution_id'], 'host dead'),
                         (power[0]['Actor'], power[0]['Reason']))
        self.assertTrue(rem['holds_slot'])      # fenced: stays out
