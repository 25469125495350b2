"""Options for oslo-config-generator, including every source plugin's."""

from fleet.conf import database
from fleet.conf import default
from fleet.conf import inventory


def list_opts():
    """Return [(group, opts)] for the sample configuration file."""
    from fleet.plugins import loader

    result = [
        ('DEFAULT', default.list_opts()),
        ('database', database.list_opts()),
        ('inventory', inventory.list_opts()),
    ]
    result.extend(loader.all_plugin_opts())
    return result
