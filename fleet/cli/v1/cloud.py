"""``fleet cloud ...``: the clouds at the top of the hierarchy."""

from fleet.cli import level
from fleet.cli.v1 import resource_fields


class _Cloud(level.LevelCommand):
    kind = 'cloud'
    collection = 'clouds'
    place_options = ()
    resource = resource_fields.CLOUD
    list_filters = ()


class CreateCloud(_Cloud, level.CreateLevel):
    """Create a cloud."""


class ListCloud(_Cloud, level.ListLevel):
    """List clouds."""


class ShowCloud(_Cloud, level.ShowLevel):
    """Show one cloud."""


class SetCloud(_Cloud, level.SetLevel):
    """Change a cloud's attributes."""


class DeleteCloud(_Cloud, level.DeleteLevel):
    """Delete clouds (they must have no regions left)."""
