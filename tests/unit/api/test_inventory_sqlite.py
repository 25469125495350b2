"""Inventory behaviour on the embedded SQLite database."""

from tests import base
from tests.unit.api import scenarios


class TestInventorySQLite(scenarios.InventoryScenarios, base.FleetTestCase):
    backend = 'sqlite'
