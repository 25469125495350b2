"""Alert reactions on SQLite, PostgreSQL and MariaDB (real servers)."""

from tests import base
from tests.unit.api import concurrency
from tests.unit.api import reaction_scenarios


class _Case(reaction_scenarios.ReactionScenarios,
            concurrency.ConcurrencyScenarios):
    # Only the reaction scenarios, not the sync ones.
    pass


for _name in [n for n in dir(concurrency.ConcurrencyScenarios)
              if n.startswith('test_')]:
    setattr(_Case, _name, None)


class TestReactionsSQLite(_Case, base.FleetTestCase):
    backend = 'sqlite'


class TestReactionsPostgreSQL(_Case, base.FleetTestCase):
    backend = 'postgresql'


class TestReactionsMariaDB(_Case, base.FleetTestCase):
    backend = 'mysql'
