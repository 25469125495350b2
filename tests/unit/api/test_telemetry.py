"""The readings store and health on SQLite, PostgreSQL and MariaDB."""

from tests import base
from tests.unit.api import telemetry_scenarios


class TestTelemetrySQLite(telemetry_scenarios.TelemetryScenarios,
                          base.FleetTestCase):
    backend = 'sqlite'


class TestTelemetryPostgreSQL(telemetry_scenarios.TelemetryScenarios,
                              base.FleetTestCase):
    backend = 'postgresql'


class TestTelemetryMariaDB(telemetry_scenarios.TelemetryScenarios,
                           base.FleetTestCase):
    backend = 'mysql'
