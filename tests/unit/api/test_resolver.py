"""The resolver on SQLite, PostgreSQL and MariaDB (real servers)."""

from tests import base
from tests.unit.api import concurrency
from tests.unit.api import resolver_scenarios


class _Case(resolver_scenarios.ResolverScenarios,
            concurrency.ConcurrencyScenarios):
    # Only the resolver scenarios, not the sync ones.
    pass


for _name in [n for n in dir(concurrency.ConcurrencyScenarios)
              if n.startswith('test_')]:
    setattr(_Case, _name, None)


class TestResolverSQLite(_Case, base.FleetTestCase):
    backend = 'sqlite'


class TestResolverPostgreSQL(_Case, base.FleetTestCase):
    backend = 'postgresql'


class TestResolverMariaDB(_Case, base.FleetTestCase):
    backend = 'mysql'
