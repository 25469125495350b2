"""Concurrent writers keep the change log a true history, on every backend.

Each test runs real writers at the same time in threads (each with its own
``Fleet`` and database session). A short pause before each writer's first
write statement makes sure that, without serialisation, every writer has
read what it compares before any other one commits: the race these tests
look for is then certain, not a matter of luck.
"""

import os
import threading
import time

import sqlalchemy as sa
from sqlalchemy import event

from fleet.common import exception
from fleet.db import models

N = 60
PAUSE = 0.3


def assets(n, kernel):
    lines = ['clouds: [{name: prod}]',
             'regions: [{name: r1, cloud: prod}]',
             'racks: [{name: k1, region: r1}]',
             'devices:']
    for i in range(n):
        lines.append('  - {name: n-%03d, rack: k1, labels: [a], '
                     'vars: {kernel: "%s"}}' % (i, kernel))
    return '\n'.join(lines) + '\n'


def node_with_k(test):
    """A fleet with device node-1 whose variable k is "v0"."""
    fleet = test.fleet()
    fleet.clouds.create(test.ctx, 'prod')
    fleet.regions.create(test.ctx, 'r1', cloud='prod')
    fleet.devices.create(test.ctx, 'node-1', region='r1')
    fleet.variables.set(test.ctx, 'device', 'node-1', {'k': 'v0'})
    return fleet


class ConcurrencyScenarios:
    """Mixed into a FleetTestCase per backend."""

    def pause_first_write(self):
        """Make each thread sleep before its first INSERT/UPDATE/DELETE."""
        engine = self.fleet().engine
        paused = set()

        def before(conn, cursor, statement, params, context, many):
            verb = statement.lstrip().split(None, 1)[0].upper()
            if verb not in ('INSERT', 'UPDATE', 'DELETE'):
                return
            me = threading.get_ident()
            if me not in paused:
                paused.add(me)
                time.sleep(PAUSE)

        event.listen(engine, 'before_cursor_execute', before)
        self.addCleanup(event.remove, engine, 'before_cursor_execute',
                        before)

    def run_threads(self, funcs):
        """Start ``funcs`` together; [(result, error)] in order."""
        results = [None] * len(funcs)
        barrier = threading.Barrier(len(funcs))

        def target(i, func):
            barrier.wait()
            try:
                results[i] = (func(), None)
            except Exception as exc:  # noqa: BLE001 - reported below
                results[i] = (None, exc)

        threads = [threading.Thread(target=target, args=(i, f))
                   for i, f in enumerate(funcs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads))
        return results

    def write(self, text):
        path = os.path.join(self.state_dir, 'assets.yaml')
        with open(path, 'w') as f:
            f.write(text)
        return path

    def sync_func(self, path):
        def func():
            return self.fleet().sync.run(self.ctx, 'static',
                                         params={'path': path},
                                         conf=self.conf)
        return func

    def kernel_changes(self, fleet):
        c = models.Change
        with fleet.reading() as s:
            return s.execute(sa.select(c.object_name, c.old, c.new).where(
                c.field == 'vars.kernel').order_by(c.id)).all()

    def test_two_syncs_of_the_same_file_record_each_change_once(self):
        path = self.write(assets(N, '6.1'))
        self.sync_func(path)()
        self.write(assets(N, '6.6'))
        self.pause_first_write()
        results = self.run_threads([self.sync_func(path)] * 2)
        for _rep, err in results:
            self.assertIsNone(err)
        changed = sorted(rep.counts.get('changed', 0) for rep, _e in results)
        self.assertEqual([0, N], changed)
        updates = [r for r in self.kernel_changes(self.fleet())
                   if r.new == '"6.6"']
        self.assertEqual(N, len(updates))
        self.assertEqual(N, len({r.object_name for r in updates}))

    def test_concurrent_first_load_never_dumps_sql(self):
        path = self.write(assets(N, '6.1'))
        self.pause_first_write()
        results = self.run_threads([self.sync_func(path)] * 2)
        errors = [err for _rep, err in results if err is not None]
        for err in errors:
            self.assertIsInstance(err, exception.FleetError)
            self.assertEqual(1, len(str(err).splitlines()), str(err))
            self.assertNotIn('INSERT', str(err))
        self.assertLessEqual(len(errors), 1)
        fleet = self.fleet()
        self.assertEqual(N, len(fleet.devices.list(self.ctx, )))
        self.assertEqual(N, len([r for r in self.kernel_changes(fleet)
                                 if r.old is None]))
        adds = [r for r in fleet.changes.list(self.ctx, limit=None)
                if r['action'] == 'create' and r['object_type'] == 'device'
                and r['field'] is None]
        self.assertEqual(N, len(adds))

    def test_sync_and_var_set_of_one_key_record_a_chain(self):
        path = self.write(assets(N, '6.1'))
        self.sync_func(path)()
        self.write(assets(N, '6.6'))
        self.pause_first_write()
        results = self.run_threads([
            self.sync_func(path),
            lambda: self.fleet().variables.set(self.ctx, 'device', 'n-000',
                                               {'kernel': 'operator'})])
        for _res, err in results:
            self.assertIsNone(err)
        rows = [r for r in self.kernel_changes(self.fleet())
                if r.object_name == 'n-000']
        self.assertEqual(3, len(rows), rows)
        for before, after in zip(rows, rows[1:]):
            self.assertEqual(before.new, after.old, rows)

    def test_first_loads_of_two_files_share_the_hierarchy(self):
        one = self.write(assets(N, '6.1'))
        two = os.path.join(self.state_dir, 'other.yaml')
        with open(two, 'w') as f:
            f.write(assets(N, '6.1').replace('n-', 'm-'))
        self.pause_first_write()
        results = self.run_threads([self.sync_func(one),
                                    self.sync_func(two)])
        for _res, err in results:
            self.assertIsNone(err)
        fleet = self.fleet()
        self.assertEqual(2 * N, len(fleet.devices.list(self.ctx, )))
        kinds = [r['object_type']
                 for r in fleet.changes.list(self.ctx, limit=None)
                 if r['action'] == 'create' and r['field'] is None]
        self.assertEqual((1, 1, 1), (kinds.count('cloud'),
                                     kinds.count('region'),
                                     kinds.count('rack')))

    def test_concurrent_var_set_records_a_chain_of_old_values(self):
        fleet = node_with_k(self)
        self.pause_first_write()
        values = ['v%d' % i for i in range(1, 5)]

        def setter(value):
            return lambda: self.fleet().variables.set(self.ctx, 'device',
                                                      'node-1',
                                                      {'k': value})

        results = self.run_threads([setter(v) for v in values])
        for _res, err in results:
            self.assertIsNone(err)
        c = models.Change
        with fleet.reading() as s:
            rows = s.execute(sa.select(c.old, c.new).where(
                c.field == 'vars.k').order_by(c.id)).all()
        self.assertEqual(1 + len(values), len(rows))
        for before, after in zip(rows, rows[1:]):
            self.assertEqual(before.new, after.old, rows)
        final = fleet.variables.show(self.ctx, 'device', 'node-1')[0]['value']
        self.assertEqual('"%s"' % final, rows[-1].new)

    def test_concurrent_first_set_of_a_secret(self):
        """Both set a key no one set yet: a create, then an update."""
        fleet = node_with_k(self)
        self.pause_first_write()
        results = self.run_threads([
            lambda: self.fleet().variables.set(
                self.ctx, 'device', 'node-1', {'pw': 'secret-one'},
                secret=True),
            lambda: self.fleet().variables.set(
                self.ctx, 'device', 'node-1', {'pw': 'secret-two'},
                secret=True)])
        self.assertEqual([None, None], [err for _r, err in results])
        c = models.Change
        with fleet.reading() as s:
            rows = s.execute(sa.select(c.action, c.old, c.new).where(
                c.field == 'vars.pw').order_by(c.id)).all()
        self.assertEqual(['create', 'update'], [r.action for r in rows])
        self.assertNotIn('secret-', repr(rows))

    def test_concurrent_var_unset_and_set(self):
        fleet = node_with_k(self)
        self.pause_first_write()
        results = self.run_threads([
            lambda: self.fleet().variables.unset(self.ctx, 'device',
                                                 'node-1', ['k']),
            lambda: self.fleet().variables.set(self.ctx, 'device', 'node-1',
                                               {'k': 'v1'})])
        errors = [e for _r, e in results if e is not None]
        for err in errors:
            self.assertIsInstance(err, exception.FleetError)
        c = models.Change
        with fleet.reading() as s:
            rows = s.execute(sa.select(c.action, c.old, c.new).where(
                c.field == 'vars.k').order_by(c.id)).all()
        for before, after in zip(rows, rows[1:]):
            self.assertEqual(before.new, after.old, rows)


class LockTimeoutScenarios:
    """A writer that waits too long gets one clear line."""

    def test_lock_wait_times_out_in_one_line(self):
        from fleet.db import locks
        self.conf.set_override('lock_timeout', 0.5, group='database')
        holder = self.fleet()
        waiter = self.fleet()
        with holder.transaction(self.ctx) as txn:
            locks.acquire(txn.session, 'sync', 5)
            start = time.monotonic()
            err = self.assertRaises(
                exception.LockTimeout, waiter.sync.apply, self.ctx, 'api',
                _empty_snapshot(), cloud='c', region='r')
            waited = time.monotonic() - start
        self.assertLess(waited, 10)
        self.assertEqual(1, len(str(err).splitlines()))
        self.assertIn('lock_timeout', str(err))

    def test_row_lock_wait_times_out_in_one_line(self):
        """A var set waiting on rows another writer holds gives up too."""
        self.conf.set_override('lock_timeout', 0.5, group='database')
        fleet = node_with_k(self)
        v = models.Variable
        with fleet.transaction(self.ctx) as txn:
            txn.session.execute(sa.update(v).where(v.key == 'k').values(
                value='"held"'))
            start = time.monotonic()
            # Rows: fleet.db.errors' one line (a Conflict), bounded by the
            # same lock_timeout.
            err = self.assertRaises(exception.Conflict,
                                    self.fleet().variables.set, self.ctx,
                                    'device', 'node-1', {'k': 'v1'})
            self.assertLess(time.monotonic() - start, 10)
        self.assertEqual(1, len(str(err).splitlines()))
        self.assertNotIn('v1', str(err))
        self.assertEqual('held', fleet.variables.show(
            self.ctx, 'device', 'node-1')[0]['value'])


def _empty_snapshot():
    from fleet.plugins.sources import base
    return base.Snapshot(devices=[base.DeviceRecord(name='x')])
