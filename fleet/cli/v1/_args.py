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


def add_limit(parser, default, what=''):
    """``--limit <n>``: at most ``default`` rows unless given, 0 for all
    (read with :func:`limit`).

    :param what: the rows, after "this many" in the help (`` changes``).
    """
    parser.add_argument('--limit', metavar='<n>', type=int, default=default,
                        help='Show at most this many%s (default %d; 0 for '
                             'all).' % (what, default))


def limit(parsed_args):
    """The ``--limit`` of :func:`add_limit` for the service layer (None:
    all).

    :raises osc_lib.exceptions.CommandError: a negative limit.
    """
    return at_least('--limit', parsed_args.limit, 0) or None
