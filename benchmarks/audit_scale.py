"""An audit of a large fleet against 20 rules of mixed auditors.

Builds ``--devices`` devices (10 cells, racks of 50, computes with Nova
facts and an OS fact, 30 controllers, BMC passwords in one cell, a desired
kernel at the region) and five latest readings per device, then loads a
policy of 20 rules (threshold x7, expected_state x5, ha x3, capacity x3,
security x2) and times ``fleet.audit.run``: the first audit opens the
findings (inserts, change-log rows), the second refreshes them (updates).
In the same run the baseline reads the rows the audit reads, by the
queries the audit runs -- devices, labels, levels, every latest reading of
the capacity rules' metrics, the failing readings of each threshold rule
(the database compares) and the history of the ``for`` rule's devices,
the variables of the rules' keys, the secret variables and the findings
-- with bare DB-API ``fetchall``. Prints seconds, findings written per
second, the ratio to the baseline and the load average.

    python benchmarks/audit_scale.py --devices 10000
    python benchmarks/audit_scale.py --db-url postgresql+psycopg2://...
    python benchmarks/audit_scale.py --db-url mysql+pymysql://root@127.0.0.1/x
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

POLICY = '''\
name: bench
rules:
  - {name: cpu-critical, auditor: threshold,
     params: {metric: temperature.*, status: critical}}
  - {name: cpu-above-90, auditor: threshold,
     params: {metric: temperature.cpu_temp, above: 90}}
  - {name: inlet-above-35, auditor: threshold,
     params: {metric: temperature.inlet_temp, above: 35}}
  - {name: inlet-below-5, auditor: threshold,
     params: {metric: temperature.inlet_temp, below: 5}}
  - {name: cpu-warning-cell-1, selector: {cell: cell-1}, auditor: threshold,
     params: {metric: temperature.cpu_temp, status: warning}}
  - {name: cpu-above-80-for-5m, selector: {role: compute},
     auditor: threshold,
     params: {metric: temperature.cpu_temp, above: 80, for: 5m}}
  - {name: no-instances-critical, auditor: threshold,
     params: {metric: instances.total, status: critical}}
  - {name: nova-up, selector: {role: compute}, auditor: expected_state,
     params: {checks: [{fact: nova.state, expect: up},
                       {fact: nova.status, expect: enabled}]}}
  - {name: kernel, selector: {role: compute}, auditor: expected_state,
     params: {checks: [{fact: os.kernel, desired: desired_kernel}]}}
  - {name: kernel-controllers, selector: {role: controller},
     auditor: expected_state,
     params: {checks: [{fact: os.kernel, desired: desired_kernel}],
              missing: fail}}
  - {name: nova-zone, selector: {role: compute, exclude: {labels: [gpu]}},
     auditor: expected_state,
     params: {checks: [{fact: nova.zone, expect: nova}]}}
  - {name: nova-not-forced-down, selector: {role: compute},
     auditor: expected_state,
     params: {checks: [{fact: nova.forced_down, expect: false}]}}
  - {name: controllers-spread, selector: {role: controller}, auditor: ha,
     params: {check: spread, group_by: region, across: rack, min: 3}}
  - {name: computes-per-cell, selector: {role: compute}, auditor: ha,
     params: {check: min_enabled, group_by: cell, min: 100}}
  - {name: db-anti-affinity, selector: {role: controller}, auditor: ha,
     params: {check: anti_affinity, label_prefix: "ha-group:"}}
  - {name: vcpu-headroom-cell, selector: {role: compute}, auditor: capacity,
     params: {check: headroom, resource: vcpus, min_percent: 20,
              group_by: cell}}
  - {name: vcpu-headroom-host, selector: {role: compute}, auditor: capacity,
     params: {check: headroom, resource: vcpus, min_percent: 5,
              group_by: device}}
  - {name: idle-hosts, selector: {role: compute}, auditor: capacity,
     params: {check: idle}}
  - {name: bmc-default-password, selector: {cell: cell-0},
     auditor: security, params: {check: default_password}}
  - {name: hands-off-expired, auditor: security,
     params: {check: hands_off_expired}}
'''


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--devices', type=int, default=100000)
    p.add_argument('--repeat', type=int, default=2,
                   help='baseline / audit pairs (the first audit opens, '
                        'later ones refresh)')
    p.add_argument('--db-url', help='SQLAlchemy URL of an EMPTY database '
                                    '(default: a new SQLite file)')
    return p.parse_args()


def _inventory(fleet, ctx, n):
    from fleet.plugins.sources import base
    cells = ['cell-%d' % i for i in range(10)]
    racks = []
    devices = []
    for i in range(n):
        cell = cells[i * 10 // n]
        rack = 'rack-%04d' % (i // 50)
        if not racks or racks[-1]['name'] != rack:
            racks.append({'name': rack, 'region': 'r1', 'cell': cell,
                          'cloud': 'bench'})
        controller = i % (n // 30 or 1) == 0 and i // (n // 30 or 1) < 30
        rec = base.DeviceRecord(
            name='node-%06d' % i, region='r1', cloud='bench', cell=cell,
            rack=rack, role='controller' if controller else 'compute',
            labels=['gpu'] if i % 20 == 0 else
            (['ha-group:db-%d' % (i % 3)] if controller else []))
        if not controller:
            rec.facts = {'nova': {
                'state': 'down' if i % 97 == 0 else 'up',
                'status': 'enabled', 'zone': 'nova', 'forced_down': False},
                'os': {'kernel': '6.1' if i % 33 else '5.10'}}
        else:
            rec.facts = {'os': {'kernel': '6.1'}}
        if cell == 'cell-0':
            rec.secrets = {'bmc_password': 'calvin' if i % 50 == 0
                           else 'pw-%d' % i}
        devices.append(rec)
    snap = base.Snapshot(
        clouds=[{'name': 'bench'}],
        regions=[{'name': 'r1', 'cloud': 'bench'}],
        cells=[{'name': c, 'region': 'r1', 'cloud': 'bench'} for c in cells],
        racks=racks, devices=devices)
    fleet.sync.apply(ctx, 'bench', snap)
    fleet.variables.set(ctx, 'region', 'r1', {'desired_kernel': '6.1'})
    from fleet.db import models
    with fleet.reading() as s:
        return [i for (i,) in s.execute(
            models.Device.__table__.select().with_only_columns(
                models.Device.id).order_by(models.Device.id))]


def _readings(fleet, ctx, ids):
    import datetime

    from fleet.common.readings import Reading
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    before = now - datetime.timedelta(minutes=10)
    out = []
    for k, dev in enumerate(ids):
        hot = k % 40 == 0
        cpu = 95.0 if hot else 50.0 + k % 30
        if k % 41 == 0:
            # Hot ten minutes ago too: the 5 m rule fires.
            out.append(Reading(dev, 'temperature.cpu_temp', 85.0,
                               status='ok', read_at=before, source='bench'))
        out += [
            Reading(dev, 'temperature.cpu_temp', cpu,
                    status='critical' if hot else 'ok', read_at=now,
                    source='bench'),
            Reading(dev, 'temperature.inlet_temp', 22.0 + k % 15,
                    read_at=now, source='bench'),
            Reading(dev, 'vcpus.free', float(k % 64), read_at=now,
                    source='bench'),
            Reading(dev, 'vcpus.capacity', 64.0, read_at=now,
                    source='bench'),
            Reading(dev, 'instances.total', float(k % 7), read_at=now,
                    source='bench')]
    for i in range(0, len(out), 100000):
        fleet.telemetry.record(ctx, out[i:i + 100000], prune=False)
    return len(out)


def _baseline(fleet):
    """Bare fetchall of the rows one audit reads, by the same queries."""
    import datetime

    import sqlalchemy as sa

    from fleet.db import alert_models  # noqa: F401 - tables known
    from fleet.db import models

    t = {m.__tablename__: m.__table__ for m in (
        models.Region, models.Cell, models.Rack, models.Label,
        models.Device, models.LatestReading, models.ReadingHistory,
        models.Variable, models.Finding)}
    r, v, h = t['readings_latest'].c, t['variables'].c, \
        t['readings_history'].c
    d, f = t['devices'].c, t['findings'].c
    latest = (r.device_id, r.metric, r.value, r.unit, r.status)
    since = datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None) - datetime.timedelta(minutes=5)
    queries = [
        sa.select(t['regions'].c.id, t['regions'].c.name),
        sa.select(t['regions'].c.id, t['regions'].c.cloud_id),
        sa.select(t['cells'].c.id, t['cells'].c.name),
        sa.select(t['racks'].c.id, t['racks'].c.name),
        sa.select(t['labels'].c.device_id, t['labels'].c.label),
        sa.select(d.id, d.name, d.type, d.role, d.region_id, d.cell_id,
                  d.rack_id, d.parent_id).where(d.missing == sa.false()),
        # capacity: every reading of its metrics
        sa.select(*latest).where(r.metric == 'vcpus.free'),
        sa.select(*latest).where(r.metric == 'vcpus.capacity'),
        sa.select(*latest).where(r.metric == 'instances.total'),
        # threshold: the failing readings of each rule
        sa.select(*latest).where(r.metric.like('temperature.%'),
                                 r.status.in_(['critical'])),
        sa.select(*latest).where(r.metric == 'temperature.cpu_temp',
                                 r.value > 90),
        sa.select(*latest).where(r.metric == 'temperature.inlet_temp',
                                 r.value > 35),
        sa.select(*latest).where(r.metric == 'temperature.inlet_temp',
                                 r.value < 5),
        sa.select(*latest).where(r.metric == 'temperature.cpu_temp',
                                 r.status.in_(['critical', 'warning'])),
        sa.select(*latest).where(r.metric == 'temperature.cpu_temp',
                                 r.value > 80),
        sa.select(*latest).where(r.metric == 'instances.total',
                                 r.status.in_(['critical'])),
        # ... and the history of the "for: 5m" rule's hot devices
        sa.select(h.device_id, h.metric, h.read_at, h.value,
                  h.status).where(h.metric == 'temperature.cpu_temp',
                                  h.value > 80, h.read_at > since - (
                                      datetime.timedelta(minutes=10))),
        sa.select(v.scope, v.scope_id, v.key, v.value).where(
            v.key.in_(['nova', 'os', 'desired_kernel', 'hands_off']),
            v.secret == sa.false()),
        sa.select(v.scope, v.scope_id, v.key, v.value).where(
            v.key == 'bmc_password', v.secret == sa.true()),
        sa.select(f.id, f.fingerprint, f.status, f.rule, f.subject,
                  f.count, f.severity, f.message, f.observed, f.expected),
    ]
    raw = fleet.engine.raw_connection()
    dialect = fleet.engine.dialect
    rows = 0
    try:
        cur = raw.cursor()
        for q in queries:
            compiled = q.compile(dialect=dialect, compile_kwargs={
                'render_postcompile': True})
            params = compiled.construct_params()
            if compiled.positional:
                params = tuple(params[k] for k in compiled.positiontup)
            cur.execute(str(compiled), params)
            rows += len(cur.fetchall())
        raw.rollback()
    finally:
        raw.close()
    return rows


def main():
    args = _parse()
    from fleet import api
    from fleet.common import crypto
    from fleet import conf as fleet_conf

    workdir = tempfile.mkdtemp(prefix='fleet-bench-audit-')
    url = args.db_url or 'sqlite:///%s/fleet.sqlite' % workdir
    conf = fleet_conf.CONF
    conf([], project='fleet', default_config_files=[])
    key = os.path.join(workdir, 'secret.key')
    crypto.create_key_file(key)
    conf.set_override('key_file', key, group='secrets')
    fleet = api.connect(url=url, conf=conf)
    ctx = fleet.context(actor='bench')
    print('database: %s' % fleet.engine.dialect.name)
    t0 = time.perf_counter()
    ids = _inventory(fleet, ctx, args.devices)
    print('inventory of %d devices: %.1f s'
          % (len(ids), time.perf_counter() - t0))
    t0 = time.perf_counter()
    n = _readings(fleet, ctx, ids)
    print('%d readings: %.1f s' % (n, time.perf_counter() - t0))
    fleet.policies.load(ctx, [('bench.yaml', POLICY)])
    for i in range(args.repeat):
        t0 = time.perf_counter()
        rows = _baseline(fleet)
        base_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = fleet.audit.run(ctx)
        took = time.perf_counter() - t0
        written = summary.opened + summary.still_open + summary.resolved + \
            summary.reopened
        print('run %d: baseline %.2f s (%d rows read); audit %.2f s, '
              '%d rules, %d opened, %d still open, %d resolved, %d errors; '
              '%.0f findings/s written; ratio %.2f x; load %.2f'
              % (i + 1, base_s, rows, took, summary.rules, summary.opened,
                 summary.still_open, summary.resolved, summary.errors,
                 written / took, took / base_s, os.getloadavg()[0]))
        for r in summary.per_rule:
            if summary.errors and r['errors']:
                print('  errors in %s' % r['rule'])


if __name__ == '__main__':
    main()
