"""Options for oslo-config-generator, including every plugin's."""

from fleet import conf


def list_opts():
    """Return [(group, opts)] for the sample configuration file.

    The groups of fleet itself (one module each in ``fleet/conf/``), then
    ``[<kind>.<name>]`` for every installed plugin of every kind
    (:func:`fleet.plugins.loader.all_plugin_opts`).
    """
    from fleet.plugins import loader

    result = [(module.group or 'DEFAULT', module.opts)
              for module in conf.MODULES]
    result.extend(loader.all_plugin_opts())
    return result
