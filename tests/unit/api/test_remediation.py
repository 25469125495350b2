"""Remediation safety on SQLite, PostgreSQL and MariaDB (real servers)."""

from tests import base
from tests.unit.api import concurrency
from tests.unit.api import remediation_scenarios


class _Case(remediation_scenarios.RemediationScenarios,
            concurrency.ConcurrencyScenarios):
    # Only the remediation scenarios, not the sync ones.
    pass


for _name in [n for n in dir(concurrency.ConcurrencyScenarios)
              if n.startswith('test_')]:
    setattr(_Case, _name, None)


class TestRemediationSQLite(_Case, base.FleetTestCase):
    backend = 'sqlite'


class TestRemediationPostgreSQL(_Case, base.FleetTestCase):
    backend = 'postgresql'


class TestRemediationMariaDB(_Case, base.FleetTestCase):
    backend = 'mysql'
