"""``fleet cell ...``: optional cells inside a region."""

from fleet.cli import common
from fleet.cli import level

FIELDS = ('id', 'name', 'region', 'description', 'created_at', 'updated_at')
LIST_FIELDS = (('name', 'Name'), ('region', 'Region'),
               ('description', 'Description'))


class _Cell(level.LevelCommand):
    kind = 'cell'
    collection = 'cells'
    place_options = ('region', 'cloud')
    fields = FIELDS


class CreateCell(_Cell, level.CreateLevel):
    """Create a cell in a region."""


class ListCell(common.Lister):
    """List cells."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--region', metavar='<region>',
                            help='Only cells of this region.')
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='Only cells of this cloud\'s region.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        rows = common.get_fleet(self.app).cells.list(
            ctx, region=parsed_args.region, cloud=parsed_args.cloud)
        return common.list_output(rows, LIST_FIELDS)


class ShowCell(_Cell, level.ShowLevel):
    """Show one cell."""


class SetCell(_Cell, level.SetLevel):
    """Change a cell's attributes."""


class DeleteCell(_Cell, level.DeleteLevel):
    """Delete cells (they must have no racks or devices left)."""
