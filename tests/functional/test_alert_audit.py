"""Alert -> finding: a real Prometheus rule alert for a lab host, delivered
by a real Alertmanager to a real fleet-api, audited by ``fleet audit run``.

The test runs its own Prometheus (Debian's 2.42) with the lab's rule file
(``LabTriggered``) scraping one lab host's node-exporter, its own
Alertmanager and its own fleet-api (gunicorn, token auth) on the test's
database: nothing of the lab's shared state is read or written besides
the host's textfile metric that fires the rule (the lab's own Prometheus
sees it too and its Alertmanager tells the lab's fleet-api; the cleanup
clears it). ``fleet audit run`` with ``auditor: threshold, params:
{alert: LabTriggered}`` opens a finding for the device naming the alert;
clearing the metric resolves the alert (Alertmanager's resolved post) and
the next audit the finding; firing again reopens the same finding. Run
under ``flock /tmp/fleet-lab.lock``.
"""

import os
import shutil
import uuid

from tests.functional import base
from tests.functional import test_alert_intake as intake
from tests.functional import test_api_service as service
from tools.lab import prometheus as lab_prometheus

HOST = 'lab-compute-1'
PROMETHEUS = shutil.which('prometheus')

PROMETHEUS_CONFIG = """\
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:{am_port}']
rule_files:
  - {rules}
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ['{instance}']
        labels:
          host: {host}
"""

AM_CONFIG = """\
route:
  receiver: fleet
  group_by: ['alertname', 'host', 'instance']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: fleet
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: {token}
"""

POLICY = """\
name: alerts
rules:
  - name: lab-alert
    auditor: threshold
    params: {alert: LabTriggered}
    severity: warning
"""


class TestAlertToFinding(base.LabTestCase):

    needs = ('prometheus',)

    # The Alertmanager test's helpers (processes, fleet-api reads).
    _spawn = intake.TestAlertmanagerToFleetAPI._spawn
    _ready = intake.TestAlertmanagerToFleetAPI._ready
    get = intake.TestAlertmanagerToFleetAPI.get
    wait_for = intake.TestAlertmanagerToFleetAPI.wait_for

    def setUp(self):
        super().setUp()
        if not (PROMETHEUS and intake.ALERTMANAGER):
            self.fail('prometheus or prometheus-alertmanager is not '
                      'installed; run: python3 -m tools.lab up')
        w = self.work
        exporter = [e for e in self.lab['prometheus']['node_exporters']
                    if e['host'] == HOST][0]
        token = os.path.join(w, 'token')
        with open(token, 'w') as f:
            f.write(intake.TOKEN + '\n')
        self.api_port = service.free_port()
        with open(self.conf_file, 'a') as f:
            f.write('[api]\nhost = 127.0.0.1\nport = %d\nworkers = 1\n'
                    'auth_strategy = token\ntoken_file = %s\n'
                    'token_actor = alertmanager\n' % (self.api_port, token))
        policy = os.path.join(w, 'policy.yaml')
        with open(policy, 'w') as f:
            f.write(POLICY)
        self.fleet('cloud', 'create', 'lab')
        self.fleet('region', 'create', 'RegionOne', '--cloud', 'lab')
        for name in (HOST, 'lab-compute-2'):
            self.fleet('device', 'create', name, '--region', 'RegionOne')
        self.fleet('policy', 'load', policy)
        self.api_url = 'http://127.0.0.1:%d' % self.api_port
        api_log = os.path.join(w, 'fleet-api.log')
        self._spawn([os.path.join(base.BIN, 'fleet-api'), '--config-file',
                     self.conf_file], api_log)
        self._ready(self.api_url + '/healthcheck', api_log)
        am_port = service.free_port()
        am_config = os.path.join(w, 'alertmanager.yml')
        with open(am_config, 'w') as f:
            f.write(AM_CONFIG.format(
                url=self.api_url + '/v1/alerts/alertmanager', token=token))
        am_log = os.path.join(w, 'alertmanager.log')
        self._spawn([intake.ALERTMANAGER, '--config.file=' + am_config,
                     '--storage.path=' + os.path.join(w, 'am'),
                     '--web.listen-address=127.0.0.1:%d' % am_port,
                     '--cluster.listen-address='], am_log)
        self._ready('http://127.0.0.1:%d/-/ready' % am_port, am_log)
        prom_config = os.path.join(w, 'prometheus.yml')
        with open(prom_config, 'w') as f:
            f.write(PROMETHEUS_CONFIG.format(
                am_port=am_port, rules=self.lab['prometheus']['rules_file'],
                instance=exporter['instance'], host=HOST))
        prom_port = service.free_port()
        prom_log = os.path.join(w, 'prometheus.log')
        self._spawn([PROMETHEUS, '--config.file=' + prom_config,
                     '--storage.tsdb.path=' + os.path.join(w, 'tsdb'),
                     '--web.listen-address=127.0.0.1:%d' % prom_port],
                    prom_log)
        self._ready('http://127.0.0.1:%d/-/ready' % prom_port, prom_log)
        self.name = 'fn-%s' % uuid.uuid4().hex[:8]
        self.addCleanup(lab_prometheus.clear_alert, HOST, self.name)

    def lab_alert(self, check, timeout=30):
        """Our LabTriggered alert as fleet-api shows it, once ``check``."""
        return self.wait_for('LabTriggered', check, timeout=timeout)

    def audit(self):
        self.fleet('audit', 'run')
        return self.fleet_json('finding', 'list', '--rule', 'lab-alert',
                               '--status', 'open', '--status', 'resolved',
                               '--long')

    def test_alert_opens_resolves_and_reopens_a_finding(self):
        self.assertEqual([], self.audit())
        lab_prometheus.trigger_alert(HOST, self.name, 'critical')
        alert = self.lab_alert(lambda a: a['status'] == 'firing')
        self.assertEqual(
            (HOST, 'critical', 'alertmanager', True, self.name),
            (alert['device'], alert['severity'], alert['source'],
             alert['actionable'], alert['labels']['name']))
        found = self.audit()
        self.assertEqual([(HOST, 'open', 'warning')],
                         [(f['Subject'], f['Status'], f['Severity'])
                          for f in found])
        finding_id = found[0]['ID']
        observed = found[0]['Observed']
        self.assertEqual(('LabTriggered', alert['id'], 'critical', 1),
                         (observed['alert'], observed['alert_id'],
                          observed['severity'], observed['alerts']))
        self.assertIn('alert LabTriggered (critical) firing since',
                      found[0]['Message'])

        # Cleared: Prometheus resolves the rule, Alertmanager posts the
        # resolve; the next audit resolves the finding.
        lab_prometheus.clear_alert(HOST, self.name)
        self.lab_alert(lambda a: a['status'] == 'resolved')
        found = self.audit()
        self.assertEqual([(finding_id, 'resolved')],
                         [(f['ID'], f['Status']) for f in found])

        # Firing again (the same alert: Alertmanager's fingerprint) reopens
        # the same finding.
        lab_prometheus.trigger_alert(HOST, self.name, 'critical')
        again = self.lab_alert(lambda a: a['status'] == 'firing')
        self.assertEqual(alert['id'], again['id'])
        found = self.audit()
        self.assertEqual([(finding_id, 'open')],
                         [(f['ID'], f['Status']) for f in found])
