"""``fleet cell ...``: optional cells inside a region."""

from fleet.cli import level
from fleet.cli.v1 import resource_fields


class _Cell(level.LevelCommand):
    kind = 'cell'
    collection = 'cells'
    place_options = ('region', 'cloud')
    resource = resource_fields.CELL
    list_filters = ('region', 'cloud')


class CreateCell(_Cell, level.CreateLevel):
    """Create a cell in a region."""


class ListCell(_Cell, level.ListLevel):
    """List cells."""


class ShowCell(_Cell, level.ShowLevel):
    """Show one cell."""


class SetCell(_Cell, level.SetLevel):
    """Change a cell's attributes."""


class DeleteCell(_Cell, level.DeleteLevel):
    """Delete cells (they must have no racks or devices left)."""
