"""``fleet capacity report``: spare capacity that could be freed (FLT003)."""

from osc_lib import exceptions as osc_exc

from fleet.cli import common
from fleet.cli.v1 import resource_fields

#: fleet.api.capacity.rows.KINDS (not imported: light module imports).
KINDS = ('instance', 'hypervisor', 'headroom', 'floating_ip', 'port',
         'volume')


class ReportCapacity(common.Lister):
    """Report spare capacity: what is unused and who owns it.

    Reads Nova, Placement, Neutron and Cinder of the cloud (--os-cloud) and
    lists, each with its owner project where there is one: instances idle
    (SHUTOFF, PAUSED, SUSPENDED, SHELVED) longer than [capacity]
    idle_instance_after, hypervisors with no instances, free capacity per
    region, availability zone and aggregate from Placement, floating IPs
    not associated, ports with no device, and volumes available longer
    than [capacity] volume_available_after. A service that is missing or
    does not answer within [capacity] timeout makes its sections
    "unavailable" with the reason: the other sections are still printed,
    and the command then exits non-zero. Per-host figures are stored as
    capacity.* readings (see "metric list --metric capacity") unless
    --no-record or --dry-run.
    """

    def run(self, parsed_args):
        self._errors = []
        code = super().run(parsed_args)
        if self._errors:
            # Kinds that one failure took out share its reason.
            grouped = {}
            for kind, reason in self._errors:
                grouped.setdefault(reason, []).append(kind)
            raise osc_exc.CommandError(
                'capacity report: unavailable: %s' % '; '.join(
                    '%s: %s' % (', '.join(kinds), reason)
                    for reason, kinds in grouped.items()))
        return code

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--kind', metavar='<kind>', action='append', default=[],
            choices=KINDS, dest='kinds',
            help='Only this kind of row (repeatable): %s. Default: all.'
            % ', '.join(KINDS))
        parser.add_argument(
            '--idle-after', metavar='<duration>',
            help='Instances count as idle after this long in an idle '
                 'status (3600, 90m, 12h, 7d); default [capacity] '
                 'idle_instance_after.')
        parser.add_argument(
            '--available-after', metavar='<duration>',
            help='Volumes count as unused after this long "available"; '
                 'default [capacity] volume_available_after.')
        group = parser.add_mutually_exclusive_group()
        group.add_argument('--no-record', action='store_true',
                           help='Do not store the capacity.* readings.')
        group.add_argument('--dry-run', action='store_true',
                           help='Same as --no-record: report only.')
        common.add_columns(parser, resource_fields.CAPACITY,
                           'Also show age, resource class and the headroom '
                           'figures.')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        columns = common.list_columns(resource_fields.CAPACITY, a)
        ctx = self.ctx(a)
        report = common.get_fleet(self.app).capacity.report(
            ctx.replace(dry_run=True) if a.dry_run else ctx,
            kinds=a.kinds or None,
            params={'connection_factory':
                    common.connection_factory(self.app)},
            idle_after=a.idle_after, available_after=a.available_after,
            record=not (a.no_record or a.dry_run))
        self._errors = list(report.errors.items())
        return common.list_output(report.rows(), columns)
