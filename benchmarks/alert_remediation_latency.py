"""Latency from an alert's arrival at fleet-api to its Mistral execution.

Against the lab's Mistral (``python3 -m tools.lab up --only mistral``),
with a fleet-api of the benchmark's own (``fleet-api`` under gunicorn, as
an operator runs it, on a temporary SQLite inventory of ``--runs``
computes):

- baseline: ``executions.create`` of a one-task workflow through
  python-mistralclient, until Mistral answers (the execution RUNNING);
- fleet: one alert (fleet's generic form) posted to fleet-api, until
  Mistral lists the execution it led to: the intake, the reaction in the
  worker's background thread (the audit of the rule watching the alert,
  the resolver's decision under the blast-radius lock, the persisted
  remediation), the executor's pre-condition and the create with the
  idempotency key. The policy's rule is ``mode: auto`` with the same
  one-task workflow (an operator workbook in a temporary
  ``workbook_dirs``); each run alerts about another device, so no repeat
  threshold or blast radius holds it back.

The benchmark watches Mistral every 10 ms, so fleet's figure includes up
to about 10 ms of that. Alternating pairs; medians and the difference are
printed::

    flock /tmp/fleet-bench.lock .venv/bin/python \\
        benchmarks/alert_remediation_latency.py [--runs 20]
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from benchmarks import remediation_latency  # noqa: E402

POLICY = """\
name: bench
rules:
  - name: bench-alert
    selector: {role: compute}
    auditor: threshold
    params: {alert: BenchAlert}
    remediation: {workflow: fleet_bench.noop}
    mode: auto
"""
WORKFLOW = 'fleet_bench.noop'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def post(url, token, body):
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method='POST',
        headers={'Content-Type': 'application/json',
                 'Authorization': 'Bearer ' + token})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def wait_for_execution(client, host, deadline):
    """The first execution of WORKFLOW whose input names ``host``."""
    while time.monotonic() < deadline:
        for ex in client.executions.list(workflow_name=WORKFLOW, limit=5,
                                         sort_keys='created_at',
                                         sort_dirs='desc'):
            if json.loads(ex.input or '{}').get('host') == host:
                return ex
        time.sleep(0.01)
    raise SystemExit('no execution for %s within the deadline' % host)


def setup(work, mistral, runs):
    from fleet import api
    from fleet import conf as fleet_conf

    token = 'bench-%d' % os.getpid()
    token_file = os.path.join(work, 'api.token')
    with open(token_file, 'w') as f:
        f.write(token)
    os.chmod(token_file, 0o600)
    port = free_port()
    conf_file = remediation_latency.write_conf(
        work, mistral, '[api]\nport = %d\nworkers = 2\n'
        'auth_strategy = token\ntoken_file = %s\nreact_to_alerts = true\n'
        % (port, token_file))
    conf = fleet_conf.load([conf_file])
    fleet = api.connect(conf=conf)
    ctx = fleet.context(actor='bench', reason='latency')
    fleet.clouds.create(ctx, 'c')
    fleet.regions.create(ctx, 'r', cloud='c')
    for i in range(runs):
        fleet.devices.create(ctx, 'bench-%d' % i, region='r', role='compute')
    fleet.policies.load(ctx, [('bench.yaml', POLICY)])
    executor = fleet.remediations.executor()
    executor.sync_workbook('fleet_bench', remediation_latency.BOOK)
    return conf_file, port, token, executor.client()


def start_api(conf_file, port, work):
    log = open(os.path.join(work, 'fleet-api.log'), 'wb')
    binary = os.path.join(os.path.dirname(sys.executable), 'fleet-api')
    # Its state (the workers' metrics directory) in the work directory.
    proc = subprocess.Popen([binary, '--config-file', conf_file],
                            stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True,
                            env=dict(os.environ, XDG_STATE_HOME=work))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen('http://127.0.0.1:%d/healthcheck' % port,
                                   timeout=2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit('fleet-api did not start; see %s' % log.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=20)
    args = parser.parse_args()
    mistral = remediation_latency.lab_mistral()
    work = tempfile.mkdtemp(prefix='fleet-bench-alert-')
    conf_file, port, token, client = setup(work, mistral, args.runs)
    proc = start_api(conf_file, port, work)
    url = 'http://127.0.0.1:%d/v1/alerts' % port
    raw, ours = [], []
    try:
        # One warm-up post: the workers open their store and reactor.
        post(url, token, {'alerts': [{'name': 'Warmup', 'status': 'firing',
                                      'labels': {'host': 'bench-0'}}]})
        for i in range(args.runs):
            t0 = time.perf_counter()
            ex = client.executions.create(WORKFLOW, workflow_input={
                'host': 'raw', 'reason': 'raw'})
            raw.append(time.perf_counter() - t0)
            assert ex.state in ('RUNNING', 'SUCCESS'), ex.state
            host = 'bench-%d' % i
            t0 = time.perf_counter()
            post(url, token, {'alerts': [{
                'name': 'BenchAlert', 'status': 'firing',
                'severity': 'critical', 'labels': {'host': host}}]})
            ex = wait_for_execution(client, host, time.monotonic() + 30)
            ours.append(time.perf_counter() - t0)
            assert ex.state in ('RUNNING', 'SUCCESS'), ex.state
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(10)
    raw_m, ours_m = statistics.median(raw), statistics.median(ours)
    load = os.getloadavg()[0]
    print('raw Mistral execution create (RUNNING):   median %.3f s  '
          '(min %.3f, max %.3f, %d runs)' % (raw_m, min(raw), max(raw),
                                             len(raw)))
    print('alert at fleet-api -> execution RUNNING:  median %.3f s  '
          '(min %.3f, max %.3f)' % (ours_m, min(ours), max(ours)))
    print('fleet - raw: %+.3f s; ratio %.2f; load %.2f (goal: under 2 s '
          'and at most raw + 0.3 s)' % (ours_m - raw_m, ours_m / raw_m,
                                         load))


if __name__ == '__main__':
    main()
