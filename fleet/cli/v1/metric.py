"""``fleet metric ...`` and ``fleet health``: telemetry readings.

Readings come from collectors (``fleet collect``); the store keeps the
latest reading per device and metric and a short history. ``metric export
--format prometheus`` writes them for an existing Prometheus to scrape.
"""

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import _args
from fleet.cli.v1 import resource_fields

STATUSES = ('ok', 'unknown', 'warning', 'critical')
HISTORY_FIELDS = (('metric', 'Metric'), ('value', 'Value'),
                  ('status', 'Status'), ('read_at', 'Read at'))
HEALTH_FIELDS = (('group', 'Group'), ('status', 'Status'),
                 ('devices', 'Devices'), ('ok', 'OK'),
                 ('warning', 'Warning'), ('critical', 'Critical'),
                 ('unknown', 'Unknown'), ('worst', 'Worst devices'))


def _limit(value):
    return _args.at_least('--limit', value, 1)


def _add_metric_options(parser):
    parser.add_argument('--metric', metavar='<metric>',
                        help='Only this metric, or a kind such as '
                             'temperature, fan, power.')
    parser.add_argument('--limit', metavar='<n>', type=int,
                        help='Show at most this many readings.')


class ListMetric(bases.ColumnsLister):
    """List the latest readings, worst first."""

    resource = resource_fields.METRIC
    long_help = 'Also show threshold, reason and source.'

    def add_filters(self, parser):
        parser.add_argument('--device', metavar='<device>',
                            help='Only readings of this device.')
        common.add_device_filters(parser, 'readings')
        _add_metric_options(parser)
        parser.add_argument('--status', metavar='<status>', choices=STATUSES,
                            help='Only readings with this status: %s.'
                            % ', '.join(STATUSES))

    def rows(self, parsed_args):
        a = parsed_args
        return common.get_fleet(self.app).telemetry.latest(
            self.ctx(a), device=a.device, metric=a.metric, status=a.status,
            limit=_limit(a.limit), **common.device_filters(a))


class ShowMetric(common.Lister):
    """Show one device's latest readings, or their history."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device(parser)
        _add_metric_options(parser)
        parser.add_argument('--history', action='store_true',
                            help='Show past readings, newest first.')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        telemetry = common.get_fleet(self.app).telemetry
        if a.history:
            rows = telemetry.history(self.ctx(a), a.device, metric=a.metric,
                                     limit=_limit(a.limit) or 100)
            return common.list_output(rows, HISTORY_FIELDS)
        rows = telemetry.latest(self.ctx(a), device=a.device,
                                metric=a.metric, limit=_limit(a.limit))
        return common.list_output(rows, resource_fields.METRIC.columns(
            resource_fields.METRIC.long[1:]))


class ExportMetric(common.Command):
    """Write the latest readings for Prometheus (exposition format)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--format', metavar='<format>',
                            choices=('prometheus',), default='prometheus',
                            help='Output format: prometheus (default).')
        parser.add_argument('--output', metavar='<file>',
                            help='Write to this file instead of stdout.')
        common.add_device_filters(parser, 'readings')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        text = common.get_fleet(self.app).exposition.prometheus(
            self.ctx(a), **common.device_filters(a))
        if a.output:
            with open(a.output, 'w') as f:
                f.write(text)
        else:
            self.app.stdout.write(text)


class _Worst(common.JsonColumn):
    """Worst devices: ``n1 (critical: temperature.cpu)`` in tables."""

    def human_readable(self):
        return '; '.join('%s (%s: %s)' % (w['device'], w['status'],
                                          ', '.join(w['readings']))
                         for w in self._value or ())


class ShowHealth(common.Lister):
    """Fleet health: OK / warning / critical / unknown devices per group."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--by', metavar='<level>', default='region',
                            choices=('region', 'cell', 'rack', 'role'),
                            help='Group by region (default), cell, rack or '
                                 'role.')
        parser.add_argument('--worst', metavar='<n>', type=int, default=3,
                            help='Name this many of the worst devices per '
                                 'group (default 3).')
        common.add_device_filters(parser)
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        _args.at_least('--worst', a.worst, 0)
        rows = common.get_fleet(self.app).health.report(
            self.ctx(a), by=a.by, worst=a.worst, **common.device_filters(a))
        return common.list_output(rows, HEALTH_FIELDS, {'worst': _Worst})
