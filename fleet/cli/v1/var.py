"""``fleet var ...``: typed variables at every level and their resolution.

How ``KEY=VALUE`` is typed is told in ``fleet var set --help`` (the rule
itself is :func:`fleet.common.values.from_text`). Secret values are never
shown. Secret values are best given with ``--secret-file``,
``--secret-stdin`` or ``--secret-env``: a value on the command line is seen
in the process list, the shell history and OpenStackClient's ``--debug``
output.
"""

import getpass
import os

from osc_lib import exceptions as osc_exc

from fleet.cli import common
from fleet.common import constants

SCOPES = tuple(reversed(constants.SCOPES))


def _add_target(parser, with_defaults, **kwargs):
    """``<name>``: what holds the variables, as ``--scope`` says."""
    parser.add_argument('name', metavar='<name>',
                        help='Device (name or UUID), rack, cell, region or '
                             'cloud, as --scope says%s.' % with_defaults,
                        **kwargs)


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


def _pair(option, text, what):
    """``KEY=THING`` of a secret option, or a one-line error."""
    key, sep, thing = text.partition('=')
    if not sep or not key or not thing:
        raise osc_exc.CommandError('%s: expected KEY=%s, got %r.'
                                   % (option, what, text))
    return key, thing


def _strip_newline(text):
    """A value read from a file or a pipe, without its final newline."""
    if text.endswith('\r\n'):
        return text[:-2]
    return text[:-1] if text.endswith('\n') else text


def _nonempty(option, key, value):
    if value == '':
        raise osc_exc.CommandError('%s: the value for %s is empty; give '
                                   'the secret.' % (option, key))
    return value


def read_secrets(parsed_args, stdin):
    """{key: string} from --secret-file, --secret-stdin and --secret-env.

    Values read this way are strings, taken as they are (one final
    newline dropped), never parsed as JSON; none of them is in argv.
    """
    found = {}

    def add(option, key, value):
        if key in found:
            raise osc_exc.CommandError('%s: %s is given twice; give each '
                                       'secret once.' % (option, key))
        found[key] = _nonempty(option, key, value)
    for text in parsed_args.secret_file:
        key, path = _pair('--secret-file', text, 'PATH')
        try:
            with open(os.path.expanduser(path), encoding='utf-8') as f:
                value = _strip_newline(f.read())
        except (OSError, UnicodeDecodeError) as exc:
            raise osc_exc.CommandError('--secret-file: cannot read %s: %s.'
                                       % (path, getattr(exc, 'strerror',
                                                        None) or
                                          'not UTF-8 text'))
        add('--secret-file', key, value)
    for text in parsed_args.secret_env:
        key, var = _pair('--secret-env', text, 'ENVVAR')
        if var not in os.environ:
            raise osc_exc.CommandError('--secret-env: environment variable '
                                       '%s is not set.' % var)
        add('--secret-env', key, os.environ[var])
    key = parsed_args.secret_stdin
    if key:
        if stdin.isatty():
            value = getpass.getpass('Value of %s: ' % key)
        else:
            value = _strip_newline(stdin.read())
        add('--secret-stdin', key, value)
    return found


def _add_secret_source(parser, name, metavar, value, repeatable=True):
    """``--secret-<name>``: a secret's value from outside the command line."""
    more = {'action': 'append', 'default': []} if repeatable else {}
    parser.add_argument('--secret-' + name, metavar=metavar,
                        help='Set secret KEY to %s. Recommended.%s'
                        % (value, ' Repeatable.' if repeatable else ''),
                        **more)


class SetVar(common.Command):
    """Set variables on a device, a level of the hierarchy or the defaults.

    How VALUE is typed: a value starting with {, [ or " is JSON and must
    parse (an object, a list, a quoted string); true, false and null are
    JSON's; a number stays a number only when its text survives (8, -3,
    2.5); anything else is a string as typed: pool.ntp.org, 6.1.0, and also
    6.10, 007 and 1e3, which would lose their text as numbers. To store
    text starting with {, [ or " as a string, quote it as a JSON string:
    '"[x"'. A value is at most 32 KiB of JSON, nested at most 32 levels.

    Give secret values with --secret-file, --secret-stdin or --secret-env
    (recommended): a value on the command line is seen in the process
    list, the shell history and OpenStackClient's --debug output.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_target(parser, '; with --scope defaults, the first '
                            '<key=value>', nargs='?')
        parser.add_argument('assignments', metavar='<key=value>', nargs='*',
                            help='Variable to set; how VALUE is typed is '
                                 'told above.')
        _add_scope(parser)
        common.intermixed(parser)
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument('--secret', action='store_true',
                          help='Store the <key=value> values as secrets: '
                               'encrypted, never shown, masked in the '
                               'change log. A value on the command line is '
                               'seen in the process list, shell history '
                               'and --debug output: prefer --secret-file, '
                               '--secret-stdin or --secret-env.')
        kind.add_argument('--no-secret', action='store_true',
                          help='Store the values in clear even where the '
                               'key is a secret now (without it, setting a '
                               'secret key without --secret is refused).')
        _add_secret_source(parser, 'file', '<key=path>',
                           'the contents of the file PATH (a string; one '
                           'final newline dropped)')
        _add_secret_source(parser, 'stdin', '<key>',
                           'what standard input holds (a pipe), or to what '
                           'is typed at a prompt that does not echo (a '
                           'terminal)', repeatable=False)
        _add_secret_source(parser, 'env', '<key=envvar>',
                           'the value of the environment variable ENVVAR')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        from fleet.api import variables

        a = parsed_args
        hidden = read_secrets(a, self.app.stdin)
        if hidden and a.no_secret:
            raise osc_exc.CommandError(
                '--no-secret: values of --secret-file, --secret-stdin and '
                '--secret-env are always secret; drop one of them.')
        if hidden:
            name, items = _split_optional(a)
        else:
            name, items = _split(a, a.name, a.assignments, 'key=value')
        values = {}
        for item in items:
            key, value = variables.parse_assignment(item, secret=a.secret)
            if key in values:
                raise osc_exc.CommandError(
                    'Variable %s given twice; give each key once.' % key)
            values[key] = value
        secret = True if a.secret else (False if a.no_secret else None)
        common.get_fleet(self.app).variables.set(
            ctx, a.scope, name, values, secret=secret, region=a.region,
            cloud=a.cloud, secrets=hidden)


def _split_optional(parsed_args):
    """(name, items) when secrets come from options: items may be none."""
    a = parsed_args
    if a.scope == 'defaults':
        return None, ([a.name] if a.name is not None else []) + list(
            a.assignments)
    if a.name is None:
        raise osc_exc.CommandError('Give the %s whose variables to set.'
                                   % a.scope)
    return a.name, list(a.assignments)


class UnsetVar(common.Command):
    """Remove variables from a device, a level or the defaults."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_target(parser, '; with --scope defaults, the first <key>')
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
        _add_target(parser, ' (none with --scope defaults)', nargs='?')
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
