"""``fleet rack ...``: optional racks inside a region (and cell)."""

from fleet.cli import level
from fleet.cli.v1 import resource_fields


class _Rack(level.LevelCommand):
    kind = 'rack'
    collection = 'racks'
    place_options = ('region', 'cloud')
    resource = resource_fields.RACK
    list_filters = ('region', 'cell', 'cloud')


class CreateRack(_Rack, level.CreateLevel):
    """Create a rack in a region, optionally inside a cell."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--cell', metavar='<cell>',
                            help='Cell of the region the rack belongs to.')
        return parser

    def create_args(self, parsed_args):
        return dict(super().create_args(parsed_args), cell=parsed_args.cell)


class ListRack(_Rack, level.ListLevel):
    """List racks."""


class ShowRack(_Rack, level.ShowLevel):
    """Show one rack."""


class SetRack(_Rack, level.SetLevel):
    """Change a rack's attributes."""


class DeleteRack(_Rack, level.DeleteLevel):
    """Delete racks (they must have no devices left)."""
