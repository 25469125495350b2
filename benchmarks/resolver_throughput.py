"""Resolver throughput: 10,000 open findings decided under a blast radius.

Builds ``--devices`` devices (10 cells, racks of 50) and one open finding
per device of one rule with a remediation (``fleet_host.power_cycle``),
then times ``fleet.resolver.resolve``:

* ``auto`` mode with ``[remediation] max_devices_out = --limit`` per rack
  (``blast_radius_scopes = rack``): 2 devices per rack start, the others
  are held back; a second resolve retries every held plan (none fits);
* ``approve`` mode: every finding becomes a plan ``pending-approval``.

The executor is a no-op stub (:class:`NoopExecutor`, this benchmark only:
it returns at once) so that the figures are the resolver's own, not
Mistral's; ``remediation_latency.py`` measures Mistral. After each run the
script asserts that no rack has more devices out than the limit and that
exactly ``racks x limit`` remediations started.

Baseline, in the same run and database: a bare DB-API ``SELECT`` of the
open findings with their devices plus an ``executemany`` ``INSERT`` of one
plan row per finding into ``remediations``, rolled back. Prints seconds,
decisions/s and the ratio to the baseline (goal: at least 1,000
decisions/s, and never a decision over the limit)::

    python benchmarks/resolver_throughput.py --devices 10000
    python benchmarks/resolver_throughput.py --modes auto \
        --db-url postgresql+psycopg2://...    # an empty database per mode
"""

import argparse
import datetime
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

POLICY = '''\
name: bench
rules:
  - name: nova-up
    selector: {role: compute}
    auditor: expected_state
    params: {checks: [{fact: nova.status, expect: enabled}]}
    remediation: {workflow: fleet_host.power_cycle, input: {checks: 3}}
    mode: %s
'''


class NoopExecutor:
    """A stand-in executor for this benchmark only: starts nothing."""

    def pre_condition(self, params):
        pass

    def execute(self, params):
        return {'execution_id': params['key']}


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--devices', type=int, default=10000)
    p.add_argument('--limit', type=int, default=2,
                   help='max_devices_out per rack (default 2)')
    p.add_argument('--modes', nargs='+', default=['auto', 'approve'],
                   choices=['auto', 'approve'])
    p.add_argument('--db-url', help='SQLAlchemy URL of an EMPTY database '
                                    '(default: a new SQLite file per mode)')
    return p.parse_args()


def _inventory(fleet, ctx, n):
    from fleet.plugins.sources import base
    cells = ['cell-%d' % i for i in range(10)]
    racks, devices = [], []
    for i in range(n):
        cell = cells[i * 10 // n]
        rack = 'rack-%04d' % (i // 50)
        if not racks or racks[-1]['name'] != rack:
            racks.append({'name': rack, 'region': 'r1', 'cell': cell,
                          'cloud': 'bench'})
        devices.append(base.DeviceRecord(
            name='node-%06d' % i, region='r1', cloud='bench', cell=cell,
            rack=rack, role='compute'))
    fleet.sync.apply(ctx, 'bench', base.Snapshot(
        clouds=[{'name': 'bench'}],
        regions=[{'name': 'r1', 'cloud': 'bench'}],
        cells=[{'name': c, 'region': 'r1', 'cloud': 'bench'} for c in cells],
        racks=racks, devices=devices))
    return len(racks)


def _findings(fleet):
    """One open finding of rule nova-up per device, inserted in bulk."""
    import sqlalchemy as sa

    from fleet.db import models
    now = models.utcnow()
    with fleet.transaction(fleet.context(actor='bench', reason='bench')) \
            as txn:
        rows = [{'fingerprint': hashlib.sha256(name.encode()).hexdigest(),
                 'rule': 'nova-up', 'policy': 'bench',
                 'auditor': 'expected_state', 'subject': name,
                 'device_id': dev_id, 'severity': 'warning',
                 'status': 'open', 'message': 'nova.status is disabled',
                 'count': 1, 'first_seen': now, 'last_seen': now,
                 'opened_at': now, 'updated_at': now}
                for dev_id, name in txn.session.execute(
                    sa.select(models.Device.id, models.Device.name))]
        txn.session.execute(sa.insert(models.Finding), rows)
    return len(rows)


def _baseline(fleet, mode):
    """Bare SELECT of the open findings + INSERT of a plan each.

    Rolled back: the resolver then runs on the same rows.
    """
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    raw = fleet.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(
            "SELECT f.id, f.rule, d.id, d.name, d.rack_id, d.cell_id, "
            "d.region_id, d.role FROM findings f JOIN devices d ON "
            "d.id = f.device_id WHERE f.status = 'open' AND "
            "f.rule = 'nova-up' ORDER BY f.id")
        found = cur.fetchall()
        param = '?' if fleet.engine.dialect.paramstyle == 'qmark' else '%s'
        sql = ('INSERT INTO remediations (uuid, idempotency_key, device_id, '
               'device_name, workflow, executor, input, state, holds_slot, '
               'actor, reason, finding_id, rule, policy, mode, created_at, '
               'updated_at) VALUES (%s)' % ', '.join([param] * 17))
        state = 'pending-approval' if mode == 'approve' else 'held'
        cur.executemany(sql, [
            (str(uuid.uuid4()), str(uuid.uuid4()), dev_id, name,
             'fleet_host.power_cycle', 'mistral',
             json.dumps({'host': name, 'checks': 3}), state, False, 'bench',
             'bench', fid, rule, 'bench', mode, now, now)
            for fid, rule, dev_id, name, *_ in found])
        raw.rollback()
    finally:
        raw.close()
    return len(found)


def _check(fleet, limit, racks):
    """No rack over the limit; exactly racks x limit started."""
    import sqlalchemy as sa

    from fleet.api import blast
    from fleet.db import models
    with fleet.reading() as s:
        budget = blast.Budget(s, fleet.conf.remediation)
        over = budget.over_limit()
        started = s.scalar(sa.select(sa.func.count()).where(
            models.Remediation.holds_slot.is_(True)))
    assert not over, 'over the blast radius: %s' % over
    assert started == racks * limit, (started, racks * limit)
    return started


def run(mode, args):
    from fleet import api
    from fleet.common import crypto
    from fleet import conf as fleet_conf

    workdir = tempfile.mkdtemp(prefix='fleet-bench-resolver-')
    url = args.db_url or 'sqlite:///%s/fleet.sqlite' % workdir
    conf = fleet_conf.CONF
    conf.reset()
    conf([], project='fleet', default_config_files=[])
    key = os.path.join(workdir, 'secret.key')
    crypto.create_key_file(key)
    conf.set_override('key_file', key, group='secrets')
    conf.set_override('max_devices_out', args.limit, group='remediation')
    conf.set_override('blast_radius_scopes', ['rack'], group='remediation')
    fleet = api.connect(url=url, conf=conf)
    stub = NoopExecutor()
    fleet.remediations.executor = lambda name=None: stub
    ctx = fleet.context(actor='bench')
    t0 = time.perf_counter()
    racks = _inventory(fleet, ctx, args.devices)
    n = _findings(fleet)
    fleet.policies.load(ctx, [('bench.yaml', POLICY % mode)])
    print('%s: %s, %d devices in %d racks, %d open findings (%.1f s)'
          % (mode, fleet.engine.dialect.name, args.devices, racks, n,
             time.perf_counter() - t0))
    t0 = time.perf_counter()
    base_rows = _baseline(fleet, mode)
    base_s = time.perf_counter() - t0
    passes = ['first'] + (['again'] if mode == 'auto' else [])
    for label in passes:
        t0 = time.perf_counter()
        got = fleet.resolver.resolve(ctx)
        took = time.perf_counter() - t0
        counts = {}
        for d in got:
            counts[d['decision']] = counts.get(d['decision'], 0) + 1
        print('  %s resolve: %d decisions in %.2f s = %.0f decisions/s (%s); '
              'baseline %.2f s (%d rows read + written); ratio %.2f x'
              % (label, len(got), took, len(got) / took,
                 ', '.join('%d %s' % (v, k)
                           for k, v in sorted(counts.items())),
                 base_s, base_rows, took / base_s))
        if mode == 'auto':
            started = _check(fleet, args.limit, racks)
            print('  out of production: %d (limit %d per rack x %d racks), '
                  'none over the limit' % (started, args.limit, racks))
    fleet.close()


def main():
    args = _parse()
    if args.db_url and len(args.modes) > 1:
        sys.exit('--db-url: one --modes value per (empty) database')
    print('load average: %s' % ' '.join(
        '%.2f' % x for x in os.getloadavg()))
    for mode in args.modes:
        run(mode, args)
    print('load average: %s' % ' '.join(
        '%.2f' % x for x in os.getloadavg()))


if __name__ == '__main__':
    main()
