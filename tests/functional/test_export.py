"""``inventory export`` of what the lab's Ironic and Nova report, as the real
``ansible-inventory`` reads it: ``ansible_host`` is a host's own address,
never its BMC's."""

import json
import os

from tests.functional import base

HOST_IP = '127.0.0.2'   # lab-ctl-1's own address, in its node's extra


class TestExportForAnsible(base.LabTestCase):

    def ansible_inventory(self, exported):
        script = os.path.join(self.work, 'fleet-inventory')
        with open(script, 'w') as f:
            f.write('#!/bin/sh\nexec cat %s\n' % exported)
        os.chmod(script, 0o700)
        for key, value in (('ANSIBLE_LOCAL_TEMP', self.work),
                           ('ANSIBLE_INVENTORY_ENABLED', 'script'),
                           ('ANSIBLE_INVENTORY_UNPARSED_FAILED', 'true')):
            self.useFixture(base.fixtures.EnvironmentVariable(key, value))
        proc = self.run_cmd([os.path.join(base.BIN, 'ansible-inventory'),
                             '-i', script, '--list'])
        return json.loads(proc.stdout)

    def set_host_ip(self, conn, node):
        extra = dict(node.extra or {})
        extra['host_ip'] = HOST_IP
        conn.baremetal.update_node(node, extra=extra)
        self.addCleanup(conn.baremetal.update_node, node,
                        extra=dict(node.extra or {}))

    def test_ansible_host_is_the_host_and_bmc_stays_a_fact(self):
        conn = self.sdk()
        nodes = {n.name: n for n in conn.baremetal.nodes(details=True)}
        bmcs = {name: n.driver_info['ipmi_address']
                for name, n in nodes.items()
                if 'ipmi_address' in (n.driver_info or {})}
        self.assertIn('lab-ctl-1', bmcs)
        self.set_host_ip(conn, nodes['lab-ctl-1'])
        with open(self.conf_file, 'a') as f:
            f.write('[inventory_sources.ironic]\n'
                    'host_address_field = extra/host_ip\n')
        self.fleet('inventory', 'sync', 'ironic')
        # What the ironic source of before left: the BMC's address as the
        # management address. The next sync takes it back.
        self.fleet('device', 'set', 'lab-storage-1', '--mgmt-address',
                   bmcs['lab-storage-1'])
        rows = json.loads(self.fleet('inventory', 'sync', 'ironic',
                                     '-f', 'json').stdout)
        self.assertEqual([('changed', 'lab-storage-1')],
                         [(r['Action'], r['Name']) for r in rows])
        self.assertIsNone(self.fleet_json(
            'device', 'show', 'lab-storage-1')['mgmt_address'])

        self.fleet('inventory', 'sync', 'nova')
        hypervisors = {h.name: h.host_ip
                       for h in conn.compute.hypervisors(details=True)}
        exported = os.path.join(self.work, 'inventory.json')
        self.fleet('inventory', 'export', '--output', exported)
        seen = self.ansible_inventory(exported)
        hostvars = seen['_meta']['hostvars']
        self.assertEqual(HOST_IP, hostvars['lab-ctl-1']['ansible_host'])
        for name, host_ip in hypervisors.items():
            self.assertEqual(host_ip, hostvars[name]['ansible_host'], name)
        # No host address known: no ansible_host, the BMC only as a fact.
        self.assertNotIn('ansible_host', hostvars['lab-storage-1'])
        for name, address in bmcs.items():
            self.assertEqual(address, hostvars[name]['bmc']['address'])
        self.assertIn('lab-ctl-1', seen['type_host']['hosts'])
        with open(exported) as f:
            text = f.read()
        for password in self.bmc_passwords():
            self.assertNotIn(password, text)
