"""The column registry and the format columns of fleet's commands."""

from cliff import columns as cliff_columns
import testtools

from fleet.cli import common
from fleet.cli.v1 import resource_fields


class TestRegistry(testtools.TestCase):

    def resources(self):
        return {name: value for name, value in vars(resource_fields).items()
                if isinstance(value, resource_fields.Resource)}

    def test_every_field_has_a_heading(self):
        for name, resource in self.resources().items():
            for key in resource.fields:
                self.assertTrue(resource.heading(key), (name, key))

    def test_default_and_long_are_fields(self):
        for name, resource in self.resources().items():
            self.assertEqual([], resource.unknown(resource.default), name)
            self.assertEqual([], resource.unknown(resource.long), name)

    def test_a_default_outside_the_fields_is_refused(self):
        self.assertRaises(ValueError, resource_fields.Resource,
                          default=('nope',), fields=('name',))

    def test_change_time_heading(self):
        self.assertEqual('Time', resource_fields.CHANGE.heading('created_at'))
        self.assertEqual('Created At',
                         resource_fields.DEVICE.heading('created_at'))


class TestListColumn(testtools.TestCase):
    """fleet's ListColumn prints as osc-lib's.

    osc-lib's imports openstacksdk, too heavy for the standalone command.
    """

    def test_same_as_osc_lib(self):
        from osc_lib.cli import format_columns

        for value in (['ssd', 'gpu'], [], None, ('b', 'a')):
            ours = common.ListColumn(value)
            theirs = format_columns.ListColumn(value)
            self.assertIsInstance(ours, cliff_columns.FormattableColumn)
            self.assertEqual(theirs.human_readable(), ours.human_readable())
            self.assertEqual(theirs.machine_readable(),
                             ours.machine_readable())
