"""Writing readings into the store, beside a raw executemany of the rows.

Builds an inventory of ``--devices`` devices, then writes ``--readings``
readings (``--readings / --devices`` metrics per device) through
``fleet.telemetry.record`` -- validation, nonsense-value checks, the latest
table upserted, the history appended and pruned, one transaction -- and, in
the same run, the baseline: the same rows inserted into the same two tables
with a bare DB-API ``executemany`` (no checks, no upsert, no pruning). The
two alternate ``--repeat`` times on emptied tables; the best of each is
kept. Prints readings per second and the ratio.

    python benchmarks/readings_store.py --readings 1000000
    python benchmarks/readings_store.py --db-url postgresql+psycopg2://...
"""

import argparse
import datetime
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))


def _parse():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--devices', type=int, default=10000)
    p.add_argument('--readings', type=int, default=1000000)
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--db-url', help='SQLAlchemy URL of an EMPTY database '
                                    '(default: a new SQLite file)')
    return p.parse_args()


def _inventory(fleet, ctx, devices):
    from fleet.plugins.sources import base
    snap = base.Snapshot(
        clouds=[{'name': 'bench'}],
        regions=[{'name': 'r1', 'cloud': 'bench'}],
        devices=[base.DeviceRecord(name='node-%06d' % i, region='r1')
                 for i in range(devices)])
    fleet.sync.apply(ctx, 'bench', snap)
    from fleet.db import models
    with fleet.reading() as s:
        return [i for (i,) in s.execute(
            models.Device.__table__.select().with_only_columns(
                models.Device.id).order_by(models.Device.id))]


def _readings(ids, total):
    from fleet.common.readings import Reading
    per = max(1, total // len(ids))
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    out = []
    for dev in ids:
        for m in range(per):
            out.append(Reading(dev, 'temperature.sensor_%03d' % m,
                               20.0 + m % 50, unit='celsius',
                               status='ok', source='bench', read_at=now))
            if len(out) == total:
                return out
    return out


def _empty(fleet):
    from fleet.db import models
    with fleet.engine.begin() as conn:
        conn.execute(models.ReadingHistory.__table__.delete())
        conn.execute(models.LatestReading.__table__.delete())


def _baseline(fleet, readings):
    """The same rows, bare executemany into both tables, one commit."""
    latest = [(r.device_id, r.metric, r.value, r.unit, r.status, None, None,
               r.source, r.read_at) for r in readings]
    history = [(r.device_id, r.metric, r.value, r.status, r.read_at)
               for r in readings]
    raw = fleet.engine.raw_connection()
    try:
        cur = raw.cursor()
        if fleet.engine.dialect.driver == 'psycopg2':
            # psycopg2's own executemany is a round trip per row; its bulk
            # idiom is execute_values.
            from psycopg2 import extras
            extras.execute_values(
                cur, 'INSERT INTO readings_latest (device_id, metric, value, '
                'unit, status, threshold, reason, source, read_at) VALUES %s',
                latest, page_size=2000)
            extras.execute_values(
                cur, 'INSERT INTO readings_history (device_id, metric, '
                'value, status, read_at) VALUES %s', history, page_size=2000)
            raw.commit()
            return
        param = '?' if fleet.engine.dialect.paramstyle == 'qmark' else '%s'
        cur.executemany(
            'INSERT INTO readings_latest (device_id, metric, value, unit, '
            'status, threshold, reason, source, read_at) VALUES (%s)'
            % ', '.join([param] * 9), latest)
        cur.executemany(
            'INSERT INTO readings_history (device_id, metric, value, status, '
            'read_at) VALUES (%s)' % ', '.join([param] * 5), history)
        raw.commit()
    finally:
        raw.close()


def main():
    args = _parse()
    from fleet import api
    from fleet import conf as fleet_conf

    workdir = tempfile.mkdtemp(prefix='fleet-bench-readings-')
    url = args.db_url or 'sqlite:///%s/fleet.sqlite' % workdir
    conf = fleet_conf.CONF
    conf([], project='fleet', default_config_files=[])
    fleet = api.connect(url=url, conf=conf)
    ctx = fleet.context(actor='bench')
    print('database: %s' % fleet.engine.dialect.name)
    t0 = time.perf_counter()
    ids = _inventory(fleet, ctx, args.devices)
    print('inventory of %d devices: %.1f s' % (len(ids),
                                                time.perf_counter() - t0))
    readings = _readings(ids, args.readings)
    print('%d readings (%d metrics per device)' % (
        len(readings), len(readings) // len(ids)))
    best = {'baseline': None, 'fleet': None}
    for _ in range(args.repeat):
        for label, func in (
                ('baseline', lambda: _baseline(fleet, readings)),
                ('fleet', lambda: fleet.telemetry.record(ctx, readings))):
            _empty(fleet)
            t0 = time.perf_counter()
            func()
            took = time.perf_counter() - t0
            if best[label] is None or took < best[label]:
                best[label] = took
    n = len(readings)
    print('%-44s %8.2f s  %10.0f readings/s' % (
        'baseline: raw executemany, both tables', best['baseline'],
        n / best['baseline']))
    print('%-44s %8.2f s  %10.0f readings/s' % (
        'fleet.telemetry.record (checks, upsert)', best['fleet'],
        n / best['fleet']))
    print('ratio fleet / baseline %26.2f x' % (best['fleet'] /
                                              best['baseline']))


if __name__ == '__main__':
    main()
