"""``fleet region ...``: regions of a cloud."""

from fleet.cli import common
from fleet.cli import level

FIELDS = ('id', 'name', 'cloud', 'description', 'created_at', 'updated_at')
LIST_FIELDS = (('name', 'Name'), ('cloud', 'Cloud'),
               ('description', 'Description'))


class _Region(level.LevelCommand):
    kind = 'region'
    collection = 'regions'
    place_options = ('cloud',)
    fields = FIELDS


class CreateRegion(_Region, level.CreateLevel):
    """Create a region in a cloud."""


class ListRegion(common.Lister):
    """List regions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='Only regions of this cloud.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        return common.list_output(common.get_fleet(self.app).regions.list(
            ctx, cloud=parsed_args.cloud), LIST_FIELDS)


class ShowRegion(_Region, level.ShowLevel):
    """Show one region."""


class SetRegion(_Region, level.SetLevel):
    """Change a region's attributes."""


class DeleteRegion(_Region, level.DeleteLevel):
    """Delete regions (they must have no cells, racks or devices left)."""
