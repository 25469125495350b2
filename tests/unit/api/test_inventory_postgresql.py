"""Inventory behaviour on the machine's real PostgreSQL server."""

from tests import base
from tests.unit.api import scenarios


class TestInventoryPostgreSQL(scenarios.InventoryScenarios,
                              base.FleetTestCase):
    backend = 'postgresql'
