"""Concurrent writers on SQLite, PostgreSQL and MariaDB (real servers)."""

from tests import base
from tests.unit.api import concurrency


class TestConcurrencySQLite(concurrency.ConcurrencyScenarios,
                            concurrency.LockTimeoutScenarios,
                            base.FleetTestCase):
    backend = 'sqlite'


class TestConcurrencyPostgreSQL(concurrency.ConcurrencyScenarios,
                                concurrency.LockTimeoutScenarios,
                                base.FleetTestCase):
    backend = 'postgresql'


class TestConcurrencyMariaDB(concurrency.ConcurrencyScenarios,
                             concurrency.LockTimeoutScenarios,
                             base.FleetTestCase):
    backend = 'mysql'
