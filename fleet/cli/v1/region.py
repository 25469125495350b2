"""``fleet region ...``: regions of a cloud."""

from fleet.cli import level
from fleet.cli.v1 import resource_fields


class _Region(level.LevelCommand):
    kind = 'region'
    collection = 'regions'
    place_options = ('cloud',)
    resource = resource_fields.REGION
    list_filters = ('cloud',)


class CreateRegion(_Region, level.CreateLevel):
    """Create a region in a cloud."""


class ListRegion(_Region, level.ListLevel):
    """List regions."""


class ShowRegion(_Region, level.ShowLevel):
    """Show one region."""


class SetRegion(_Region, level.SetLevel):
    """Change a region's attributes."""


class DeleteRegion(_Region, level.DeleteLevel):
    """Delete regions (they must have no cells, racks or devices left)."""
