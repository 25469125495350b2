"""``fleet rack ...``: optional racks inside a region (and cell)."""

from fleet.cli import common
from fleet.cli import level

FIELDS = ('id', 'name', 'region', 'cell', 'description', 'created_at',
          'updated_at')
LIST_FIELDS = (('name', 'Name'), ('region', 'Region'), ('cell', 'Cell'),
               ('description', 'Description'))


class _Rack(level.LevelCommand):
    kind = 'rack'
    collection = 'racks'
    place_options = ('region', 'cloud')
    fields = FIELDS


class CreateRack(_Rack, level.CreateLevel):
    """Create a rack in a region, optionally inside a cell."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--cell', metavar='<cell>',
                            help='Cell of the region the rack belongs to.')
        return parser

    def create_args(self, parsed_args):
        return dict(super().create_args(parsed_args), cell=parsed_args.cell)


class ListRack(common.Lister):
    """List racks."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--region', metavar='<region>',
                            help='Only racks of this region.')
        parser.add_argument('--cell', metavar='<cell>',
                            help='Only racks of this cell.')
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='Only racks of this cloud\'s region.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        return common.list_output(common.get_fleet(self.app).racks.list(
            ctx, region=parsed_args.region, cell=parsed_args.cell,
            cloud=parsed_args.cloud), LIST_FIELDS)


class ShowRack(_Rack, level.ShowLevel):
    """Show one rack."""


class SetRack(_Rack, level.SetLevel):
    """Change a rack's attributes."""


class DeleteRack(_Rack, level.DeleteLevel):
    """Delete racks (they must have no devices left)."""
