"""fleet-api read endpoints on SQLite, PostgreSQL and MariaDB."""

from tests.unit.wsgi import base
from tests.unit.wsgi import resource_scenarios


class TestResourcesSQLite(resource_scenarios.ResourceScenarios,
                          base.APITestCase):
    backend = 'sqlite'


class TestResourcesPostgreSQL(resource_scenarios.ResourceScenarios,
                              base.APITestCase):
    backend = 'postgresql'


class TestResourcesMariaDB(resource_scenarios.ResourceScenarios,
                           base.APITestCase):
    backend = 'mysql'
