"""fleet.db.errors on real database errors of each backend.

Whatever the driver says (it quotes the statement's values), what reaches
the caller is one line in our words, and the original exception is
scrubbed so a traceback printed later cannot show the values either.
"""

import traceback

import sqlalchemy as sa

from fleet.common import exception
from fleet.db import models
from tests import base

VALUE = 'V4lue-Th4t-Must-N0t-Show'


class ErrorScenarios:

    def setUp(self):
        super().setUp()
        self.api = self.fleet()
        self.api.clouds.create(self.ctx, 'c1')
        self.api.regions.create(self.ctx, 'r1', cloud='c1')
        self.api.devices.create(self.ctx, VALUE, region='r1')

    def raw_write(self, **values):
        row = {'uuid': VALUE[:36], 'name': 'n', 'type': 'host',
               'region_id': 1, 'missing': False,
               'created_at': models.utcnow(), 'updated_at': models.utcnow()}
        row.update(values)
        with self.api.transaction(self.ctx) as txn:
            txn.session.execute(sa.insert(models.Device), row)

    def assert_clean(self, err):
        text = ''.join(traceback.format_exception(err))
        for word in (VALUE, '[parameters:', '[SQL:', 'INSERT'):
            self.assertNotIn(word, text)

    def test_unique_clash_names_the_field(self):
        err = self.assertRaises(exception.Conflict, self.raw_write,
                                name=VALUE)
        self.assertEqual('name', err.field)
        self.assertIn('a device with that name', str(err))
        self.assert_clean(err)

    def test_missing_reference_is_a_conflict(self):
        err = self.assertRaises(exception.Conflict, self.raw_write,
                                name='x', region_id=999)
        self.assertIn('refers to something deleted', str(err))
        self.assert_clean(err)

    def test_raw_cursor_error_in_a_read(self):
        def read():
            with self.api.reading() as s:
                cur = s.connection().connection.cursor()
                cur.execute("SELECT * FROM no_such_table WHERE x = '%s'"
                            % VALUE)
        err = self.assertRaises(exception.FleetError, read)
        self.assertIn('Database error', str(err))
        self.assert_clean(err)


class TestErrorsSQLite(ErrorScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestErrorsPostgreSQL(ErrorScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestErrorsMariaDB(ErrorScenarios, base.FleetTestCase):
    backend = 'mysql'
