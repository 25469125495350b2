"""Readings store and health, written once and run on every backend."""

import datetime

import sqlalchemy as sa

from fleet.common import exception
from fleet.common.readings import Reading
from fleet.db import models


def small_fleet(f, ctx):
    """Cloud prod, region r1, racks k1 (n1, n2: compute) and k2 (n3:
    storage); returns {name: device id}.
    """
    f.clouds.create(ctx, 'prod')
    f.regions.create(ctx, 'r1', cloud='prod')
    f.racks.create(ctx, 'k1', region='r1')
    f.racks.create(ctx, 'k2', region='r1')
    ids = {}
    for name, rack, role in (('n1', 'k1', 'compute'),
                             ('n2', 'k1', 'compute'),
                             ('n3', 'k2', 'storage')):
        ids[name] = f.devices.create(ctx, name, rack=rack, role=role)['id']
    return ids


class TelemetryScenarios:
    """Mixed into a FleetTestCase per backend."""

    def setUp(self):
        super().setUp()
        self.api = self.fleet()
        self.ids = small_fleet(self.api, self.ctx)

    def reading(self, device, metric, value, **kw):
        return Reading(self.ids[device], metric, value, source='test', **kw)

    def count(self, model):
        with self.api.reading() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(model))

    def test_latest_replaced_history_kept_not_change_logged(self):
        t = self.api.telemetry
        changes = len(self.api.changes.list(self.ctx, limit=None))
        t.record(self.ctx, [self.reading('n1', 'temperature.inlet', 30,
                                         unit='celsius'),
                            self.reading('n1', 'fan.fan_1', 5000,
                                         unit='rpm')])
        t.record(self.ctx, [self.reading(
            'n1', 'temperature.inlet', 91.5, unit='celsius',
            status='critical', threshold='upper_critical=85')])
        rows = {r['metric']: r for r in t.latest(self.ctx, device='n1')}
        self.assertEqual((91.5, 'celsius', 'critical', 'upper_critical=85'),
                         tuple(rows['temperature.inlet'][k] for k in (
                             'value', 'unit', 'status', 'threshold')))
        self.assertEqual(5000, rows['fan.fan_1']['value'])
        # Worst first.
        self.assertEqual('temperature.inlet',
                         t.latest(self.ctx, device='n1')[0]['metric'])
        hist = t.history(self.ctx, 'n1', metric='temperature')
        self.assertEqual([91.5, 30], [h['value'] for h in hist])
        self.assertEqual(changes,
                         len(self.api.changes.list(self.ctx, limit=None)))

    def test_nonsense_values_are_unknown_with_reason(self):
        t = self.api.telemetry
        summary = t.record(self.ctx, [
            self.reading('n1', 'fan.fan_1', float('nan')),
            self.reading('n1', 'fan.fan_2', 'lots'),
            self.reading('n1', 'power.draw', None)])
        self.assertEqual(3, summary.unknown)
        rows = {r['metric']: r for r in t.latest(self.ctx, device='n1')}
        self.assertEqual({'unknown'}, {r['status'] for r in rows.values()})
        self.assertIsNone(rows['fan.fan_1']['value'])
        self.assertIn('not a finite number', rows['fan.fan_1']['reason'])
        self.assertIn('not a number', rows['fan.fan_2']['reason'])
        self.assertEqual('no reading', rows['power.draw']['reason'])

    def test_bad_reading_writes_nothing(self):
        t = self.api.telemetry
        good = self.reading('n1', 'fan.fan_1', 1)
        err = self.assertRaises(exception.Invalid, t.record, self.ctx,
                                [good, self.reading('n2', 'Bad Name', 1)])
        self.assertEqual('metric', err.field)
        err = self.assertRaises(exception.Invalid, t.record, self.ctx,
                                [good, Reading(999999, 'fan.fan_1', 1)])
        self.assertEqual('device_id', err.field)
        self.assertIn('999999', str(err))
        self.assertEqual(0, self.count(models.LatestReading))
        self.assertEqual(0, self.count(models.ReadingHistory))

    def test_history_pruned_by_count_and_age(self):
        t = self.api.telemetry
        self.conf.set_override('history_max_per_metric', 3,
                               group='telemetry')
        # One device id per statement: the checks and the pruning batch.
        self.api.batch_size = 1
        now = datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None)
        for i in range(5):
            t.record(self.ctx, [self.reading(
                'n1', 'fan.fan_1', i,
                read_at=now - datetime.timedelta(minutes=5 - i)),
                self.reading('n2', 'fan.fan_1', i)])
        self.assertEqual([4, 3, 2], [h['value'] for h in t.history(
            self.ctx, 'n1')])
        self.assertEqual(3, len(t.history(self.ctx, 'n2')))
        self.conf.set_override('history_max_age', 150, group='telemetry')
        t.prune(self.ctx)
        self.assertEqual([4, 3], [h['value'] for h in t.history(
            self.ctx, 'n1')])

    def test_filters_name_real_places(self):
        t = self.api.telemetry
        t.record(self.ctx, [self.reading('n1', 'fan.fan_1', 1),
                            self.reading('n3', 'fan.fan_1', 2)])
        self.assertEqual(['n3'], [r['name'] for r in t.latest(
            self.ctx, rack='k2')])
        self.assertEqual(['n1'], [r['name'] for r in t.latest(
            self.ctx, role='compute')])
        self.assertRaises(exception.NotFound, t.latest, self.ctx,
                          region='nope')
        self.assertRaises(exception.NotFound, t.latest, self.ctx,
                          rack='nope')

    def test_health_per_rack_names_the_critical_device(self):
        self.api.telemetry.record(self.ctx, [
            self.reading('n1', 'temperature.cpu', 95, status='critical'),
            self.reading('n1', 'fan.fan_1', 4000),
            self.reading('n2', 'fan.fan_1', 4000),
            self.reading('n3', 'fan.fan_1', 900, status='warning')])
        report = self.api.health.report(self.ctx, by='rack')
        self.assertEqual(['k1', 'k2'], [g['group'] for g in report])
        k1 = report[0]
        self.assertEqual((2, 1, 1, 0, 0, 'critical'), (
            k1['devices'], k1['ok'], k1['critical'], k1['warning'],
            k1['unknown'], k1['status']))
        self.assertEqual([{'device': 'n1', 'status': 'critical',
                           'readings': ['temperature.cpu']}], k1['worst'])
        by_role = {g['group']: g for g in self.api.health.report(
            self.ctx, by='role')}
        self.assertEqual('warning', by_role['storage']['status'])
        # A device with no readings is unknown.
        self.api.devices.create(self.ctx, 'n4', rack='k2')
        k2 = [g for g in self.api.health.report(self.ctx, by='rack')
              if g['group'] == 'k2'][0]
        self.assertEqual((1, 1), (k2['warning'], k2['unknown']))
        self.assertIn({'device': 'n4', 'status': 'unknown',
                       'readings': ['no readings']}, k2['worst'])
