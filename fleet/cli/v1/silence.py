"""``fleet silence ...``: Alertmanager-style silences.

A silence has matchers (``name=value``, ``name!=value``, ``name=~regex``,
``name!~regex``; the alert name is the ``alertname`` label) and an expiry.
Alerts it matches are still stored, marked suppressed and not actionable.
"""

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


class ListSilence(common.Lister):
    """List silences, newest first (unexpired ones unless --expired)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--expired', action='store_true',
                            help='Also list expired silences.')
        common.add_columns(parser, RESOURCE, 'Also show when and by whom.')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        columns = common.list_columns(RESOURCE, a)
        rows = common.get_fleet(self.app).silences.list(self.ctx(a),
                                                        expired=a.expired)
        return common.list_output([_row(r) for r in rows], columns)


class DeleteSilence(common.Command):
    """Delete silences; the alerts they suppressed are no longer."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('silences', metavar='<id>', nargs='+',
                            help='Silence ids (see: fleet silence list).')
        common.add_reason(parser, 'the deletion')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        silences = common.get_fleet(self.app).silences
        common.delete_each(self, 'silence', a.silences,
                           lambda sid: silences.delete(self.ctx(a), sid,
                                                       reason=a.reason))
