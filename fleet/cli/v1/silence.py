"""``fleet silence ...``: Alertmanager-style silences.

A silence has matchers (``name=value``, ``name!=value``, ``name=~regex``,
``name!~regex``; the alert name is the ``alertname`` label) and an expiry.
Alerts it matches are still stored, marked suppressed and not actionable.
"""

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import resource_fields

RESOURCE = resource_fields.SILENCE


def _row(silence):
    return dict(silence, matchers=common.ListColumn(silence['matchers']))


class CreateSilence(common.ShowOne):
    """Silence the alerts that match every matcher until an expiry."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--matcher', metavar='<matcher>',
                            action='append', required=True, default=[],
                            help='name=value, name!=value, name=~regex or '
                                 'name!~regex (repeatable: all must '
                                 'match), e.g. alertname=NodeDown.')
        parser.add_argument('--expires', metavar='<when>', required=True,
                            help='A duration (90m, 2h, 1d) or an ISO 8601 '
                                 'time in the future.')
        parser.add_argument('--comment', metavar='<text>', required=True,
                            help='Why the alerts are silenced.')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        silence = common.get_fleet(self.app).silences.create(
            self.ctx(a), a.matcher, a.expires, a.comment)
        fields = RESOURCE.fields + ('alerts',)
        return common.show_output(_row(silence), fields)


class ListSilence(bases.ColumnsLister):
    """List silences, newest first (unexpired ones unless --expired)."""

    resource = RESOURCE
    long_help = 'Also show when and by whom.'

    def add_filters(self, parser):
        parser.add_argument('--expired', action='store_true',
                            help='Also list expired silences.')

    def rows(self, parsed_args):
        return [_row(r) for r in common.get_fleet(self.app).silences.list(
            self.ctx(parsed_args), expired=parsed_args.expired)]


class DeleteSilence(bases.DeleteCommand):
    """Delete silences; the alerts they suppressed are no longer."""

    kind = 'silence'
    names = ('silences', '<id>', 'Silence ids (see: fleet silence list).')
    reason_for = 'the deletion'

    def delete(self, fleet, ctx, name, parsed_args):
        fleet.silences.delete(ctx, name, reason=parsed_args.reason)
