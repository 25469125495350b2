"""``fleet cloud ...``: the clouds at the top of the hierarchy."""

from fleet.cli import common
from fleet.cli import level

FIELDS = ('id', 'name', 'description', 'created_at', 'updated_at')
LIST_FIELDS = (('name', 'Name'), ('description', 'Description'))


class CreateCloud(common.ShowOne):
    """Create a cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the new cloud.')
        parser.add_argument('--description', metavar='<text>',
                            help='Free text description.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        obj = common.get_fleet(self.app).clouds.create(
            parsed_args.name, description=parsed_args.description,
            reason=parsed_args.reason)
        return common.show_output(obj, FIELDS)


class ListCloud(common.Lister):
    """List clouds."""

    def take_action(self, parsed_args):
        return common.list_output(common.get_fleet(self.app).clouds.list(),
                                  LIST_FIELDS)


class _Cloud(level.LevelCommand):
    kind = 'cloud'
    collection = 'clouds'
    place_options = ()
    fields = FIELDS


class ShowCloud(_Cloud, level.ShowLevel):
    """Show one cloud."""


class SetCloud(_Cloud, level.SetLevel):
    """Change a cloud's attributes."""


class DeleteCloud(_Cloud, level.DeleteLevel):
    """Delete clouds (they must have no regions left)."""
