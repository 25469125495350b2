"""fleet.db.locks: named writer locks on every backend."""

import threading
import time

from fleet.common import exception
from fleet.db import locks
from tests import base


class LockScenarios:

    def test_held_until_the_transaction_ends(self):
        holder, other = self.fleet(), self.fleet()
        order = []
        started = threading.Event()

        def wait_then_take():
            started.set()
            with other.transaction(self.ctx) as txn:
                locks.acquire(txn.session, 'x', 10)
                order.append('other')

        with holder.transaction(self.ctx) as txn:
            locks.acquire(txn.session, 'x', 10)
            thread = threading.Thread(target=wait_then_take)
            thread.start()
            started.wait()
            time.sleep(0.3)
            order.append('holder')
        thread.join(20)
        self.assertEqual(['holder', 'other'], order)
        # Released after a rollback too: a third writer gets it at once.
        self.assertRaises(RuntimeError, self._take_and_fail, holder)
        start = time.monotonic()
        with other.transaction(self.ctx) as txn:
            locks.acquire(txn.session, 'x', 2)
        self.assertLess(time.monotonic() - start, 1.5)

    def _take_and_fail(self, fleet):
        with fleet.transaction(self.ctx) as txn:
            locks.acquire(txn.session, 'x', 2)
            raise RuntimeError('boom')

    def test_timeout_is_lock_timeout(self):
        holder, other = self.fleet(), self.fleet()
        with holder.transaction(self.ctx) as txn:
            locks.acquire(txn.session, locks.scope_lock('device', 1), 5)
            with other.transaction(self.ctx) as txn2:
                err = self.assertRaises(
                    exception.LockTimeout, locks.acquire, txn2.session,
                    locks.scope_lock('device', 1), 0.3)
        self.assertEqual('lock', err.field)
        self.assertIn('0.3 s', str(err))

    def test_long_names(self):
        fleet = self.fleet()
        with fleet.transaction(self.ctx) as txn:
            locks.acquire(txn.session, 'n' * 300, 1)


class ServerLockScenarios(LockScenarios):
    """Servers lock by name; SQLite has one writer lock for all names."""

    def test_other_names_do_not_wait(self):
        holder, other = self.fleet(), self.fleet()
        with holder.transaction(self.ctx) as txn:
            locks.acquire(txn.session, 'a', 5)
            with other.transaction(self.ctx) as txn2:
                locks.acquire(txn2.session, 'b', 0.3)


class TestLocksSQLite(LockScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestLocksPostgreSQL(ServerLockScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestLocksMariaDB(ServerLockScenarios, base.FleetTestCase):
    backend = 'mysql'
