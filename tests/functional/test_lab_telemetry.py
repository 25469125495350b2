"""The telemetry lab through real protocols: IPMI, Prometheus HTTP API.

Smoke tests of what the collectors' functional tests rely on: the BMC whose
sensors tests push over a threshold, the frozen BMC, the wrong-password
BMC, Prometheus with one node-exporter per lab host and its alert rules.
They change only ``lab-hot-1``'s readings and one textfile metric, and put
both back.
"""

import json
import subprocess
import time
import urllib.parse
import urllib.request
import uuid

from tests.functional import base
from tools.lab import bmc as lab_bmc
from tools.lab import prometheus as lab_prometheus


def _read(path):
    with open(path) as f:
        return f.read().strip()


class IpmiMixin:

    def bmc(self, name):
        for entry in self.lab.get('bmcs', []):
            if entry['name'] == name:
                return entry
        self.fail('lab.json has no BMC %s; run: python3 -m tools.lab up'
                  % name)

    def ipmitool(self, entry, *args, password_file=None, timeout=30):
        """ipmitool over lanplus; the password only in a file (``-f``)."""
        argv = ['ipmitool', '-I', 'lanplus', '-C', '3',
                '-H', entry['address'], '-p', str(entry['port']),
                '-U', entry['username'],
                '-f', password_file or entry['password_file'],
                '-N', '1', '-R', '1'] + list(args)
        return subprocess.run(argv, capture_output=True, text=True,
                              timeout=timeout)

    def sdr(self, entry):
        """{sensor name: (reading text, status)} from ``sdr list``."""
        proc = self.ipmitool(entry, 'sdr', 'list')
        self.assertEqual(0, proc.returncode, proc.stderr)
        out = {}
        for line in proc.stdout.splitlines():
            name, reading, status = [f.strip() for f in line.split('|')]
            out[name] = (reading, status)
        return out


class TestTelemetryBmcs(IpmiMixin, base.LabTestCase):

    needs = ()

    def test_hot_bmc_sensors_change_and_cross_thresholds(self):
        hot = self.bmc('lab-hot-1')
        self.assertIsNone(hot['fault'])
        self.addCleanup(lab_bmc.reset_sensors, 'lab-hot-1')
        before = self.sdr(hot)
        self.assertEqual(set(hot['sensors']), set(before))
        self.assertEqual('ok', before['CPU Temp'][1])
        self.assertIn('degrees C', before['Inlet Temp'][0])
        self.assertIn('RPM', before['Fan 1'][0])
        self.assertIn('Watts', before['PSU1 Power'][0])
        self.assertIn('Volts', before['12V'][0])
        # A sensor that never has a reading.
        self.assertEqual(('disabled', 'ns'), before['Exhaust Temp'])
        # Thresholds: upper on temperatures, lower on fans.
        sensors = self.ipmitool(hot, 'sensor').stdout
        cpu = next(ln for ln in sensors.splitlines()
                   if ln.startswith('CPU Temp')).split('|')
        self.assertEqual(['na', 'na', 'na', '85.000', '95.000', '105.000'],
                         [f.strip() for f in cpu[4:10]])
        fan = next(ln for ln in sensors.splitlines()
                   if ln.startswith('Fan 1')).split('|')
        self.assertEqual(['600.000', '900.000', '1200.000', 'na', 'na', 'na'],
                         [f.strip() for f in fan[4:10]])
        # A full SEL (1000 entries) would take no new events.
        lab_bmc.clear_sel('lab-hot-1')
        empty = self.ipmitool(hot, 'sel', 'list')
        self.assertIn('SEL has no entries', empty.stdout + empty.stderr)

        lab_bmc.set_sensor('lab-hot-1', 'CPU Temp', 99)
        lab_bmc.set_sensor('lab-hot-1', 'Fan 3', -600)
        after = self.sdr(hot)  # at once: through the console
        self.assertEqual(('99 degrees C', 'cr'), after['CPU Temp'])
        # A nonsense reading the BMC itself calls ok.
        self.assertEqual(('-600 RPM', 'ok'), after['Fan 3'])
        events = self.ipmitool(hot, 'sel', 'list').stdout
        self.assertIn('Upper Critical going high | Asserted', events)
        # The file poll (every 2 s) keeps the pushed value.
        time.sleep(2.5)
        self.assertEqual(('99 degrees C', 'cr'), self.sdr(hot)['CPU Temp'])

        lab_bmc.reset_sensors('lab-hot-1')
        self.assertEqual(before['CPU Temp'], self.sdr(hot)['CPU Temp'])

    def test_frozen_bmc_keeps_its_port_and_never_answers(self):
        frozen = self.bmc('lab-frozen-1')
        self.assertEqual('frozen', frozen['fault'])
        self.assertTrue(lab_bmc.is_frozen('lab-frozen-1'))
        start = time.monotonic()
        proc = self.ipmitool(frozen, 'power', 'status')
        took = time.monotonic() - start
        self.assertNotEqual(0, proc.returncode)
        self.assertGreaterEqual(took, 1.0)
        self.assertNotIn('Chassis Power', proc.stdout)
        self.assertFalse(lab_bmc.rmcp_ping(frozen['port'], timeout=1.0))
        # The port is still bound (a hung BMC, not a missing one).
        ss = subprocess.run(['ss', '-lnu'], capture_output=True, text=True)
        self.assertIn('%s:%d ' % (frozen['address'], frozen['port']),
                      ss.stdout)

    def test_wrong_password_bmc_refuses_the_inventory_password(self):
        entry = self.bmc('lab-badpass-1')
        self.assertEqual('wrong-password', entry['fault'])
        self.assertNotEqual(entry['password_file'],
                            entry['inventory_password_file'])
        refused = self.ipmitool(entry, 'power', 'status',
                                password_file=entry[
                                    'inventory_password_file'])
        self.assertNotEqual(0, refused.returncode)
        self.assertIn('Unable to establish IPMI v2 / RMCP+ session',
                      refused.stderr)
        # It answers its own password (it is alive).
        proc = self.ipmitool(entry, 'power', 'status')
        self.assertEqual(0, proc.returncode, proc.stderr)
        self.assertIn('Chassis Power is', proc.stdout)
        # The healthy BMCs take the inventory password.
        ok = self.ipmitool(self.bmc('lab-compute-1'), 'power', 'status',
                           password_file=entry['inventory_password_file'])
        self.assertEqual(0, ok.returncode, ok.stderr)


class TestTelemetryIronicNodes(base.LabTestCase):

    needs = ('ironic',)

    def test_fault_bmcs_are_nodes_with_what_the_inventory_gets(self):
        nodes = {n.name: n for n in self.sdk().baremetal.nodes(details=True)}
        self.assertEqual('available', nodes['lab-hot-1'].provision_state)
        for name in ('lab-frozen-1', 'lab-badpass-1'):
            self.assertEqual('enroll', nodes[name].provision_state)
            self.assertEqual('ipmi', nodes[name].driver)
        bad = {b['name']: b for b in self.lab['bmcs']}['lab-badpass-1']
        given = nodes['lab-badpass-1'].driver_info['ipmi_password']
        # No assertEqual: a failure must not print a password.
        self.assertTrue(given == _read(bad['inventory_password_file']),
                        'Ironic was not given the shared lab password')
        self.assertTrue(given != _read(bad['password_file']),
                        'Ironic was given the BMC\'s real password')


class TestTelemetryPrometheus(base.LabTestCase):

    needs = ('prometheus',)

    def query(self, expr):
        url = '%s/api/v1/query?%s' % (
            self.lab['prometheus']['endpoint'],
            urllib.parse.urlencode({'query': expr}))
        with urllib.request.urlopen(url, timeout=10) as resp:
            body = json.loads(resp.read())
        self.assertEqual('success', body['status'])
        return body['data']['result']

    def wait_for(self, what, check, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result or time.monotonic() > deadline:
                self.assertTrue(result, 'no %s within %ds' % (what, timeout))
                return result
            time.sleep(0.5)

    def test_node_cpu_seconds_per_host_label(self):
        prom = self.lab['prometheus']
        label = prom['host_label']
        hosts = {e['host'] for e in prom['node_exporters']}
        self.assertEqual({'lab-compute-1', 'lab-compute-2', 'lab-ctl-1',
                          'lab-storage-1'}, hosts)

        def sampled():
            rows = self.query('node_cpu_seconds_total{mode="idle"}')
            return {r['metric'].get(label) for r in rows} == hosts and rows

        rows = self.wait_for('node_cpu_seconds_total for every host',
                             sampled)
        for row in rows:
            self.assertEqual('node', row['metric']['job'])
            self.assertGreater(float(row['value'][1]), 0)
        for expr in ('node_memory_MemAvailable_bytes',
                     'node_filesystem_avail_bytes',
                     'rate(node_network_receive_bytes_total[10s])',
                     'rate(node_disk_io_time_seconds_total[10s])'):
            self.wait_for(expr, lambda: hosts == {
                r['metric'][label] for r in self.query(expr)})

    def test_alert_rule_fires_from_a_host_metric_and_resolves(self):
        name = 'functional-%s' % uuid.uuid4().hex[:8]
        self.addCleanup(lab_prometheus.clear_alert, 'lab-ctl-1', name)
        lab_prometheus.trigger_alert('lab-ctl-1', name, severity='critical')

        def mine():
            return [a for a in lab_prometheus.alerts()
                    if a['labels'].get('name') == name]

        firing = self.wait_for('firing LabTriggered', lambda: [
            a for a in mine() if a['state'] == 'firing'])
        self.assertEqual({'alertname': 'LabTriggered', 'host': 'lab-ctl-1',
                          'severity': 'critical', 'name': name},
                         {k: firing[0]['labels'][k] for k in (
                             'alertname', 'host', 'severity', 'name')})
        lab_prometheus.clear_alert('lab-ctl-1', name)
        self.wait_for('resolved LabTriggered', lambda: not mine())
