"""Checks of option values that several commands share.

Light: osc-lib's exceptions only (every command module imports this).
"""

from osc_lib import exceptions as osc_exc


def at_least(option, value, least):
    """``value`` given to ``option``, which must be ``least`` or more.

    None (the option not given) is returned as it is.

    :raises osc_lib.exceptions.CommandError: ``--limit: must be 1 or
        more.``
    """
    if value is not None and value < least:
        raise osc_exc.CommandError('%s: must be %d or more.'
                                   % (option, least))
    return value
