"""``fleet var ...``: typed variables at every level and their resolution.

How ``KEY=VALUE`` is typed is told in ``fleet var set --help`` (the rule
itself is :func:`fleet.common.values.from_text`). Secret values are never
shown.
"""

from osc_lib import exceptions as osc_exc

from fleet.cli import common
from fleet.common import constants

SCOPES = tuple(reversed(constants.SCOPES))


def _add_scope(parser):
    parser.add_argument(
        '--scope', metavar='<scope>', choices=SCOPES, default='device',
        help='Level the variables belong to: %s (default: device). With '
             'defaults there is no <name>.' % ', '.join(SCOPES))
    parser.add_argument(
        '--region', metavar='<region>',
        help='Region of the cell or rack (needed when its name is not '
             'unique).')
    parser.add_argument(
        '--cloud', metavar='<cloud>',
        help='Cloud of the region (needed when the region name is not '
             'unique).')


def _split(parsed_args, first, rest, what):
    """(name, items): with --scope defaults the name is the first item."""
    if parsed_args.scope == 'defaults':
        items = ([first] if first is not None else []) + list(rest)
        name = None
    else:
        name, items = first, list(rest)
    if not items:
        raise osc_exc.CommandError('Nothing to do; give at least one %s.'
                                   % what)
    return name, items


class SetVar(common.Command):
    """Set variables on a device, a level of the hierarchy or the defaults.

    How VALUE is typed: a value starting with {, [ or " is JSON and must
    parse (an object, a list, a quoted string); true, false and null are
    JSON's; a number stays a number only when its text survives (8, -3,
    2.5); anything else is a string as typed: pool.ntp.org, 6.1.0, and also
    6.10, 007 and 1e3, which would lose their text as numbers. To store
    text starting with {, [ or " as a string, quote it as a JSON string:
    '"[x"'. A value is at most 32 KiB of JSON, nested at most 32 levels.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Device (name or UUID), rack, cell, region '
                                 'or cloud, as --scope says; with --scope '
                                 'defaults, the first <key=value>.')
        parser.add_argument('assignments', metavar='<key=value>', nargs='*',
                            help='Variable to set; how VALUE is typed is '
                                 'told above.')
        _add_scope(parser)
        common.intermixed(parser)
        parser.add_argument('--secret', action='store_true',
                            help='Store these values as secrets: never '
                                 'shown, masked in the change log.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        from fleet.api import variables

        name, items = _split(parsed_args, parsed_args.name,
                             parsed_args.assignments, 'key=value')
        values = {}
        for item in items:
            key, value = variables.parse_assignment(
                item, secret=parsed_args.secret)
            if key in values:
                raise osc_exc.CommandError(
                    'Variable %s given twice; give each key once.' % key)
            values[key] = value
        common.get_fleet(self.app).variables.set(
            ctx, parsed_args.scope, name, values, secret=parsed_args.secret,
            region=parsed_args.region, cloud=parsed_args.cloud)


class UnsetVar(common.Command):
    """Remove variables from a device, a level or the defaults."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Device (name or UUID), rack, cell, region '
                                 'or cloud, as --scope says; with --scope '
                                 'defaults, the first <key>.')
        parser.add_argument('keys', metavar='<key>', nargs='*',
                            help='Variable to remove.')
        _add_scope(parser)
        common.intermixed(parser)
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        name, keys = _split(parsed_args, parsed_args.name, parsed_args.keys,
                            'key')
        common.get_fleet(self.app).variables.unset(
            ctx, parsed_args.scope, name, keys, region=parsed_args.region,
            cloud=parsed_args.cloud)


class ShowVar(common.Lister):
    """Show the variables set on one object, or a device's resolved ones."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', nargs='?',
                            help='Device (name or UUID), rack, cell, region '
                                 'or cloud, as --scope says (none with '
                                 '--scope defaults).')
        _add_scope(parser)
        parser.add_argument('--resolved', action='store_true',
                            help='Devices only: the values the device ends '
                                 'up with (device, parents, rack, cell, '
                                 'region, cloud, defaults; first wins).')
        parser.add_argument('--blame', action='store_true',
                            help='Devices only: with --resolved (implied), '
                                 'the level each value comes from.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        a = parsed_args
        resolved = a.resolved or a.blame
        if resolved and a.scope != 'device':
            raise osc_exc.CommandError(
                '--resolved and --blame apply to devices only; drop them '
                'or use --scope device.')
        if a.scope == 'defaults' and a.name is not None:
            raise osc_exc.CommandError(
                '--scope defaults takes no <name>; got %r.' % a.name)
        if a.scope != 'defaults' and a.name is None:
            raise osc_exc.CommandError('Give the %s whose variables to show.'
                                       % a.scope)
        fleet = common.get_fleet(self.app)
        if resolved:
            rows = fleet.variables.resolved(ctx, a.name, blame=a.blame)
        else:
            rows = fleet.variables.show(ctx, a.scope, a.name, region=a.region,
                                        cloud=a.cloud)
        columns = ['Key', 'Value'] + (['Level'] if a.blame else []) + [
            'Secret', 'Observed']
        data = []
        for r in rows:
            row = [r['key'], common.ValueColumn(r['value'], r['secret'])]
            if a.blame:
                row.append(r['level'])
            row += [r['secret'], r['observed']]
            data.append(tuple(row))
        return tuple(columns), data
