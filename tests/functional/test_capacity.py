"""``capacity report`` against the lab's real Nova, Placement, Neutron, Cinder.

The lab seeds what the report looks for (tools/lab/neutron.py, cinder.py,
nova.py): floating IPs with and without a port, ports with and without a
device, volumes available and in use, over two projects; lab-compute-2
without servers and lab-vm-off SHUTOFF. Every expectation is checked
against what the services themselves answer, through openstacksdk.
Run under ``flock /tmp/fleet-lab.lock``.
"""

import json
import os
import socket

import fixtures

from tests.functional import base
from tests.unit.plugins import test_prometheus_collector


class CapacityTestCase(base.LabTestCase):

    needs = ('nova', 'neutron', 'cinder')

    def setUp(self):
        super().setUp()
        self.use_clouds()

    def use_clouds(self, **override):
        """A clouds.yaml of the lab's endpoints (``None`` leaves one out).

        Written from lab.json rather than the lab's clouds.yaml, so that
        the real Neutron is used whatever wrote that file last.
        """
        endpoints = {
            'compute': self.lab['nova']['endpoint'],
            'placement': self.lab['nova']['placement_endpoint'],
            'network': self.lab['neutron']['endpoint'],
            'block_storage': self.lab['cinder']['endpoint'],
        }
        endpoints.update(override)
        path = os.path.join(self.work, 'clouds.yaml')
        lines = ['clouds:', '  capacity-lab:', '    auth_type: none',
                 '    block_storage_api_version: "3"']
        lines += ['    %s_endpoint_override: %s' % (k, v)
                  for k, v in sorted(endpoints.items()) if v]
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', path))
        self.useFixture(fixtures.EnvironmentVariable('OS_CLOUD',
                                                     'capacity-lab'))

    def sdk(self):
        import openstack
        return openstack.connect(cloud='capacity-lab')

    def report(self, *args, expect=0):
        proc = self.fleet('capacity', 'report', '-f', 'json', '--long',
                          *args, expect=expect)
        return json.loads(proc.stdout), proc

    def empty_hypervisors(self):
        """Names of the hypervisors Nova has no server on.

        The lab seeds lab-compute-2 empty; a test that moved servers may
        change which.
        """
        conn = self.sdk()
        busy = {s.compute_host for s in conn.compute.servers(
            all_projects=True)}
        empty = {h.name for h in conn.compute.hypervisors()
                 if h.name not in busy}
        self.assertTrue(empty, 'no empty hypervisor in the lab; python3 -m '
                        'tools.lab up moves the seed servers back')
        return empty

    @staticmethod
    def by_kind(rows, kind):
        return {r['ID']: r for r in rows if r['Kind'] == kind}


class TestCapacityReport(CapacityTestCase):

    def test_finds_the_unused_and_not_the_used(self):
        rows, _ = self.report('--idle-after', '0', '--available-after', '0')
        neutron, cinder = self.lab['neutron'], self.lab['cinder']
        conn = self.sdk()

        fips = self.by_kind(rows, 'floating_ip')
        free = set(neutron['free_floating_ips'].values())
        self.assertLessEqual(free, set(fips))
        self.assertNotIn(neutron['bound_floating_ip'], fips)
        truth = {ip.id: ip for ip in conn.network.ips()}
        self.assertEqual({i for i, ip in truth.items() if not ip.port_id},
                         set(fips))
        for fip_id, row in fips.items():
            self.assertEqual(truth[fip_id].project_id, row['Project'])
        self.assertEqual({'fleet-lab', 'fleet-lab-b'},
                         {fips[i]['Project'] for i in free})

        ports = self.by_kind(rows, 'port')
        self.assertLessEqual(set(neutron['orphan_ports'].values()),
                             set(ports))
        self.assertNotIn(neutron['bound_port'], ports)
        truth = {p.id: p for p in conn.network.ports()}
        self.assertEqual({i for i, p in truth.items() if not p.device_id},
                         set(ports))
        self.assertEqual('fleet-lab-b', ports[neutron['orphan_ports'][
            'lab-port-orphan-b']]['Project'])

        vols = self.by_kind(rows, 'volume')
        self.assertLessEqual(set(cinder['free_volumes'].values()), set(vols))
        self.assertNotIn(cinder['attached_volume'], vols)
        self.assertEqual('fleet-lab-b', vols[cinder['free_volumes'][
            'lab-vol-free-b']]['Project'])
        truth = {v.id: v for v in conn.block_storage.volumes(
            all_projects=True)}
        self.assertEqual('in-use', truth[cinder['attached_volume']].status)
        self.assertEqual({i for i, v in truth.items()
                          if v.status == 'available'}, set(vols))

        servers = list(conn.compute.servers(all_projects=True))
        instances = self.by_kind(rows, 'instance')
        off = {s.id for s in servers if s.status == 'SHUTOFF'}
        self.assertTrue(off, 'the lab seeds lab-vm-off SHUTOFF')
        self.assertEqual(off, set(instances))
        self.assertEqual({'SHUTOFF'}, {r['Status'] for r in
                                       instances.values()})
        self.assertIn('lab-vm-off', {r['Name'] for r in instances.values()})
        for row in instances.values():
            self.assertEqual('fleet-lab', row['Project'])

        hyps = self.by_kind(rows, 'hypervisor')
        self.assertEqual(self.empty_hypervisors(),
                         {r['Name'] for r in hyps.values()})

    def test_headroom_matches_placement(self):
        rows, _ = self.report('--kind', 'headroom', '--no-record')
        conn = self.sdk()
        capacity = used = 0.0
        for rp in conn.placement.resource_providers():
            for inv in conn.placement.resource_provider_inventories(rp):
                if inv.resource_class == 'VCPU':
                    capacity += (inv.total - inv.reserved) * float(
                        inv.allocation_ratio)
            usages = conn.placement.get(
                '/resource_providers/%s/usages' % rp.id).json()['usages']
            used += usages.get('VCPU', 0)
        self.assertGreater(used, 0, 'the lab servers allocate VCPUs')
        scopes = {(r['ID'], r['Resource Class']): r for r in rows}
        self.assertEqual({'headroom'}, {r['Kind'] for r in rows})
        for scope in ('region:RegionOne', 'availability_zone:nova'):
            row = scopes[scope, 'VCPU']
            self.assertEqual((capacity, used, capacity - used),
                             (row['Capacity'], row['Used'], row['Free']))
            self.assertAlmostEqual(100.0 * (capacity - used) / capacity,
                                   row['Free %'], places=1)
            self.assertIn((scope, 'MEMORY_MB'), scopes)
            self.assertIn((scope, 'DISK_GB'), scopes)

    def test_thresholds_hold_back_recent_instances_and_volumes(self):
        rows, _ = self.report('--idle-after', '520w',
                              '--available-after', '520w', '--no-record')
        kinds = {r['Kind'] for r in rows}
        self.assertNotIn('instance', kinds)
        self.assertNotIn('volume', kinds)
        # Floating IPs and ports have no age threshold.
        self.assertIn('floating_ip', kinds)
        self.assertIn('port', kinds)
        # The config option is the default.
        with open(self.conf_file, 'a') as f:
            f.write('[capacity]\nidle_instance_after = 0\n'
                    'volume_available_after = 520w\n')
        rows, _ = self.report('--kind', 'instance', '--kind', 'volume',
                              '--no-record')
        self.assertEqual({'instance'}, {r['Kind'] for r in rows})

    def test_table_value_and_columns_through_osc(self):
        proc = self.openstack('fleet', 'capacity', 'report', '--kind',
                              'volume', '--available-after', '0',
                              '-f', 'value', '-c', 'Name', '-c', 'Project',
                              '--no-record')
        lines = set(proc.stdout.strip().splitlines())
        self.assertIn('lab-vol-free-b fleet-lab-b', lines)
        self.assertNotIn('lab-vol-attached fleet-lab', lines)
        table = self.fleet('capacity', 'report', '--kind', 'hypervisor',
                           '--no-record').stdout
        for name in self.empty_hypervisors():
            self.assertIn('| %s ' % name, table)
        self.assertIn('| Kind ', table)


class TestCapacityReadings(CapacityTestCase):

    def test_host_figures_are_recorded_as_readings(self):
        self.fleet('inventory', 'sync', 'nova')
        self.assertEqual([], self.fleet_json('metric', 'list', '--metric',
                                             'capacity'))
        self.report('--no-record')
        self.report('--dry-run')
        self.assertEqual([], self.fleet_json('metric', 'list', '--metric',
                                             'capacity'))
        self.report('--idle-after', '0')
        got = {(r['Device'], r['Metric']): r['Value'] for r in
               self.fleet_json('metric', 'list', '--metric', 'capacity')}
        conn = self.sdk()
        servers = list(conn.compute.servers(all_projects=True))
        empty = sorted(self.empty_hypervisors())[0]
        for host in self.lab['nova']['computes']:
            on_host = [s for s in servers if s.compute_host == host]
            self.assertEqual(len(on_host), got[host, 'capacity.instances'])
            self.assertEqual(
                len([s for s in on_host if s.status == 'SHUTOFF']),
                got[host, 'capacity.idle_instances'])
            self.assertEqual(0 if on_host else 1, got[host, 'capacity.empty'])
            self.assertIn((host, 'capacity.free_percent.VCPU'), got)
        self.assertEqual(1, got[empty, 'capacity.empty'])
        self.assertEqual(100.0, got[empty, 'capacity.free_percent.VCPU'])


class TestCapacityUnavailable(CapacityTestCase):

    def test_missing_and_down_services_leave_the_rest(self):
        port = test_prometheus_collector.closed_port()
        self.use_clouds(network=None,
                        block_storage='http://127.0.0.1:%d/v3' % port)
        rows, proc = self.report('--idle-after', '0', expect=1)
        error = proc.stderr.strip().splitlines()[-1]
        self.assertNotIn('Traceback', proc.stderr)
        self.assertIn('capacity report: unavailable:', error)
        self.assertIn('no network endpoint', error)
        self.assertIn('Cinder', error)
        self.assertIn('127.0.0.1:%d' % port, error)
        unavailable = {r['Kind']: r['Detail'] for r in rows
                       if r['Status'] == 'unavailable'}
        self.assertEqual({'floating_ip', 'port', 'volume'}, set(unavailable))
        self.assertIn('Neutron', unavailable['port'])
        kinds = {r['Kind'] for r in rows if r['Status'] != 'unavailable'}
        self.assertEqual({'instance', 'hypervisor', 'headroom'}, kinds)

    def test_a_service_that_does_not_answer_times_out(self):
        silent = socket.socket()
        silent.bind(('127.0.0.1', 0))
        silent.listen(16)  # accepts connections, never answers
        self.addCleanup(silent.close)
        self.use_clouds(block_storage='http://127.0.0.1:%d/v3'
                        % silent.getsockname()[1])
        with open(self.conf_file, 'a') as f:
            f.write('[capacity]\ntimeout = 1\n')
        rows, proc = self.report('--kind', 'volume', '--kind', 'port',
                                 expect=1)
        self.assertIn('no answer within 1 s', proc.stderr)
        self.assertIn('[capacity] timeout', proc.stderr)
        self.assertEqual({'port'}, {r['Kind'] for r in rows
                                    if r['Status'] != 'unavailable'})

    def test_bad_threshold_is_one_line_and_reads_nothing(self):
        proc = self.fleet('capacity', 'report', '--idle-after', 'soon',
                          expect=1)
        self.assertEqual(
            "--idle-after: not a duration: 'soon'; use seconds (3600) or a "
            "duration such as 90m, 12h, 7d, 2w, 1d12h",
            proc.stderr.strip())
        with open(self.conf_file, 'a') as f:
            f.write('[capacity]\nvolume_available_after = -1d\n')
        proc = self.fleet('capacity', 'report', expect=1)
        self.assertIn('[capacity] volume_available_after: not a duration',
                      proc.stderr)


class TestCapacityAPI(CapacityTestCase):
    """GET /v1/capacity of the fleet-api app, in process, on the lab."""

    def test_same_rows_as_the_cli_and_nothing_recorded(self):
        import webob

        from fleet.wsgi import app as app_mod
        fleet = self.api()
        fleet.conf.set_override('auth_strategy', 'noauth', group='api')
        fleet.conf.set_override('cloud', 'capacity-lab', group='capacity')
        self.addCleanup(fleet.conf.clear_override, 'auth_strategy',
                        group='api')
        self.addCleanup(fleet.conf.clear_override, 'cloud', group='capacity')
        app = app_mod.make_app(fleet.conf, fleet=fleet)
        resp = webob.Request.blank(
            '/v1/capacity?kind=floating_ip&kind=volume&kind=hypervisor'
            '&available_after=0').get_response(app)
        self.assertEqual(200, resp.status_int, resp.body)
        body = json.loads(resp.body)
        sections = {s['kind']: s for s in body['sections']}
        self.assertEqual({'hypervisor', 'floating_ip', 'volume'},
                         set(sections))
        self.assertTrue(all(s['available'] for s in sections.values()))
        rows = {r['id']: r for s in sections.values() for r in s['rows']}
        for name, fip_id in self.lab['neutron']['free_floating_ips'].items():
            self.assertEqual('floating_ip', rows[fip_id]['kind'])
        self.assertNotIn(self.lab['neutron']['bound_floating_ip'], rows)
        free_b = self.lab['cinder']['free_volumes']['lab-vol-free-b']
        self.assertEqual('fleet-lab-b', rows[free_b]['project_id'])
        self.assertNotIn(self.lab['cinder']['attached_volume'], rows)
        self.assertEqual(self.empty_hypervisors(),
                         {r['name'] for r in sections['hypervisor']['rows']})
        cli, _ = self.report('--kind', 'floating_ip', '--kind', 'volume',
                             '--kind', 'hypervisor', '--available-after',
                             '0', '--no-record')
        self.assertEqual({r['ID'] for r in cli}, set(rows))
        self.assertEqual([], fleet.telemetry.latest(fleet.context()))
