"""The ``enabled_<plugins>`` option every plugin kind has (stdlib + cfg).

:func:`plugin_list` makes it, so that each kind's option module says only
its group and what its plugins do.
"""

from oslo_config import cfg


def plugin_list(name, namespace, what, default=()):
    """A ListOpt of the plugins of ``namespace`` that may be used.

    :param what: what the plugins do, for the help text (``'may carry
        out remediations, e.g. mistral'``).
    """
    kind = namespace.split('.')[1].rstrip('s').replace('_', ' ')
    return cfg.ListOpt(
        name, default=list(default),
        help='%s plugins (%s entry points) that %s. Plugins not listed '
             'are never imported.' % (kind.capitalize(), namespace, what))
