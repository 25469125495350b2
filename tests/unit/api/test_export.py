"""fleet/api/export.py and export_ansible.py: the exports, as Ansible
itself reads them.

Run on SQLite, PostgreSQL and MariaDB (the Ansible export reads through
the DB-API cursor with SQL compiled per dialect). ``ansible-inventory`` is
the real one from ansible-core (test-requirements.txt).
"""

import json
import os
import subprocess
import sys

from openstack.baremetal.v1 import node as sdk_node

from fleet.plugins import loader
from fleet.plugins.sources import base as sources
from tests import base
from tests.unit.api import scenarios

CTX = scenarios.CTX
ANSIBLE_INVENTORY = os.path.join(os.path.dirname(sys.executable),
                                 'ansible-inventory')


def bmc_record(name, bmc_address, **fields):
    """What the ironic source reported before it kept BMCs apart."""
    return sources.DeviceRecord(
        name=name, external_id='uuid-' + name, facts={'bmc': {
            'driver': 'ipmi', 'address': bmc_address, 'username': 'admin'}},
        **fields)


class ExportScenarios:

    def ansible_inventory(self, text):
        """``ansible-inventory --list`` of an exported inventory.

        The export is an inventory script's output, so Ansible gets a
        script that prints the exported file (as the docs show).
        """
        work = self.useFixture(base.fixtures.TempDir()).path
        exported = os.path.join(work, 'inventory.json')
        with open(exported, 'w') as f:
            f.write(text)
        script = os.path.join(work, 'fleet-inventory')
        with open(script, 'w') as f:
            f.write('#!/bin/sh\nexec cat %s\n' % exported)
        os.chmod(script, 0o700)
        env = dict(os.environ, HOME=work, ANSIBLE_LOCAL_TEMP=work,
                   ANSIBLE_INVENTORY_ENABLED='script',
                   ANSIBLE_INVENTORY_UNPARSED_FAILED='true',
                   ANSIBLE_NOCOLOR='1')
        proc = subprocess.run([ANSIBLE_INVENTORY, '-i', script, '--list'],
                              capture_output=True, text=True, env=env,
                              timeout=120)
        self.assertEqual(0, proc.returncode, proc.stderr)
        return json.loads(proc.stdout)

    def test_ansible_reads_hosts_groups_and_variables(self):
        fleet = self.fleet()
        scenarios.build_tree(fleet)
        v = fleet.variables
        v.set(CTX, 'defaults', None, {'ntp': 'pool', 'tier': 'gold'})
        v.set(CTX, 'rack', 'k1', {'tier': 'silver', 'pdu': ['a', 'b']})
        v.set(CTX, 'device', 'chassis-1', {'slots': 10})
        v.set(CTX, 'device', 'node-1', {'pw': 'node-pw'}, secret=True)
        text = fleet.exporter.ansible(CTX)
        seen = self.ansible_inventory(text)
        hostvars = seen['_meta']['hostvars']
        self.assertEqual({'chassis-1', 'node-1', 'node-2'}, set(hostvars))
        for name in hostvars:
            want = {r['key']: r['value']
                    for r in v.resolved(CTX, name) if not r['secret']}
            got = {k: val for k, val in hostvars[name].items()
                   if not k.startswith('fleet_') and k != 'ansible_host'}
            self.assertEqual(want, got, name)
        self.assertEqual(('10.0.0.1', 'compute', 'k1', 10), (
            hostvars['node-1']['ansible_host'],
            hostvars['node-1']['fleet_role'],
            hostvars['node-1']['fleet_rack'], hostvars['node-1']['slots']))
        self.assertNotIn('pw', hostvars['node-1'])
        self.assertEqual(['node-1'], seen['label_gpu']['hosts'])
        self.assertEqual(['chassis-1', 'node-1'], seen['rack_r1_k1']['hosts'])
        self.assertIn('region_r1', seen['cloud_prod']['children'])
        # With secrets (for a trusted run) Ansible gets the value.
        secret = self.ansible_inventory(fleet.exporter.ansible(
            CTX, include_secrets=True))['_meta']['hostvars']
        self.assertEqual('node-pw', secret['node-1']['pw'])

    def test_ansible_host_only_from_a_host_address(self):
        fleet = self.fleet()
        scenarios.build_tree(fleet)
        fleet.racks.create(CTX, 'k2', region='r1', cell='c1')
        fleet.devices.create(CTX, 'node-5', rack='k2',
                             mgmt_address='10.0.0.5')
        fleet.variables.set(CTX, 'rack', 'k2', {'ansible_host': 'bastion'})
        hostvars = self.ansible_inventory(fleet.exporter.ansible(
            CTX))['_meta']['hostvars']
        self.assertEqual('10.0.0.1', hostvars['node-1']['ansible_host'])
        # No management address: no ansible_host (Ansible uses the name).
        self.assertNotIn('ansible_host', hostvars['node-2'])
        # A variable wins over the address.
        self.assertEqual('bastion', hostvars['node-5']['ansible_host'])

    def test_ironic_sync_clears_the_bmc_address(self):
        """Data of the ironic source of before: mgmt_address = BMC's."""
        fleet = self.fleet()
        scenarios.build_tree(fleet)
        fleet.sync.apply(CTX, 'ironic', sources.Snapshot(devices=[
            bmc_record('bm-1', '10.9.0.1', mgmt_address='10.9.0.1'),
            bmc_record('bm-2', '10.9.0.2', mgmt_address='10.9.0.2'),
            bmc_record('bm-3', '10.9.0.3', mgmt_address='10.9.0.3'),
        ]), region='r1')
        # An operator gave bm-3 its real address meanwhile.
        fleet.devices.update(CTX, 'bm-3', mgmt_address='10.1.0.3')
        # node-1 (made by hand, address 10.0.0.1) is also an Ironic node
        # whose BMC has another address.
        report = fleet.sync.apply(CTX, 'ironic', sources.Snapshot(devices=[
            bmc_record('bm-1', '10.9.0.1', retract={
                'mgmt_address': '10.9.0.1'}),
            bmc_record('bm-2', '10.9.0.2', mgmt_address='10.1.0.2',
                       retract={'mgmt_address': '10.9.0.2'}),
            bmc_record('bm-3', '10.9.0.3', retract={
                'mgmt_address': '10.9.0.3'}),
            bmc_record('node-1', '10.9.0.4', retract={
                'mgmt_address': '10.9.0.4'}),
        ]), region='r1')
        self.assertEqual(
            {'bm-1': 'mgmt_address: 10.9.0.1 -> None',
             'bm-2': 'mgmt_address: 10.9.0.2 -> 10.1.0.2',
             'node-1': 'vars: bmc'},
            {r['name']: r['details'] for r in report.rows
             if r['kind'] == 'device'})
        shown = {name: fleet.devices.show(CTX, name)['mgmt_address']
                 for name in ('bm-1', 'bm-2', 'bm-3', 'node-1')}
        self.assertEqual({'bm-1': None, 'bm-2': '10.1.0.2',
                          'bm-3': '10.1.0.3', 'node-1': '10.0.0.1'}, shown)
        hostvars = self.ansible_inventory(fleet.exporter.ansible(
            CTX))['_meta']['hostvars']
        self.assertNotIn('ansible_host', hostvars['bm-1'])
        self.assertEqual('10.9.0.1', hostvars['bm-1']['bmc']['address'])
        self.assertEqual('10.1.0.2', hostvars['bm-2']['ansible_host'])
        # A third sync changes nothing.
        again = fleet.sync.apply(CTX, 'ironic', sources.Snapshot(devices=[
            bmc_record('bm-1', '10.9.0.1', retract={
                'mgmt_address': '10.9.0.1'})], complete=False),
            region='r1')
        self.assertEqual([], again.rows)


class TestIronicHostAddress(base.FleetTestCase):
    """The ironic source's record of a node: the BMC is not the host."""

    def source(self, field=None):
        self.conf.set_override('enabled_sources', ['ironic'],
                               group='inventory')
        src = loader.load_source('ironic', self.conf, {})
        if field is not None:
            self.conf.set_override('host_address_field', field,
                                   group='inventory_sources.ironic')
        return src

    def node(self, **extra):
        return sdk_node.Node(
            id='4a1c0c4e-0000-4000-8000-000000000001', name='bm-1',
            driver='ipmi', extra=extra, properties={'cpus': 8},
            driver_info={'ipmi_address': '10.9.0.1', 'ipmi_port': 623,
                         'ipmi_username': 'admin', 'ipmi_password': '***'})

    def record(self, src, node):
        return src._record(node, 'prod', 'r1', src._address_path())

    def test_bmc_address_only_in_the_bmc_fact(self):
        rec = self.record(self.source(), self.node(host_ip='10.1.0.1'))
        self.assertIsNone(rec.mgmt_address)
        self.assertEqual('10.9.0.1', rec.facts['bmc']['address'])
        self.assertEqual({'mgmt_address': '10.9.0.1'}, rec.retract)

    def test_host_address_from_the_configured_field(self):
        src = self.source('extra/host_ip')
        self.assertEqual('10.1.0.1', self.record(
            src, self.node(host_ip='10.1.0.1')).mgmt_address)
        self.assertIsNone(self.record(src, self.node()).mgmt_address)
        src = self.source('extra/net/host')
        self.assertEqual('h1.lab', self.record(
            src, self.node(net={'host': 'h1.lab'})).mgmt_address)

    def test_bad_field_is_one_clear_error(self):
        from fleet.common import exception
        for bad in ('host_ip', 'driver_info/ipmi_address', 'extra/'):
            src = self.source(bad)
            err = self.assertRaises(exception.Invalid, src._address_path)
            self.assertIn('host_address_field', str(err))
            self.assertIn('extra/host_ip', str(err))


class TestExportSQLite(ExportScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestExportPostgreSQL(ExportScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestExportMariaDB(ExportScenarios, base.FleetTestCase):
    backend = 'mysql'
