"""An alert storm at a real fleet-api, remediated through the lab's Mistral.

A fleet-api of the test's own (gunicorn, 2 workers, each with its alert
reactor) on an inventory synced from the lab's Ironic; a policy rule in
``auto`` mode watching the storm's alerts, with a one-task workflow of an
operator workbook. 1,000 alerts over every lab host arrive in posts of
100 from 4 senders at once: the reactors of both workers audit and
resolve concurrently, and never more hosts are out than the blast radius
allows (two here): exactly two Mistral executions start, the other hosts'
plans are held. Then an ``approve`` rule's plan approved twice at once
starts one execution.
"""

import json
import os
import threading
import time
import uuid

from tests.functional import base
from tests.functional import test_api_service
from tests.functional import test_remediation

BOOK = """\
---
version: '2.0'
name: fleet_storm
workflows:
  noop:
    input: [host, reason, {fleet_config: null}]
    tasks:
      noop:
        action: std.noop
"""

POLICY = """\
name: storm
rules:
  - name: storm-auto
    selector: {type: host}
    auditor: threshold
    params: {alert: 'Storm*'}
    remediation: {workflow: fleet_storm.noop}
    mode: auto
  - name: storm-approve
    selector: {type: host}
    auditor: threshold
    params: {alert: 'Approve*'}
    remediation: {workflow: fleet_storm.noop}
    mode: approve
"""


class TestAlertStorm(test_remediation.RemediationTestCase):

    max_devices_out = 2

    def setUp(self):
        super().setUp()
        books = os.path.join(self.work, 'books')
        os.mkdir(books)
        with open(os.path.join(books, 'fleet_storm.yaml'), 'w') as f:
            f.write(BOOK)
        self.token = 'storm-' + uuid.uuid4().hex
        token_file = os.path.join(self.work, 'api.token')
        with open(token_file, 'w') as f:
            f.write(self.token)
        os.chmod(token_file, 0o600)
        self.port = test_api_service.free_port()
        with open(self.conf_file, 'a') as f:
            f.write('\n[remediation]\nworkbook_dirs = %s\n'
                    'blast_radius_scopes = region\n'
                    '\n[api]\nport = %d\nworkers = 2\nauth_strategy = token\n'
                    'token_file = %s\nreact_to_alerts = true\n'
                    % (books, self.port, token_file))
        self.fleet('workbook', 'sync')
        path = os.path.join(self.work, 'storm.yaml')
        with open(path, 'w') as f:
            f.write(POLICY)
        self.fleet('policy', 'load', path)
        self.hosts = [d['Name'] for d in self.fleet_json('device', 'list')]
        self.url = 'http://127.0.0.1:%d' % self.port
        server = test_api_service.ServerTestCase.start
        server(self, [os.path.join(base.BIN, 'fleet-api'), '--config-file',
                      self.conf_file])

    server_log = test_api_service.ServerTestCase.server_log
    _stop = staticmethod(test_api_service.ServerTestCase._stop)

    def post(self, alerts):
        status, _, body = test_api_service.call(
            self.url + '/v1/alerts', self.token,
            json.dumps({'alerts': alerts}).encode(), 'POST', timeout=60)
        self.assertEqual(200, status, body)
        return body

    def storm_executions(self):
        return self.mistral().executions.list(
            workflow_name='fleet_storm.noop', limit=-1)

    def settle(self, want, seconds=3.0, deadline=60.0):
        """Wait until the executions of this test stop changing."""
        end = time.monotonic() + deadline
        last, since = None, time.monotonic()
        while time.monotonic() < end:
            mine = want()
            ids = sorted(e.id for e in self.storm_executions()
                         if any(r in (e.description or '') for r in mine))
            if ids != last:
                last, since = ids, time.monotonic()
            elif time.monotonic() - since > seconds:
                return ids
            time.sleep(0.3)
        self.fail('executions still changing after %ds' % deadline)

    def remediation_ids(self):
        return {r['ID'] for r in self.fleet_json('remediation', 'list',
                                                 '--limit', '0')}

    def test_storm_never_takes_more_hosts_out_than_the_blast_radius(self):
        self.assertGreater(len(self.hosts), 4)
        names = ['StormCPU', 'StormFan', 'StormPSU', 'StormDisk']
        posts = [[{'name': names[(p + k) % 4], 'status': 'firing',
                   'severity': 'critical',
                   'labels': {'host': self.hosts[(p * 3 + k) %
                                                 len(self.hosts)],
                              'seq': str(p * 100 + k)}}
                  for k in range(100)] for p in range(10)]
        bodies, errors = [], []

        def sender(chunk):
            try:
                for alerts in chunk:
                    bodies.append(self.post(alerts))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=sender, args=(posts[i::4],))
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual([], errors)
        self.assertEqual(1000, sum(b['accepted'] for b in bodies))
        ids = self.settle(self.remediation_ids)
        rows = self.fleet_json('remediation', 'list', '--limit', '0',
                               '--long')
        out = [r for r in rows if r['Holds Slot']]
        self.assertEqual(2, len(out), rows)
        self.assertEqual(2, len(ids))
        self.assertEqual(2, len({r['Device'] for r in out}))
        held = [r for r in rows if r['State'] == 'held']
        self.assertEqual(len(self.hosts) - 2, len(held),
                         [(r['Device'], r['State']) for r in rows])

    def test_two_approvals_at_once_start_one_execution(self):
        host = self.hosts[0]
        self.post([{'name': 'ApproveMe', 'status': 'firing',
                    'severity': 'warning', 'labels': {'host': host}}])
        deadline = time.monotonic() + 30
        plans = []
        while time.monotonic() < deadline and not plans:
            plans = self.fleet_json('remediation', 'list', '--state',
                                    'pending-approval')
            time.sleep(0.3)
        self.assertEqual(1, len(plans))
        plan = plans[0]['ID']
        results = []

        def approve(who):
            results.append(self.fleet('remediation', 'approve', plan,
                                      '--reason', 'approved by %s' % who,
                                      expect=None))

        threads = [threading.Thread(target=approve, args=(w,))
                   for w in ('alice', 'bob')]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual([0, 1], sorted(p.returncode for p in results),
                         [p.stderr for p in results])
        self.assertEqual(1, len(self.executions_of(plan)))
