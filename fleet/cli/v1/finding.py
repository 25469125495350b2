"""``fleet finding ...``: what audits found (list, show, ack, resolve)."""

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import _args
from fleet.cli.v1 import resource_fields

RESOURCE = resource_fields.FINDING
STATUSES = ('open', 'acknowledged', 'remediating', 'escalated', 'resolved',
            'all')
SEVERITIES = ('info', 'warning', 'critical', 'error')
HISTORY_FIELDS = (('created_at', 'Time'), ('actor', 'Actor'),
                  ('action', 'Action'), ('field', 'Field'), ('old', 'Old'),
                  ('new', 'New'), ('reason', 'Reason'))
JSON_FIELDS = {'observed': common.JsonColumn, 'expected': common.JsonColumn}


class ListFinding(bases.ColumnsLister):
    """List findings (default: the active ones), worst first."""

    resource = RESOURCE
    long_help = ('Also show policy, auditor, observed and expected values '
                 'and times.')
    formatters = JSON_FIELDS

    def add_filters(self, parser):
        parser.add_argument('--status', metavar='<status>', action='append',
                            choices=STATUSES, default=[],
                            help='Only findings with this status '
                                 '(repeatable): %s; default every status '
                                 'but resolved.' % ', '.join(STATUSES))
        parser.add_argument('--rule', metavar='<rule>',
                            help='Only findings of this rule.')
        parser.add_argument('--policy', metavar='<policy>',
                            help='Only findings of this policy.')
        parser.add_argument('--device', metavar='<device>',
                            help='Only findings of this device.')
        parser.add_argument('--severity', metavar='<severity>',
                            choices=SEVERITIES,
                            help='Only findings of this severity: %s.'
                                 % ', '.join(SEVERITIES))
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='Show at most this many findings.')

    def rows(self, parsed_args):
        a = parsed_args
        _args.at_least('--limit', a.limit, 1)
        status = 'all' if 'all' in a.status else (a.status or None)
        return common.get_fleet(self.app).findings.list(
            self.ctx(a), status=status, rule=a.rule, device=a.device,
            severity=a.severity, policy=a.policy, limit=a.limit)


class ShowFinding(common.ShowOne):
    """Show one finding (``--history``: its status changes)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('finding', metavar='<finding>',
                            help='Finding id or fingerprint (prefix).')
        parser.add_argument('--history', action='store_true',
                            help='Also show its change-log history.')
        return parser

    def take_action(self, parsed_args):
        fleet = common.get_fleet(self.app)
        ctx = self.ctx(parsed_args)
        row = fleet.findings.show(ctx, parsed_args.finding)
        fields = RESOURCE.fields
        formatters = dict(JSON_FIELDS)
        if parsed_args.history:
            row['history'] = [{k: common.plain(v) for k, v in h.items()}
                              for h in fleet.findings.history(
                                  ctx, parsed_args.finding)]
            fields += ('history',)
            formatters['history'] = _History
        return common.show_output(row, fields, formatters)


class _History(common.JsonColumn):
    def human_readable(self):
        return '\n'.join('%s %s %s: %s -> %s' % (
            h['created_at'], h['actor'], h['field'], h['old'], h['new'])
            for h in self._value or ())


class _Move(common.Lister):
    status = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('findings', metavar='<finding>', nargs='+',
                            help='Finding id(s) or fingerprint(s).')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        fleet = common.get_fleet(self.app)
        ctx = self.ctx(parsed_args)
        rows = [fleet.findings.move(ctx, ref, self.status)
                for ref in parsed_args.findings]
        return common.list_output(rows, RESOURCE.columns(
            ('id', 'status', 'rule', 'subject')))


class AckFinding(_Move):
    """Acknowledge findings: a human is on them."""

    status = 'acknowledged'


class ResolveFinding(_Move):
    """Resolve findings by hand (the next audit reopens a still-failing
    one)."""

    status = 'resolved'
