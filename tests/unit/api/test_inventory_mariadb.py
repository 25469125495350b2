"""Inventory behaviour on the machine's real MariaDB server."""

from tests import base
from tests.unit.api import scenarios


class TestInventoryMariaDB(scenarios.InventoryScenarios, base.FleetTestCase):
    backend = 'mysql'
