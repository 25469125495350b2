"""``inventory sync nova`` against the lab's real Nova and Placement."""

import json
import os

from tests.functional import base


class TestNovaSync(base.LabTestCase):

    needs = ('nova',)

    def test_records_both_computes_with_state(self):
        conn = self.sdk()
        computes = sorted(s.host for s in conn.compute.services()
                          if s.binary == 'nova-compute')
        self.assertEqual(2, len(computes))
        rows = json.loads(self.openstack(
            'fleet', 'inventory', 'sync', 'nova', '-f', 'json').stdout)
        self.assertEqual(computes, sorted(r['Name'] for r in rows if
                                          r['Kind'] == 'device'))
        for host in computes:
            dev = self.fleet_json('device', 'show', host)
            self.assertEqual('compute', dev['role'])
            facts = {v['Key']: v['Value'] for v in self.fleet_json(
                'var', 'show', host)}['nova']
            self.assertEqual(('up', 'enabled'), (facts['state'],
                                                 facts['status']))
            # Capacity is inventory; usage is the nova collector's.
            self.assertGreater(facts['vcpus'], 0)
            self.assertGreater(facts['memory_mb'], 0)
            self.assertEqual(4.0, facts['vcpus_allocation_ratio'])
            for key in ('instances', 'vcpus_used', 'memory_mb_free'):
                self.assertNotIn(key, facts)
        self.assertEqual([], json.loads(self.fleet(
            'inventory', 'sync', 'nova', '-f', 'json').stdout))

    def test_disabled_service_is_observed_and_logged(self):
        conn = self.sdk()
        svc = [s for s in conn.compute.services()
               if s.binary == 'nova-compute'][0]
        self.fleet('inventory', 'sync', 'nova')
        conn.compute.disable_service(svc, svc.host, 'nova-compute',
                                     disabled_reason='fleet functional test')
        self.addCleanup(conn.compute.enable_service, svc, svc.host,
                        'nova-compute')
        rows = json.loads(self.fleet('inventory', 'sync', 'nova',
                                     '-f', 'json').stdout)
        self.assertEqual([('changed', svc.host)],
                         [(r['Action'], r['Name']) for r in rows])
        facts = {v['Key']: v['Value'] for v in self.fleet_json(
            'var', 'show', svc.host)}['nova']
        self.assertEqual(('disabled', 'fleet functional test'),
                         (facts['status'], facts['disabled_reason']))
        changes = self.fleet_json('change', 'list', '--type', 'device',
                                  '--name', svc.host, '--limit', '1')
        self.assertEqual('enabled', changes[0]['Old']['status'])
        self.assertEqual('disabled', changes[0]['New']['status'])


class TestNovaUnreachable(base.LabTestCase):

    needs = ()

    def test_one_line_and_nothing_written(self):
        clouds = os.path.join(self.work, 'clouds.yaml')
        with open(clouds, 'w') as f:
            f.write('clouds:\n  dead:\n    auth_type: none\n'
                    '    compute_endpoint_override: '
                    'http://127.0.0.1:9/v2.1\n')
        self.useFixture(base.fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', clouds))
        proc = self.fleet('--os-cloud', 'dead', 'inventory', 'sync', 'nova',
                          expect=1)
        error = proc.stderr.strip().splitlines()[-1]
        self.assertNotIn('Traceback', proc.stderr)
        self.assertIn('could not reach Nova at http://127.0.0.1:9', error)
        self.assertEqual([], self.fleet_json('device', 'list'))
        self.assertEqual([], self.fleet_json('change', 'list'))


class TestPlacement(base.LabTestCase):
    """Capacity comes from Placement; a failing Placement fails the sync."""

    needs = ('nova',)

    def use_clouds(self, placement=None):
        clouds = os.path.join(self.work, 'clouds.yaml')
        with open(clouds, 'w') as f:
            f.write('clouds:\n  lab:\n    auth_type: none\n'
                    '    compute_endpoint_override: %s\n'
                    % self.lab['nova']['endpoint'])
            if placement:
                f.write('    placement_endpoint_override: %s\n' % placement)
        self.useFixture(base.fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', clouds))

    def test_placement_down_fails_the_sync_and_writes_nothing(self):
        from tests.unit.plugins import test_prometheus_collector
        port = test_prometheus_collector.closed_port()
        self.use_clouds('http://127.0.0.1:%d/' % port)
        proc = self.fleet('--os-cloud', 'lab', 'inventory', 'sync', 'nova',
                          expect=1)
        error = proc.stderr.strip().splitlines()[-1]
        self.assertNotIn('Traceback', proc.stderr)
        self.assertIn('could not reach Placement at http://127.0.0.1:%d'
                      % port, error)
        self.assertIn('listing resource providers', error)
        self.assertEqual([], self.fleet_json('device', 'list'))
        self.assertEqual([], self.fleet_json('change', 'list'))

    def test_cloud_without_placement_syncs_without_its_capacity(self):
        self.use_clouds()
        self.fleet('--os-cloud', 'lab', 'inventory', 'sync', 'nova')
        facts = {v['Key']: v['Value'] for v in self.fleet_json(
            'var', 'show', self.lab['nova']['computes'][0])}['nova']
        self.assertEqual('up', facts['state'])


class TestBothSources(base.LabTestCase):

    def test_ironic_and_nova_describe_the_same_hosts(self):
        self.fleet('inventory', 'sync', 'ironic')
        rows = json.loads(self.fleet('inventory', 'sync', 'nova',
                                     '-f', 'json').stdout)
        # Nova enriches the devices Ironic created; it adds none.
        self.assertEqual(set(), {r['Name'] for r in rows
                                 if r['Action'] == 'added'})
        resolved = {v['Key']: v['Level'] for v in self.fleet_json(
            'var', 'show', 'lab-compute-2', '--resolved', '--blame')}
        self.assertEqual('device lab-compute-2', resolved['nova'])
        self.assertEqual('device lab-compute-2', resolved['ironic'])
        inventory = json.loads(self.fleet(
            'inventory', 'export', '--format', 'ansible').stdout)
        self.assertEqual(['lab-compute-1', 'lab-compute-2'],
                         sorted(inventory['role_compute']['hosts']))
        hostvars = inventory['_meta']['hostvars']['lab-compute-1']
        self.assertEqual('up', hostvars['nova']['state'])
        self.assertNotIn('bmc_password', hostvars)
