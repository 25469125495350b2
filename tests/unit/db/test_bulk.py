"""fleet.db.bulk: batched writes, one statement per batch, every backend."""

import threading

import sqlalchemy as sa
from sqlalchemy import event

from fleet.db import bulk
from fleet.db import models
from tests import base


class BulkScenarios:

    def setUp(self):
        super().setUp()
        self.api = self.fleet()
        self.api.clouds.create(self.ctx, 'prod')
        self.api.regions.create(self.ctx, 'r1', cloud='prod')
        for i in range(5):
            self.api.devices.create(self.ctx, 'n%d' % i, region='r1')
        with self.api.reading() as s:
            self.ids = sorted(s.scalars(sa.select(models.Device.id)))
        self.statements = []
        me = threading.get_ident()

        def before(conn, cursor, statement, params, context, many):
            if threading.get_ident() == me:
                self.statements.append(statement.split(None, 1)[0].upper())

        event.listen(self.api.engine, 'before_cursor_execute', before)
        self.addCleanup(event.remove, self.api.engine,
                        'before_cursor_execute', before)

    def writes(self):
        return [s for s in self.statements
                if s in ('INSERT', 'UPDATE', 'DELETE')]

    def labels(self):
        with self.api.reading() as s:
            return sorted(s.execute(sa.select(
                models.Label.device_id, models.Label.label)).all())

    def test_insert_and_delete_keys_in_batches(self):
        rows = [{'device_id': i, 'label': lab} for i in self.ids
                for lab in ('a', 'b')]
        with self.api.transaction(self.ctx) as txn:
            bulk.insert_many(txn.session, models.Label, rows, 4)
        self.assertEqual(['INSERT'] * 3, self.writes())
        self.assertEqual(10, len(self.labels()))
        del self.statements[:]
        gone = [(i, 'a') for i in self.ids]
        with self.api.transaction(self.ctx) as txn:
            bulk.delete_keys(txn.session, models.Label,
                             ('device_id', 'label'), gone, 2)
            bulk.delete_keys(txn.session, models.Label,
                             ('device_id', 'label'), [], 2)
        self.assertEqual(['DELETE'] * 3, self.writes())
        self.assertEqual([(i, 'b') for i in self.ids], self.labels())

    def test_update_many_groups_by_columns(self):
        rows = [{'_id': i, 'serial': 'S%d' % i} for i in self.ids[:3]]
        rows += [{'_id': i, 'role': 'compute', 'serial': 'T'}
                 for i in self.ids[3:]]
        with self.api.transaction(self.ctx) as txn:
            bulk.update_many(txn.session, models.Device, rows, 2)
        self.assertEqual(['UPDATE'] * 3, self.writes())
        got = {d['name']: (d['serial'], d['role'])
               for d in self.api.devices.list(self.ctx, )}
        self.assertEqual(('S%d' % self.ids[0], None), got['n0'])
        self.assertEqual(('T', 'compute'), got['n4'])

    def test_update_ids_sets_the_same_values(self):
        with self.api.transaction(self.ctx) as txn:
            bulk.update_ids(txn.session, models.Device, set(self.ids[1:]),
                            {'missing': True}, 3)
        self.assertEqual(['UPDATE'] * 2, self.writes())
        self.assertEqual(['n1', 'n2', 'n3', 'n4'], [
            d['name'] for d in self.api.devices.list(self.ctx, missing=True)])

    def test_insert_many_copy_keeps_every_value(self):
        # COPY on PostgreSQL (enough rows), INSERT elsewhere: the same rows
        # come back, NULLs, quotes, commas, newlines and booleans included.
        now = models.utcnow()
        odd = ['plain', '', 'a "quoted", value', 'two\nlines\r\n', '\\N',
               'NULL', 'caf\u00e9']
        rows = [{'request_id': 'r-1', 'created_at': now, 'actor': 'bench',
                 'action': 'update', 'object_type': 'finding',
                 'object_id': i, 'object_name': odd[i % len(odd)],
                 'field': None if i % 2 else 'status',
                 'old': odd[(i + 1) % len(odd)] if i % 3 else None,
                 'new': '"open"', 'secret': bool(i % 5 == 0),
                 'reason': None}
                for i in range(bulk.COPY_MIN + 7)]
        with self.api.transaction(self.ctx) as txn:
            bulk.insert_many(txn.session, models.Change, rows, 100,
                             copy=True)
        if self.backend == 'postgresql':
            self.assertEqual([], self.writes())  # one COPY, no INSERT
        c = models.Change
        with self.api.reading() as s:
            got = s.execute(sa.select(
                c.object_id, c.object_name, c.field, c.old, c.new,
                c.secret, c.request_id, c.created_at).where(
                c.actor == 'bench').order_by(c.object_id)).all()
        self.assertEqual(
            [(r['object_id'], r['object_name'], r['field'], r['old'],
              r['new'], r['secret'], 'r-1', now) for r in rows],
            [tuple(g) for g in got])


class TestBulkSQLite(BulkScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestBulkPostgreSQL(BulkScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestBulkMariaDB(BulkScenarios, base.FleetTestCase):
    backend = 'mysql'
