"""Policies, audits and findings on SQLite, PostgreSQL and MariaDB."""

from tests import base
from tests.unit.audit import scenarios


class TestAuditSQLite(scenarios.AuditScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestAuditPostgreSQL(scenarios.AuditScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestAuditMariaDB(scenarios.AuditScenarios, base.FleetTestCase):
    backend = 'mysql'
