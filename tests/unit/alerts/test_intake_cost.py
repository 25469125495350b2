"""What one intake post costs the database, and the device-link cache,
on SQLite, PostgreSQL and MariaDB."""

import contextlib
import datetime
import re
import threading

from sqlalchemy import event

from fleet.db import alert_models
from fleet.db import models
from tests import base
from tests.unit.alerts import scenarios

_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\bNULL\b")


class _Statements:
    """The statements a block sends from this thread; an executemany
    counts once. SQLite's trace callback sees the statements sent straight
    to the driver too (one line per row of an executemany: consecutive
    lines of the same shape are one statement)."""

    def __init__(self, engine):
        self.engine = engine
        self.sqlite = engine.dialect.name == 'sqlite'
        self.lines = []
        self._thread = threading.get_ident()
        self._traced = []

    def _line(self, text):
        if threading.get_ident() == self._thread:
            self.lines.append(text)

    def _checkout(self, dbapi_conn, _record, _proxy):
        dbapi_conn.set_trace_callback(self._line)
        self._traced.append(dbapi_conn)

    def _before(self, conn, cursor, statement, params, context, many):
        self._line(statement)

    @contextlib.contextmanager
    def counting(self):
        if self.sqlite:
            # Connections already in the pool are traced on checkout.
            event.listen(self.engine, 'checkout', self._checkout)
        else:
            event.listen(self.engine, 'before_cursor_execute', self._before)
        try:
            yield self
        finally:
            if self.sqlite:
                event.remove(self.engine, 'checkout', self._checkout)
                for conn in self._traced:
                    conn.set_trace_callback(None)
            else:
                event.remove(self.engine, 'before_cursor_execute',
                             self._before)

    @property
    def count(self):
        if not self.sqlite:
            return len(self.lines)
        shapes = [_LITERAL.sub('?', line) for line in self.lines]
        return sum(1 for i, shape in enumerate(shapes)
                   if i == 0 or shape != shapes[i - 1])


class IntakeCostScenarios:

    def setUp(self):
        super().setUp()
        from fleet.plugins.sources import base as sources

        self.api = self.fleet()
        self.api.sync.apply(self.ctx, 'test', sources.Snapshot(
            clouds=[{'name': 'prod'}],
            regions=[{'name': 'r1', 'cloud': 'prod'}],
            devices=[sources.DeviceRecord(name='n%03d' % i, region='r1')
                     for i in range(100)]))

    def post(self, size, offset=0):
        # Every fifth alert names a host that is not in the inventory.
        return scenarios.am_post(*[scenarios.am_alert(
            'Cost%d' % (i % 7), instance='%s:9100' % (
                'ghost-%d' % i if i % 5 == 0 else 'n%03d' % (i % 100)),
            severity='warning', fingerprint='%016x' % (0xc0de000 + i))
            for i in range(offset, offset + size)])

    def statements(self, post):
        with _Statements(self.api.engine).counting() as counter:
            result = self.api.alerts.receive_alertmanager(self.ctx, post)
        self.assertEqual([], result.rejected)
        return counter.count

    def test_statements_per_post_do_not_grow_with_its_size(self):
        # Warm: the first post of the process reads the BMC addresses.
        self.statements(self.post(5, offset=5000))
        new = {n: self.statements(self.post(n, offset=1000 * n))
               for n in (10, 100)}
        # On PostgreSQL and MariaDB the change rows of the last post (new
        # alerts) make the next one look the devices up again; on SQLite
        # (one writer) the intake's own change rows do not.
        first = self.statements(self.post(10, offset=10000))
        again = {n: self.statements(self.post(n, offset=1000 * n))
                 for n in (10, 100)}
        if self.backend == 'sqlite':
            self.assertEqual(again[10], first)
        self.assertEqual(new[10], new[100], new)
        self.assertEqual(again[10], again[100], again)
        # A repeated post: no insert, no id read, no change rows.
        self.assertLess(again[100], new[100])
        stored = {a['fingerprint']: a for a in
                  self.api.alerts.list(self.ctx)}
        self.assertEqual(115, len(stored))
        linked = [a for a in stored.values() if a['device']]
        self.assertEqual(92, len(linked))
        self.assertTrue(all(a['device_unknown'] for a in stored.values()
                            if not a['device']))
        self.assertEqual({2}, {stored['%016x' % (0xc0de000 + i)]['received']
                               for i in range(100000, 100100)})
        self.assertEqual(3, stored['%016x' % (0xc0de000 + 10000)]['received'])

    def test_device_links_follow_the_inventory(self):
        alerts = self.api.alerts

        def receive(fingerprint, host):
            alerts.receive_alertmanager(self.ctx, scenarios.am_post(
                scenarios.am_alert('Link', instance=host + ':9100',
                                   fingerprint=fingerprint)))
            a = alerts.get(self.ctx, fingerprint)
            return a['device'], a['device_unknown']

        self.assertEqual(('n001', False), receive('00000000000000a1',
                                                  'n001'))
        # Renamed: the old name no longer links, the new one does.
        self.api.devices.update(self.ctx, 'n001', new_name='n001-new')
        self.assertEqual((None, True), receive('00000000000000a2', 'n001'))
        self.assertEqual(('n001-new', False),
                         receive('00000000000000a3', 'n001-new'))
        # A new device with the old name: the unknown alert links on its
        # next receipt.
        self.api.devices.create(self.ctx, 'n001', region='r1')
        self.assertEqual(('n001', False), receive('00000000000000a2',
                                                  'n001'))
        self.api.devices.delete(self.ctx, 'n001')
        self.assertEqual((None, True), receive('00000000000000a4', 'n001'))

    def test_receipts_of_one_alert_in_one_post_all_count(self):
        alerts = self.api.alerts
        fp = '00000000000000c1'
        base = scenarios.am_alert('Again', instance='n003:9100',
                                  severity='warning', fingerprint=fp)
        first = alerts.receive_alertmanager(self.ctx, scenarios.am_post(
            base))
        id_ = first.ids[0]
        # Plain repeats, then one that changes the severity and starts a
        # new episode, then plain repeats of that.
        later = dict(base, startsAt='2026-12-01T10:30:00Z',
                     labels=dict(base['labels'], severity='critical'))
        got = alerts.receive_alertmanager(self.ctx, scenarios.am_post(
            base, base, later, later))
        self.assertEqual((4, 0, 1, [id_] * 4),
                         (got.accepted, got.created, got.updated, got.ids))
        a = alerts.get(self.ctx, fp)
        self.assertEqual((5, 2, 'critical', datetime.datetime(
            2026, 12, 1, 10, 30)), (a['received'], a['occurrences'],
                                    a['severity'], a['starts_at']))
        # Only plain repeats: counted, nothing else.
        got = alerts.receive_alertmanager(self.ctx, scenarios.am_post(
            later, later))
        self.assertEqual((2, 0, 1, [id_] * 2),
                         (got.accepted, got.created, got.updated, got.ids))
        a = alerts.get(self.ctx, fp)
        self.assertEqual((7, 2), (a['received'], a['occurrences']))
        self.assertEqual(['create'], [c['action'] for c in
                                      alerts.history(self.ctx, fp)])

    def test_a_repeated_receipt_still_applies_what_changed(self):
        alerts = self.api.alerts
        fp = '00000000000000b1'
        base = scenarios.am_alert('Same', instance='n002:9100',
                                  severity='warning', fingerprint=fp)

        def receive(**changes):
            alert = dict(base, **changes)
            alerts.receive_alertmanager(self.ctx, scenarios.am_post(alert))
            return alerts.get(self.ctx, fp)

        self.assertEqual(1, receive()['received'])
        self.assertEqual(2, receive()['received'])
        got = receive(labels=dict(base['labels'], severity='critical'))
        self.assertEqual('critical', got['severity'])
        got = receive(annotations={'summary': 'now worse'})
        self.assertEqual({'summary': 'now worse'}, got['annotations'])
        got = receive(generatorURL='http://prometheus/graph?g0.expr=x')
        self.assertEqual('http://prometheus/graph?g0.expr=x',
                         got['generator_url'])
        self.assertEqual((5, 'n002', 'firing'),
                         (got['received'], got['device'], got['state']))
        # A silence written behind the intake's back, then a stricter
        # repeat threshold: the next plain repeat applies each.
        with self.api.transaction(self.ctx) as txn:
            now = models.utcnow()
            txn.session.add(alert_models.Silence(
                matchers='[{"name": "alertname", "op": "=", '
                         '"value": "Same"}]', comment='c', created_by='t',
                created_at=now,
                expires_at=now + datetime.timedelta(hours=1)))
        self.assertEqual('suppressed', receive()['state'])
        with self.api.transaction(self.ctx) as txn:
            txn.session.query(alert_models.Silence).delete()
        self.assertEqual('firing', receive()['state'])
        self.conf.set_override('repeat_threshold', 3, group='alerts')
        self.assertEqual('held', receive()['state'])
        self.assertEqual(8, alerts.get(self.ctx, fp)['received'])


class TestIntakeCostSQLite(IntakeCostScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestIntakeCostPostgreSQL(IntakeCostScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestIntakeCostMariaDB(IntakeCostScenarios, base.FleetTestCase):
    backend = 'mysql'
