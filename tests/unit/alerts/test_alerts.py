"""Alerts on SQLite, PostgreSQL and MariaDB."""

from tests import base
from tests.unit.alerts import scenarios


class TestAlertsSQLite(scenarios.AlertScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestAlertsPostgreSQL(scenarios.AlertScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestAlertsMariaDB(scenarios.AlertScenarios, base.FleetTestCase):
    backend = 'mysql'
