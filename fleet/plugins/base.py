"""What every fleet plugin has, whatever its kind.

A plugin is a class found through a stevedore entry point. The loader
(:mod:`fleet.plugins.loader`) registers the options the class declares in
:meth:`Plugin.get_config_opts` under the group ``[<kind>.<name>]`` (for
example ``[collectors.ipmi]``) and hands the plugin that group: a plugin
never reads another group of the configuration by name.
"""

import abc

from oslo_config import cfg


def timeout_opt(help_text, default, minimum=0.1):
    """The ``timeout`` option (seconds) of a plugin that calls a peer."""
    return cfg.FloatOpt('timeout', default=default, min=minimum,
                        help=help_text)


class Plugin(abc.ABC):
    """Base class of every plugin kind.

    :param options: the plugin's own option group
        (``conf['<kind>.<name>']``), holding the options of
        :meth:`get_config_opts`; ``None`` when the plugin declares none.
    """

    #: Entry-point name (``ipmi``, ``ironic``...); set by the loader.
    name = None

    def __init__(self, options):
        self.options = options

    @classmethod
    def get_config_opts(cls):
        """The oslo.config options of this plugin.

        They are registered in the group ``[<kind>.<name>]`` and appear in
        the sample configuration and the configuration reference.

        :returns: a list of ``oslo_config.cfg.Opt`` (may be empty).
        """
        return []
