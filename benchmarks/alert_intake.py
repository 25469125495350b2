"""Alert intake through fleet-api's HTTP endpoint, beside a raw executemany.

Starts ``fleet-api`` (gunicorn, token auth, embedded SQLite) on a free
port with an inventory of ``--devices`` devices, then:

1. **Throughput**: ``--posts`` Alertmanager webhook posts of ``--size``
   alerts each to ``POST /v1/alerts/alertmanager`` over real sockets from
   ``--clients`` threads. The alerts cycle through ``--distinct``
   fingerprints, so after the first posts most receipts are deduplicated
   updates; each names a device through ``instance=host:9100``.
   Baseline, in the same run: the same rows written with a bare sqlite3
   ``executemany`` (``INSERT ... ON CONFLICT(fingerprint) DO UPDATE``, one
   transaction per post) into a table of the same shape. Prints alerts/s
   and the ratio baseline / HTTP.
2. **Latency** (``--latency N``, needs ``prometheus-alertmanager``): a
   private Alertmanager (127.0.0.1, ``group_wait: 0s``) whose webhook is
   this fleet-api; each of N alerts is posted to Alertmanager's
   ``/api/v2/alerts`` and timed until ``GET /v1/alerts?name=...`` returns
   it. Prints the median and the 90th percentile.

    python benchmarks/alert_intake.py --posts 200 --latency 20
"""

import argparse
import datetime
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))
BIN = os.path.dirname(sys.executable)
TOKEN = 'bench-token-not-secret'


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--devices', type=int, default=1000)
    p.add_argument('--posts', type=int, default=200)
    p.add_argument('--size', type=int, default=100)
    p.add_argument('--distinct', type=int, default=1000)
    p.add_argument('--clients', type=int, default=2)
    p.add_argument('--workers', type=int, default=2)
    p.add_argument('--latency', type=int, default=20,
                   help='alerts timed through Alertmanager (0: none)')
    p.add_argument('--floor', action='store_true',
                   help='also time the same posts to a minimal WSGI app '
                        '(benchmarks/alert_floor.py) under the same '
                        'gunicorn settings: HTTP + JSON + executemany')
    return p.parse_args()


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _wait(url, what, timeout=30, headers=None):
    end = time.monotonic() + timeout
    while True:
        try:
            req = urllib.request.Request(url, headers=headers or {})
            urllib.request.urlopen(req, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            if time.monotonic() > end:
                raise SystemExit('%s did not answer at %s' % (what, url))
            time.sleep(0.1)


def _setup(work, devices, workers):
    """A database with ``devices`` devices and a running fleet-api."""
    db = os.path.join(work, 'fleet.sqlite')
    conf = os.path.join(work, 'fleet.conf')
    token_file = os.path.join(work, 'token')
    with open(token_file, 'w') as f:
        f.write(TOKEN)
    port = _free_port()
    with open(conf, 'w') as f:
        f.write('[DEFAULT]\nstate_dir = %s\n[database]\nconnection = '
                'sqlite:///%s\n[api]\nhost = 127.0.0.1\nport = %d\n'
                'workers = %d\nauth_strategy = token\ntoken_file = %s\n'
                'token_actor = alertmanager\n'
                % (work, db, port, workers, token_file))
    from fleet import api
    from fleet import conf as fleet_conf
    from fleet.plugins.sources import base
    fleet_conf.CONF(['--config-file', conf], project='fleet',
                    default_config_files=[])
    fleet = api.connect(conf=fleet_conf.CONF)
    ctx = fleet.context(actor='bench')
    fleet.sync.apply(ctx, 'bench', base.Snapshot(
        clouds=[{'name': 'bench'}],
        regions=[{'name': 'r1', 'cloud': 'bench'}],
        devices=[base.DeviceRecord(name='node-%05d' % i, region='r1')
                 for i in range(devices)]))
    log = open(os.path.join(work, 'fleet-api.log'), 'w')
    proc = subprocess.Popen(
        [os.path.join(BIN, 'fleet-api'), '--config-file', conf],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base_url = 'http://127.0.0.1:%d' % port
    _wait(base_url + '/healthcheck', 'fleet-api')
    return proc, port, db


def _alert(i, starts, devices):
    host = 'node-%05d' % (i % devices)
    return {'status': 'firing',
            'labels': {'alertname': 'Bench%03d' % (i % 97),
                       'instance': '%s:9100' % host, 'job': 'node',
                       'severity': 'warning'},
            'annotations': {'summary': 'bench alert %d' % i},
            'startsAt': starts, 'endsAt': '0001-01-01T00:00:00Z',
            'generatorURL': 'http://prometheus:9090/graph',
            'fingerprint': '%016x' % (0xbe0000 + i)}


def _posts(args):
    starts = '2026-12-01T10:00:00.000Z'
    out = []
    n = 0
    for _ in range(args.posts):
        alerts = [_alert((n + j) % args.distinct, starts, args.devices)
                  for j in range(args.size)]
        n += args.size
        out.append(json.dumps({
            'version': '4', 'receiver': 'fleet', 'status': 'firing',
            'alerts': alerts, 'groupLabels': {}, 'commonLabels': {},
            'commonAnnotations': {}, 'externalURL': 'http://am',
            'groupKey': '{}', 'truncatedAlerts': 0}).encode())
    return out


def _cpu_seconds(pid):
    """CPU seconds (user + system) of ``pid`` and its children so far: on
    a shared machine this says what the intake costs, whatever the wait."""
    tick = os.sysconf('SC_CLK_TCK')
    pids = [pid]
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    total = 0
    for p in pids:
        try:
            with open('/proc/%d/stat' % p) as f:
                fields = f.read().rsplit(')', 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / tick


def _throughput(port, bodies, clients):
    errors = []
    queue = list(enumerate(bodies))
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                _i, body = queue.pop(0)
            conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
            conn.request('POST', '/v1/alerts/alertmanager', body, {
                'Content-Type': 'application/json',
                'Authorization': 'Bearer ' + TOKEN})
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            if resp.status != 200 or json.loads(data)['rejected']:
                errors.append((resp.status, data[:200]))
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit('intake failed: %r' % (errors[:3],))
    return elapsed


def _baseline(work, bodies):
    """The same rows, raw sqlite3 executemany upserts, one txn per post."""
    path = os.path.join(work, 'baseline.sqlite')
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute('PRAGMA journal_mode=WAL')
    conn.execute('PRAGMA synchronous=NORMAL')
    conn.execute(
        'CREATE TABLE alerts (id INTEGER PRIMARY KEY AUTOINCREMENT, '
        'fingerprint VARCHAR(64) UNIQUE NOT NULL, name VARCHAR(255), '
        'status VARCHAR(16), severity VARCHAR(32), labels TEXT, '
        'annotations TEXT, starts_at DATETIME, first_seen DATETIME, '
        'last_seen DATETIME, received INTEGER)')
    sql = ('INSERT INTO alerts (fingerprint, name, status, severity, '
           'labels, annotations, starts_at, first_seen, last_seen, '
           'received) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT '
           '(fingerprint) DO UPDATE SET last_seen = excluded.last_seen, '
           'received = received + 1')
    # The rows as the post carries them, decoded beforehand: the baseline
    # is the database's part only.
    rows = []
    for body in bodies:
        now = datetime.datetime.utcnow().isoformat(' ')
        rows.append([(a['fingerprint'], a['labels']['alertname'],
                      a['status'], a['labels']['severity'],
                      json.dumps(a['labels']), json.dumps(a['annotations']),
                      a['startsAt'], now, now)
                     for a in json.loads(body)['alerts']])
    started = time.perf_counter()
    for batch in rows:
        conn.execute('BEGIN')
        conn.executemany(sql, batch)
        conn.execute('COMMIT')
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _floor(work, workers):
    """benchmarks/alert_floor.py under gunicorn: (process, port)."""
    port = _free_port()
    log = open(os.path.join(work, 'floor.log'), 'w')
    proc = subprocess.Popen(
        [sys.executable, os.path.join(os.path.dirname(__file__),
                                      'alert_floor.py'),
         '--port', str(port), '--workers', str(workers),
         '--db', os.path.join(work, 'floor.sqlite')],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    _wait('http://127.0.0.1:%d/' % port, 'the floor app')
    return proc, port


def _alertmanager(work, fleet_port):
    binary = shutil.which('prometheus-alertmanager') or shutil.which(
        'alertmanager')
    if not binary:
        raise SystemExit('no prometheus-alertmanager: apt-get install '
                         'prometheus-alertmanager, or --latency 0')
    port = _free_port()
    cfg = os.path.join(work, 'alertmanager.yml')
    with open(cfg, 'w') as f:
        f.write("""route:
  receiver: fleet
  group_by: ['alertname']
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: fleet
    webhook_configs:
      - url: http://127.0.0.1:%d/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials_file: %s
""" % (fleet_port, os.path.join(work, 'token')))
    log = open(os.path.join(work, 'alertmanager.log'), 'w')
    proc = subprocess.Popen(
        [binary, '--config.file=' + cfg,
         '--storage.path=' + os.path.join(work, 'am-data'),
         '--web.listen-address=127.0.0.1:%d' % port,
         '--cluster.listen-address='], stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True)
    _wait('http://127.0.0.1:%d/-/ready' % port, 'alertmanager')
    return proc, port


def _latency(work, fleet_port, count):
    proc, am_port = _alertmanager(work, fleet_port)
    times = []
    try:
        for i in range(count):
            name = 'Latency%04d' % i
            body = json.dumps([{'labels': {
                'alertname': name, 'instance': 'node-00001:9100',
                'severity': 'critical'},
                'annotations': {'summary': 'latency probe'}}]).encode()
            started = time.perf_counter()
            urllib.request.urlopen(urllib.request.Request(
                'http://127.0.0.1:%d/api/v2/alerts' % am_port, body,
                {'Content-Type': 'application/json'}), timeout=5).close()
            url = ('http://127.0.0.1:%d/v1/alerts?name=%s'
                   % (fleet_port, name))
            while True:
                with urllib.request.urlopen(urllib.request.Request(
                        url, headers={'Authorization': 'Bearer ' + TOKEN}),
                        timeout=5) as resp:
                    if json.load(resp)['alerts']:
                        break
                if time.perf_counter() - started > 10:
                    raise SystemExit('alert %s never arrived' % name)
                time.sleep(0.002)
            times.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        _stop(proc)
    return times


def _stop(proc):
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, 9)
        except ProcessLookupError:
            pass


def main():
    args = _parse()
    work = tempfile.mkdtemp(prefix='fleet-bench-alerts-')
    proc, port, _db = _setup(work, args.devices, args.workers)
    try:
        bodies = _posts(args)
        total = args.posts * args.size
        base_s = _baseline(work, bodies)
        cpu0 = _cpu_seconds(proc.pid)
        http_s = _throughput(port, bodies, args.clients)
        cpu_s = _cpu_seconds(proc.pid) - cpu0
        print('alerts: %d in %d posts of %d, %d distinct fingerprints '
              '(%d%% deduplicated), %d devices, %d gunicorn workers, %d '
              'clients' % (total, args.posts, args.size, args.distinct,
                           100 - 100 * min(args.distinct, total) // total,
                           args.devices, args.workers, args.clients))
        print('baseline raw executemany upsert: %8.3f s %9.0f alerts/s'
              % (base_s, total / base_s))
        print('HTTP intake (fleet-api):        %8.3f s %9.0f alerts/s'
              % (http_s, total / http_s))
        print('ratio HTTP / baseline: %.2f x' % (http_s / base_s))
        print('fleet-api CPU: %.1f us per alert (%.0f alerts/s per core); '
              'load average %.1f' % (1e6 * cpu_s / total, total / max(
                  cpu_s, 1e-9), os.getloadavg()[0]))
        if args.floor:
            floor, floor_port = _floor(work, args.workers)
            try:
                cpu0 = _cpu_seconds(floor.pid)
                floor_s = _throughput(floor_port, bodies, args.clients)
                floor_cpu = _cpu_seconds(floor.pid) - cpu0
            finally:
                _stop(floor)
            print('floor (HTTP + json.loads + executemany): %8.3f s %9.0f '
                  'alerts/s, ratio floor / baseline %.2f x, CPU %.1f us '
                  'per alert; fleet-api / floor %.2f x; load average %.1f'
                  % (floor_s, total / floor_s, floor_s / base_s,
                     1e6 * floor_cpu / total, http_s / floor_s,
                     os.getloadavg()[0]))
        if args.latency:
            times = sorted(_latency(work, port, args.latency))
            print('Alertmanager post -> readable via GET: median %.1f ms, '
                  'p90 %.1f ms, max %.1f ms (%d alerts)' % (
                      1000 * statistics.median(times),
                      1000 * times[int(0.9 * (len(times) - 1))],
                      1000 * times[-1], len(times)))
    finally:
        _stop(proc)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
