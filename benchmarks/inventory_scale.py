"""Inventory at fleet scale: bulk load, filtered list, resolve + export.

Builds an asset file of N devices (default 100,000) across regions, cells and
racks with variables at every level (defaults, cloud, region, cell, rack,
parent device, device), loads it through the static source, lists with
filters, then resolves every device's variables and writes the Ansible
inventory. Beside the export it measures a baseline in the same run: a raw
SQL read (DB-API cursor, no ORM) of the same rows the export reads. Prints
each figure and the ratio.

    python benchmarks/inventory_scale.py [--devices 100000] [--db-url URL]
        [--repeat 5] [--pairs 5]

The export's target (within 2x of the baseline, under 3 s) must hold in
each of ``--repeat`` consecutive runs; each run keeps the best of
``--pairs`` alternating baseline/export pairs.
"""

import argparse
import json
import os
import sys
import tempfile
import time


def build_asset_file(path, devices, regions=4, cells=5, per_rack=100):
    """Write the YAML asset file; return the counts of what it holds."""
    racks_total = max(1, devices // per_rack)
    racks_per_cell = max(1, racks_total // (regions * cells))
    doc = {'clouds': [{'name': 'bench'}], 'regions': [], 'cells': [],
           'racks': [], 'vars': [], 'devices': [],
           'defaults': {'ntp_servers': ['10.0.0.1', '10.0.0.2'],
                        'dns': ['10.0.0.53'], 'kernel': '6.1',
                        'tuned_profile': 'throughput-performance',
                        'monitoring': {'enabled': True, 'interval': 60}}}
    doc['vars'].append({'scope': 'cloud', 'name': 'bench',
                        'vars': {'kernel': '6.6', 'syslog': 'log.bench',
                                 'domain': 'bench.example'}})
    n = 0
    for r in range(regions):
        region = 'region-%d' % r
        doc['regions'].append({'name': region, 'cloud': 'bench'})
        doc['vars'].append({'scope': 'region', 'name': region,
                            'vars': {'syslog': 'log.%s' % region,
                                     'region_index': r, 'az': 'az-%d' % r}})
        for c in range(cells):
            cell = 'cell-%d' % c
            doc['cells'].append({'name': cell, 'region': region})
            doc['vars'].append({'scope': 'cell', 'name': cell,
                                'region': region,
                                'vars': {'rabbit': 'rmq.%s.%s' % (cell,
                                                                  region),
                                         'cell_index': c, 'db': 'db-%d' % c}})
            for k in range(racks_per_cell):
                rack = 'r%d-c%d-k%03d' % (r, c, k)
                doc['racks'].append({'name': rack, 'region': region,
                                     'cell': cell})
                doc['vars'].append({'scope': 'rack', 'name': rack,
                                    'region': region,
                                    'vars': {'pdu': 'pdu-%s' % rack,
                                             'tor': 'tor-%s' % rack,
                                             'power_budget_w': 12000}})
                for i in range(per_rack):
                    if n >= devices:
                        break
                    n += 1
                    dev = {'name': '%s-d%03d' % (rack, i), 'rack': rack,
                           'region': region, 'serial': 'SN%08d' % n}
                    if i == 0:
                        dev.update(type='switch', role='network')
                    elif i <= 4:
                        dev.update(type='chassis')
                        dev['vars'] = {'chassis_slots': 10, 'kernel': '6.8'}
                    else:
                        dev.update(type='host',
                                   role='compute' if i % 10 else 'storage',
                                   mgmt_address='10.%d.%d.%d' % (
                                       r, k % 250, i))
                        dev['labels'] = ['gpu'] if i % 25 == 0 else []
                        dev['vars'] = {'ipmi_address': '10.99.%d.%d' % (
                            k % 250, i), 'hw_gen': i % 4}
                        if i < 45:
                            dev['parent'] = '%s-d%03d' % (rack, 1 + i % 4)
                    doc['devices'].append(dev)
    with open(path, 'w') as f:
        json.dump(doc, f)
    return {'devices': n, 'racks': len(doc['racks']),
            'level_var_sets': len(doc['vars'])}


def raw_sql_baseline(fleet):
    """Read the rows the export reads with a bare DB-API cursor.

    The same queries as the export (fleet/api/export_ansible.py, Rows).
    """
    dialect = fleet.engine.dialect.name
    false = 'false' if dialect == 'postgresql' else '0'
    key = '`key`' if dialect == 'mysql' else 'key'
    conn = fleet.engine.raw_connection()
    try:
        cur = conn.cursor()
        rows = 0
        for sql in ('SELECT id, name FROM clouds',
                    'SELECT id, name, cloud_id FROM regions',
                    'SELECT id, name, region_id FROM cells',
                    'SELECT id, name, region_id FROM racks',
                    'SELECT name, uuid, rack_id, cell_id, region_id, '
                    'parent_id, type, role, mgmt_address, id, missing '
                    'FROM devices ORDER BY name',
                    "SELECT scope, scope_id, %s, value FROM variables "
                    "WHERE secret = %s AND scope IN ('defaults', 'cloud', "
                    "'region', 'cell', 'rack')" % (key, false),
                    "SELECT scope_id, %s, value FROM variables "
                    "WHERE secret = %s AND scope = 'device'" % (key, false),
                    'SELECT devices.name, labels.label FROM devices '
                    'JOIN labels ON labels.device_id = devices.id'):
            cur.execute(sql)
            rows += len(cur.fetchall())
        return rows
    finally:
        conn.close()


def measure_export(fleet, ctx, pairs):
    """One run: ``pairs`` baseline/export pairs, alternating.

    :returns: (best baseline s, best export s, rows the baseline read,
        the export's text).
    """
    best_base = best_export = None
    for _ in range(pairs):
        t0 = time.perf_counter()
        base_rows = raw_sql_baseline(fleet)
        t1 = time.perf_counter()
        text = fleet.exporter.ansible(ctx)
        t2 = time.perf_counter()
        best_base = min(t1 - t0, best_base or t1 - t0)
        best_export = min(t2 - t1, best_export or t2 - t1)
    return best_base, best_export, base_rows, text


def timed(label, func, results, repeat=1):
    best = None
    value = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = func()
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    results[label] = best
    print('%-44s %8.3f s' % (label, best), flush=True)
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--devices', type=int, default=100000)
    parser.add_argument('--db-url', help='default: a fresh SQLite file')
    parser.add_argument('--pairs', type=int, default=5,
                        help='baseline/export pairs per run, and runs of '
                             'each list measurement (the best is kept)')
    parser.add_argument('--repeat', type=int, default=5,
                        help='consecutive runs of the export measurement; '
                             'each prints its ratio, and the target must '
                             'hold in every one')
    args = parser.parse_args()

    from fleet import api
    from fleet.conf import CONF
    CONF([], project='fleet', default_config_files=[])
    work = tempfile.mkdtemp(prefix='fleet-bench-')
    url = args.db_url or 'sqlite:///%s' % os.path.join(work, 'fleet.sqlite')
    asset = os.path.join(work, 'assets.json')
    results = {}
    print('openstack-fleet inventory benchmark: %d devices, %s' % (
        args.devices, url.split(':')[0]))
    counts = timed('generate asset file (not fleet)',
                   lambda: build_asset_file(asset, args.devices), results)
    print('  %s, %.1f MB' % (counts, os.path.getsize(asset) / 1e6))
    fleet = api.connect(url=url)
    ctx = fleet.context(actor='bench')

    from fleet.plugins import loader
    source = loader.load_source('static', CONF, {'path': asset})
    snap = timed('parse asset file (static source)', source.collect,
                 results)
    report = timed('bulk load: apply to empty inventory', lambda:
                   fleet.sync.apply(ctx, 'static', snap), results)
    print('  %d objects added, %d change-log rows' % (
        report.counts['added'], len(fleet.changes.list(ctx, limit=None))))
    again = timed('bulk load again (no changes)', lambda:
                  fleet.sync.apply(ctx, 'static', snap), results)
    assert not again.rows, again.rows[:3]

    rack = snap.racks[len(snap.racks) // 2]['name']
    some = timed('list: one rack, role=compute', lambda: fleet.devices.list(
        ctx, rack=rack, role='compute'), results, args.pairs)
    print('  %d devices' % len(some))
    some = timed('list: label=gpu (whole fleet)', lambda: fleet.devices.list(
        ctx, label='gpu'), results, args.pairs)
    print('  %d devices' % len(some))
    some = timed('list: region-1, type=host', lambda: fleet.devices.list(
        ctx, region='region-1', type='host'), results, args.pairs)
    print('  %d devices' % len(some))

    # Each run: baseline and export alternate, so that a change in the
    # machine's speed during the run weighs on both alike; the best of
    # each is kept. The target must hold in every run.
    base_label = 'baseline: raw SQL read of the same rows'
    export_label = 'resolve + Ansible export, all devices'
    ratios = []
    for run in range(1, args.repeat + 1):
        base, export, base_rows, text = measure_export(fleet, ctx,
                                                       args.pairs)
        ratios.append((base, export))
        print('run %d: baseline %.3f s, export %.3f s, ratio %.2f x'
              % (run, base, export, export / base), flush=True)
    base, export = min(ratios, key=lambda r: r[1] / r[0])
    results[base_label], results[export_label] = base, export
    print('  %d rows read by the baseline' % base_rows)
    inv = json.loads(text)
    assert len(inv['_meta']['hostvars']) == counts['devices']
    sample = inv['_meta']['hostvars'][snap.devices[7].name]
    print('  %.1f MB JSON, %d groups; a host has %d vars' % (
        len(text) / 1e6, len(inv) - 1, len(sample)))
    worst = max(e / b for b, e in ratios)
    within = sum(1 for b, e in ratios if e / b <= 2.0 and e < 3.0)
    print('%-44s %8.2f x' % ('ratio export / raw SQL baseline, worst',
                             worst))
    print('target (every run <= 2x baseline and < 3 s): %s (%d of %d runs)'
          % ('met' if within == len(ratios) else 'NOT met', within,
             len(ratios)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
