"""``fleet change ...``: the append-only change log."""

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import _args
from fleet.cli.v1 import resource_fields
from fleet.common import constants

OBJECT_TYPES = constants.CHANGE_OBJECT_TYPES
RESOURCE = resource_fields.CHANGE


def _with_values(change):
    """Wrap old/new for output; secret values are already masked."""
    out = dict(change)
    for key in ('old', 'new'):
        out[key] = common.ValueColumn(change[key], change['secret'])
    return out


def _time(option, text):
    if text is None:
        return None
    return common.parse_revision(option, text)


class ListChange(bases.ColumnsLister):
    """List changes, newest first."""

    resource = RESOURCE
    long_help = 'Also show request ids and secret flags.'

    def add_filters(self, parser):
        parser.add_argument('--type', metavar='<type>', choices=OBJECT_TYPES,
                            help='Only changes to this kind of object: %s.'
                                 % ', '.join(OBJECT_TYPES))
        parser.add_argument('--name', metavar='<name>',
                            help='Only changes to objects with this name '
                                 '(with --type device: that device, also '
                                 'under its earlier names).')
        parser.add_argument('--actor', metavar='<actor>',
                            help='Only changes made by this actor.')
        parser.add_argument('--since', metavar='<time>',
                            help='Only changes at or after this ISO 8601 '
                                 'time (UTC when no zone is given).')
        parser.add_argument('--until', metavar='<time>',
                            help='Only changes at or before this ISO 8601 '
                                 'time.')
        parser.add_argument('--request-id', metavar='<id>',
                            help='Only changes made by this one request '
                                 '(command).')
        _args.add_limit(parser, 100, ' changes')

    def rows(self, parsed_args):
        a = parsed_args
        limit = _args.limit(a)
        rows = common.get_fleet(self.app).changes.list(
            self.ctx(a), object_type=a.type, name=a.name, actor=a.actor,
            since=_time('--since', a.since), until=_time('--until', a.until),
            request_id=a.request_id, limit=limit)
        return [_with_values(r) for r in rows]


class ShowChange(common.ShowOne):
    """Show one change."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('change', metavar='<id>', type=int,
                            help='Change id (see: fleet change list).')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        change = common.get_fleet(self.app).changes.show(
            ctx, parsed_args.change)
        return common.show_output(_with_values(change), RESOURCE.fields)
