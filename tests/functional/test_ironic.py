"""``inventory sync ironic`` against the lab's real Ironic."""

import json
import os

from tests.functional import base


class TestIronicSync(base.LabTestCase):

    needs = ('ironic',)

    def test_enrolls_every_node_with_masked_credentials(self):
        nodes = {n.name: n for n in self.sdk().baremetal.nodes(details=True)}
        self.assertGreaterEqual(len(nodes), 6)
        first = self.openstack('fleet', 'inventory', 'sync', 'ironic',
                               '-f', 'json')
        rows = json.loads(first.stdout)
        added = {r['Name'] for r in rows if r['Action'] == 'added' and
                 r['Kind'] == 'device'}
        self.assertEqual(set(nodes), added)
        devices = {d['Name']: d for d in self.fleet_json('device', 'list',
                                                         '--long')}
        self.assertEqual(set(nodes), set(devices))
        for name, node in nodes.items():
            self.assertEqual(node.id, devices[name]['UUID'])

        # Facts observed from Ironic, and which level supplied them.
        resolved = {v['Key']: v for v in self.fleet_json(
            'var', 'show', 'lab-compute-1', '--resolved', '--blame')}
        ironic = resolved['ironic']['Value']
        node = nodes['lab-compute-1']
        self.assertEqual((node.power_state, node.provision_state,
                          int(node.properties['cpus'])),
                         (ironic['power_state'], ironic['provision_state'],
                          ironic['cpus']))
        self.assertEqual('device lab-compute-1', resolved['ironic']['Level'])
        self.assertEqual('******', resolved['bmc_password']['Value'])
        self.assertEqual(node.driver_info['ipmi_port'],
                         resolved['bmc']['Value']['port'])
        spare = {v['Key']: v['Value'] for v in self.fleet_json(
            'var', 'show', 'lab-spare-2')}
        self.assertTrue(spare['ironic']['maintenance'])
        self.assertEqual(nodes['lab-spare-2'].maintenance_reason,
                         spare['ironic']['maintenance_reason'])

        # The real BMC password is stored (as a secret) ...
        fleet = self.api()
        passwords = self.bmc_passwords()
        self.assertIn(fleet.variables.secret_value(
            fleet.context(), 'lab-compute-1', 'bmc_password'), passwords)
        # ... and never shown: not by sync, show, the change log, export.
        outputs = [first.stdout, first.stderr]
        for args in (('device', 'show', 'lab-compute-1', '-f', 'json'),
                     ('var', 'show', 'lab-compute-1', '-f', 'json'),
                     ('change', 'list', '--limit', '0', '-f', 'json'),
                     ('inventory', 'export', '--format', 'ansible')):
            proc = self.fleet(*args)
            outputs += [proc.stdout, proc.stderr]
        # ... nor readable in the database file: encrypted at rest.
        db_file = self.db_url[len('sqlite:///'):]
        for path in (db_file, db_file + '-wal'):
            if os.path.exists(path):
                with open(path, 'rb') as f:
                    outputs.append(f.read().decode('latin-1'))
        for password in passwords:
            for text in outputs:
                self.assertNotIn(password, text)

        # A second sync changes nothing.
        second = self.openstack('fleet', 'inventory', 'sync', 'ironic',
                                '-f', 'json')
        self.assertEqual([], json.loads(second.stdout))

    def test_log_file_has_the_sync_but_no_secret(self):
        log_file = os.path.join(self.work, 'fleet.log')
        with open(self.conf_file, 'a') as f:
            f.write('[DEFAULT]\ndebug = true\nlog_file = %s\n' % log_file)
        proc = self.fleet('--debug', 'inventory', 'sync', 'ironic')
        with open(log_file) as f:
            logged = f.read()
        self.assertIn('sync ironic by functional: ', logged)
        self.assertIn('sync ironic: added device lab-compute-1', logged)
        for password in self.bmc_passwords():
            self.assertNotIn(password, logged)
            self.assertNotIn(password, proc.stdout + proc.stderr)

    def test_removed_node_is_flagged_missing(self):
        conn = self.sdk()
        node = conn.baremetal.create_node(
            name='lab-functional-tmp', driver='fake-hardware',
            extra={'serial': 'TMP-1'})
        self.addCleanup(self._delete_node, conn, node.id)
        self.fleet('inventory', 'sync', 'ironic')
        self.assertEqual('TMP-1', self.fleet_json(
            'device', 'show', 'lab-functional-tmp')['serial'])
        conn.baremetal.delete_node(node.id)
        rows = json.loads(self.fleet('inventory', 'sync', 'ironic',
                                     '-f', 'json').stdout)
        self.assertEqual([('missing', 'lab-functional-tmp')],
                         [(r['Action'], r['Name']) for r in rows])
        shown = self.fleet_json('device', 'show', 'lab-functional-tmp')
        self.assertTrue(shown['missing'])

    @staticmethod
    def _delete_node(conn, node_id):
        try:
            conn.baremetal.delete_node(node_id, ignore_missing=True)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def test_dry_run_writes_nothing(self):
        proc = self.fleet('inventory', 'sync', 'ironic', '--dry-run',
                          '-f', 'json')
        self.assertTrue(json.loads(proc.stdout))
        self.assertIn('dry run', proc.stderr)
        self.assertEqual([], self.fleet_json('device', 'list'))

    def test_unreachable_ironic_is_one_line_and_changes_nothing(self):
        clouds = os.path.join(self.work, 'clouds.yaml')
        with open(clouds, 'w') as f:
            f.write('clouds:\n  dead:\n    auth_type: none\n'
                    '    baremetal_endpoint_override: http://127.0.0.1:9\n')
        self.useFixture(base.fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', clouds))
        proc = self.fleet('--os-cloud', 'dead', 'inventory', 'sync',
                          'ironic', expect=1)
        # Progress lines, then exactly one error line; no traceback.
        error = proc.stderr.strip().splitlines()[-1]
        self.assertNotIn('Traceback', proc.stderr)
        self.assertIn('could not reach Ironic at http://127.0.0.1:9', error)
        self.assertEqual([], self.fleet_json('device', 'list'))
        self.assertEqual([], self.fleet_json('change', 'list'))
