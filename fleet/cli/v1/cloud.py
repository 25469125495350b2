"""``fleet cloud ...``: the clouds at the top of the hierarchy."""

from fleet.cli import common
from fleet.cli import level

FIELDS = ('id', 'name', 'description', 'created_at', 'updated_at')
LIST_FIELDS = (('name', 'Name'), ('description', 'Description'))


class _Cloud(level.LevelCommand):
    kind = 'cloud'
    collection = 'clouds'
    place_options = ()
    fields = FIELDS


class CreateCloud(_Cloud, level.CreateLevel):
    """Create a cloud."""


class ListCloud(common.Lister):
    """List clouds."""

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        return common.list_output(common.get_fleet(self.app).clouds.list(ctx),
                                  LIST_FIELDS)


class ShowCloud(_Cloud, level.ShowLevel):
    """Show one cloud."""


class SetCloud(_Cloud, level.SetLevel):
    """Change a cloud's attributes."""


class DeleteCloud(_Cloud, level.DeleteLevel):
    """Delete clouds (they must have no regions left)."""
