"""fleet collect: a collector run's readings and alerts in one transaction.

On SQLite, PostgreSQL and MariaDB. The failure is the database's own: a
trigger that refuses new alerts (the alert intake fails at its INSERT) or
new history rows (the readings fail), whichever of the two the
transaction writes first.
"""

import threading
import time

import sqlalchemy as sa

from fleet.common import exception
from fleet.db import alert_models
from fleet.db import models
from tests import base
from tests.unit.plugins import test_loader

HOT = '''
from fleet.common.readings import Reading
from fleet.plugins.collectors import base


class Hot(base.Collector):
    """Every device is too hot: a reading and a ReadingThreshold alert."""

    def collect(self, devices):
        return [Reading(dev['id'], 'temperature.inlet', 91.0,
                        unit='celsius', status='critical',
                        threshold='upper_critical=85', source='hot')
                for dev in devices]


class Cool(base.Collector):
    """Every device is fine: a reading, no alert."""

    def collect(self, devices):
        return [Reading(dev['id'], 'fan.fan_1', 5000.0, unit='rpm',
                        source='cool') for dev in devices]
'''

#: A trigger refusing every new row of a table, per dialect: (create, drop).
REFUSE = {
    'sqlite': (["CREATE TRIGGER fleet_test_refuse BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"],
               ['DROP TRIGGER IF EXISTS fleet_test_refuse']),
    'postgresql': (
        ["CREATE OR REPLACE FUNCTION fleet_test_refuse() RETURNS trigger "
         "AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$ "
         "LANGUAGE plpgsql",
         "CREATE TRIGGER fleet_test_refuse BEFORE INSERT ON {table} "
         "FOR EACH ROW EXECUTE FUNCTION fleet_test_refuse()"],
        ['DROP TRIGGER IF EXISTS fleet_test_refuse ON {table}',
         'DROP FUNCTION IF EXISTS fleet_test_refuse()']),
    'mysql': (["CREATE TRIGGER fleet_test_refuse BEFORE INSERT ON {table} "
               "FOR EACH ROW SIGNAL SQLSTATE '45000' "
               "SET MESSAGE_TEXT = 'refused'"],
              ['DROP TRIGGER IF EXISTS fleet_test_refuse']),
}


class CollectTxnScenarios:

    def setUp(self):
        super().setUp()
        self.useFixture(test_loader.Distribution(
            'fleet-hot', {'fleet.collectors': [
                'hot = fleet_hot:Hot', 'cool = fleet_hot:Cool']},
            {'fleet_hot': HOT}))
        self.conf.set_override('enabled_collectors', ['cool', 'hot'],
                               group='collectors')
        self.api = self.fleet()
        self.api.clouds.create(self.ctx, 'prod')
        self.api.regions.create(self.ctx, 'r1', cloud='prod')
        for name in ('n1', 'n2'):
            self.api.devices.create(self.ctx, name)
        self.changes = self.count(models.Change)
        self.published = []
        publish = self.api._publish

        def spy(txn, rows):
            self.published.append([e[0] for e in txn.events])
            return publish(txn, rows)
        self.patch(self.api, '_publish', spy)

    def count(self, model):
        with self.api.reading() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(model))

    def readings(self):
        return (self.count(models.LatestReading),
                self.count(models.ReadingHistory))

    def refuse(self, table):
        """Make the database refuse new rows of ``table`` (a trigger)."""
        engine = self.api.engine
        create, drop = REFUSE[engine.dialect.name.replace('mariadb',
                                                          'mysql')]

        def run(statements):
            with engine.begin() as conn:
                for statement in statements:
                    conn.execute(sa.text(statement.format(table=table)))
        run(drop)
        run(create)
        self.addCleanup(run, drop)

    def failed_run(self, table):
        self.api.collect.run(self.ctx, collector='cool')
        self.assertEqual((2, 2), self.readings())
        del self.published[:]
        counts = dict(self.api.alerts.intake.counts)
        self.refuse(table)
        exc = self.assertRaises(exception.FleetError, self.api.collect.run,
                                self.ctx, collector='hot')
        self.assertIn('nothing was written', str(exc))
        # Nothing of the failed run: no readings, no alerts, no change
        # rows, no events; the earlier run's readings stay.
        self.assertEqual((2, 2), self.readings())
        self.assertEqual(0, self.count(alert_models.Alert))
        self.assertEqual(0, self.count(models.Change) - self.changes)
        self.assertEqual([], self.published)
        # What follows a commit did not happen either.
        self.assertEqual(counts, dict(self.api.alerts.intake.counts))
        with self.api.reading() as s:
            metrics = s.scalars(sa.select(
                models.LatestReading.metric)).all()
        self.assertEqual(['fan.fan_1'] * 2, metrics)

    def test_readings_and_alerts_commit_together(self):
        runs = self.api.collect.run(self.ctx)
        self.assertEqual([('cool', 2, None), ('hot', 2, None)],
                         [(r.collector, r.readings, r.error) for r in runs])
        self.assertEqual((4, 4), self.readings())
        self.assertEqual(2, self.count(alert_models.Alert))
        # One transaction per collector run; the alerts' events are
        # published once it committed.
        self.assertEqual([[], ['fleet.alert.create'] * 2], self.published)
        self.assertEqual(2, self.api.alerts.intake.counts['created'])

    def test_alert_failure_leaves_no_readings_of_the_run(self):
        self.failed_run('alerts')

    def test_readings_failure_leaves_no_alerts_of_the_run(self):
        self.failed_run('readings_history')

    def test_concurrent_post_waits_for_the_run(self):
        # An alert post while a run stores its readings waits for the
        # run's commit (the intake's writer lock is the run's), then counts
        # the run's alerts instead of inserting them again.
        from fleet.api.alerts import internal
        from fleet.api import telemetry

        other = self.fleet()     # another process's service layer
        names = {d['id']: d['name'] for d in self.api.devices.list(self.ctx)}
        threads, results = [], []

        def post(readings):
            results.append(other.alerts.intake.ingest(
                self.ctx, internal.from_readings(readings, names)))
        record = telemetry.Telemetry.record

        def record_meanwhile(tel, ctx, readings, **kw):
            thread = threading.Thread(target=post, args=(readings,))
            thread.start()
            threads.append(thread)
            time.sleep(0.5)   # the post is at the intake's lock by now
            self.assertEqual([], results)
            return record(tel, ctx, readings, **kw)
        self.patch(telemetry.Telemetry, 'record', record_meanwhile)
        self.api.collect.run(self.ctx, collector='hot')
        threads[0].join(30)
        self.assertEqual([(0, 2)], [(r.created, r.updated) for r in results])
        with self.api.reading() as s:
            received = s.scalars(sa.select(alert_models.Alert.received))
            self.assertEqual([2, 2], list(received))


class TestCollectTxnSQLite(CollectTxnScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestCollectTxnPostgreSQL(CollectTxnScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestCollectTxnMariaDB(CollectTxnScenarios, base.FleetTestCase):
    backend = 'mysql'
