"""``fleet alert ...``: alerts from Alertmanager, generic senders, IPMI SEL
entries and collector thresholds.

An alert's ``state`` is one of firing, held (under its repeat threshold),
acknowledged, flapping, suppressed (silenced) or resolved; only ``firing``
alerts are actionable. See ``doc/source/user/alerts.rst``.
"""

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import _args
from fleet.cli.v1 import resource_fields

RESOURCE = resource_fields.ALERT
HISTORY = resource_fields.ALERT_HISTORY
#: As fleet.api.alerts.STATUS_FILTERS (kept here: light imports).
STATUSES = ('firing', 'resolved', 'acknowledged', 'suppressed', 'flapping',
            'held', 'actionable')
_JSON = ('labels', 'annotations')


def _formatters(keys):
    return {k: common.JsonColumn for k in keys if k in _JSON}


def _add_alert(parser):
    parser.add_argument('alert', metavar='<id>',
                        help='Alert id or fingerprint (see: fleet alert '
                             'list).')


class ListAlert(bases.ColumnsLister):
    """List alerts, most recently seen first."""

    resource = RESOURCE
    long_help = ('Also show status, source, counts, acknowledgement, '
                 'silence and labels.')
    formatters = _formatters(RESOURCE.fields)

    def add_filters(self, parser):
        parser.add_argument(
            '--status', metavar='<status>', choices=STATUSES,
            help='Only alerts that are: firing or resolved (what the '
                 'sender says), acknowledged, suppressed, flapping, held '
                 '(under the repeat threshold) or actionable.')
        parser.add_argument('--device', metavar='<device>',
                            help='Only alerts about this device (name or '
                                 'UUID).')
        parser.add_argument('--severity', metavar='<severity>',
                            help='Only alerts of this severity.')
        parser.add_argument('--name', metavar='<name>',
                            help='Only alerts with this name.')
        _args.add_limit(parser, 100)

    def rows(self, parsed_args):
        a = parsed_args
        limit = _args.limit(a)
        return common.get_fleet(self.app).alerts.list(
            self.ctx(a), status=a.status, device=a.device,
            severity=a.severity, name=a.name, limit=limit)


class ShowAlert(common.ShowOne):
    """Show one alert."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_alert(parser)
        return parser

    def take_action(self, parsed_args):
        row = common.get_fleet(self.app).alerts.get(self.ctx(parsed_args),
                                                    parsed_args.alert)
        return common.show_output(row, RESOURCE.fields,
                                  _formatters(RESOURCE.fields))


class _Act(common.ShowOne):
    method = None
    what = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_alert(parser)
        common.add_reason(parser, self.what)
        return parser

    def take_action(self, parsed_args):
        alerts = common.get_fleet(self.app).alerts
        row = getattr(alerts, self.method)(self.ctx(parsed_args),
                                           parsed_args.alert,
                                           reason=parsed_args.reason)
        return common.show_output(row, RESOURCE.fields,
                                  _formatters(RESOURCE.fields))


class AckAlert(_Act):
    """Acknowledge an alert: a human has it (not actionable; clears
    flapping)."""

    method = 'acknowledge'
    what = 'the acknowledgement'


class UnackAlert(_Act):
    """Take an acknowledgement back."""

    method = 'unacknowledge'
    what = 'the change'


class ResolveAlert(_Act):
    """Resolve an alert by hand (its sender may fire it again)."""

    method = 'resolve'
    what = 'the resolution'


class HistoryAlert(bases.ColumnsLister):
    """Show an alert's state changes from the change log, oldest first."""

    resource = HISTORY
    long_help = 'Also show request ids.'

    def add_filters(self, parser):
        _add_alert(parser)

    def rows(self, parsed_args):
        return [dict(r, old=common.ValueColumn(r['old']),
                     new=common.ValueColumn(r['new']))
                for r in common.get_fleet(self.app).alerts.history(
                    self.ctx(parsed_args), parsed_args.alert)]
