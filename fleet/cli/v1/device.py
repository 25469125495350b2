"""``fleet device ...``: hosts, switches, PDUs, BMCs and other devices."""

from osc_lib import exceptions as osc_exc

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import _args
from fleet.cli.v1 import resource_fields
from fleet.common import constants

DEVICE_TYPES = constants.DEVICE_TYPES

RESOURCE = resource_fields.DEVICE
FORMATTERS = {'labels': common.ListColumn}


def _add_attributes(parser, creating):
    """Options shared by create and set."""
    parser.add_argument('--role', metavar='<role>',
                        help='Role, e.g. compute, controller, network, '
                             'storage, logging.')
    parser.add_argument('--serial', metavar='<serial>',
                        help='Hardware serial number.')
    parser.add_argument('--asset-tag', metavar='<tag>',
                        help='Asset tag.')
    parser.add_argument('--mgmt-address', metavar='<address>',
                        help='Management (BMC or switch) address.')
    where = 'Region of the device' + (
        ' (needed when there is more than one region)' if creating
        else ' (moves it; clears cell and rack unless given)')
    parser.add_argument('--region', metavar='<region>', help=where + '.')
    parser.add_argument('--cell', metavar='<cell>',
                        help='Cell of the region the device is in.')
    parser.add_argument('--rack', metavar='<rack>',
                        help='Rack the device is in (implies its region '
                             'and cell).')
    parser.add_argument('--cloud', metavar='<cloud>',
                        help='Cloud of the region (needed when the region '
                             'name is not unique).')
    parser.add_argument('--parent', metavar='<device>',
                        help='Parent device (chassis of a blade, switch of '
                             'a port ...), by name or UUID.')
    common.add_reason(parser)


class CreateDevice(common.ShowOne):
    """Create a device."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the new device (unique).')
        parser.add_argument('--type', metavar='<type>', default='host',
                            choices=DEVICE_TYPES,
                            help='Device type, one of %s (default: host).'
                                 % ', '.join(DEVICE_TYPES))
        _add_attributes(parser, creating=True)
        parser.add_argument('--label', metavar='<label>', action='append',
                            dest='labels', default=[],
                            help='Label to put on the device (repeatable).')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        a = parsed_args
        dev = common.get_fleet(self.app).devices.create(
            ctx, a.name, type=a.type, region=a.region, cell=a.cell,
            rack=a.rack, cloud=a.cloud, parent=a.parent, role=a.role,
            serial=a.serial, asset_tag=a.asset_tag,
            mgmt_address=a.mgmt_address, labels=a.labels)
        return common.show_output(dev, RESOURCE.fields, FORMATTERS)


class ListDevice(common.Lister):
    """List devices; all filters combine (AND)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device_filters(parser)
        parser.add_argument('--type', metavar='<type>', choices=DEVICE_TYPES,
                            help='Only devices of this type.')
        parser.add_argument('--source', metavar='<source>',
                            help='Only devices created by this source '
                                 '(manual, static, ironic, nova ...).')
        state = parser.add_mutually_exclusive_group()
        state.add_argument('--missing', dest='missing', action='store_true',
                           default=None,
                           help='Only devices their source no longer '
                                'reports.')
        state.add_argument('--present', dest='missing', action='store_false',
                           help='Only devices not flagged missing.')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='Show at most this many devices.')
        common.add_columns(parser, RESOURCE)
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        a = parsed_args
        _args.at_least('--limit', a.limit, 1)
        columns = common.list_columns(RESOURCE, a)
        rows = common.get_fleet(self.app).devices.list(
            ctx, region=a.region, cell=a.cell, rack=a.rack, role=a.role,
            label=a.labels, type=a.type, cloud=a.cloud, source=a.source,
            missing=a.missing, limit=a.limit,
            with_labels=any(k == 'labels' for k, _h in columns))
        return common.list_output(rows, columns, FORMATTERS)


class ShowDevice(common.ShowOne):
    """Show a device, now or as it was at a past revision."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device(parser)
        parser.add_argument('--at', metavar='<revision>',
                            help='Show the device as of this change id or '
                                 'ISO 8601 time (from the change log), '
                                 'with its own variables.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        fleet = common.get_fleet(self.app)
        if parsed_args.at is None:
            return common.show_output(
                fleet.devices.show(ctx, parsed_args.device), RESOURCE.fields,
                FORMATTERS)
        at = common.parse_revision('--at', parsed_args.at)
        past = fleet.changes.device_as_of(ctx, parsed_args.device, at)
        obj = dict(past['attributes'])
        obj.setdefault('name', parsed_args.device)
        obj['labels'] = past['labels']
        obj['vars'] = past['vars']
        obj['revision'] = past['revision']
        keys = ['revision'] + sorted(past['attributes']) + ['labels', 'vars']
        if 'name' not in past['attributes']:
            keys.insert(1, 'name')
        return common.show_output(obj, keys, {'labels': common.ListColumn,
                                              'vars': common.JsonColumn})


class SetDevice(common.Command):
    """Change a device's attributes or placement."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device(parser)
        parser.add_argument('--name', metavar='<new-name>',
                            help='Rename the device.')
        parser.add_argument('--type', metavar='<type>', choices=DEVICE_TYPES,
                            help='New type, one of %s.'
                                 % ', '.join(DEVICE_TYPES))
        _add_attributes(parser, creating=False)
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        a = parsed_args
        common.get_fleet(self.app).devices.update(
            ctx, a.device, new_name=a.name, type=a.type,
            role=a.role, serial=a.serial, asset_tag=a.asset_tag,
            mgmt_address=a.mgmt_address, region=a.region, cell=a.cell,
            rack=a.rack, cloud=a.cloud, parent=a.parent)


UNSETTABLE = constants.UNSETTABLE_FIELDS


class UnsetDevice(common.Command):
    """Clear optional attributes of a device."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device(parser)
        for field, what in UNSETTABLE:
            parser.add_argument('--' + field.replace('_', '-'),
                                action='store_true', help='Clear the %s.'
                                % what)
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        fields = [f for f, _w in UNSETTABLE if getattr(parsed_args, f)]
        if not fields:
            raise osc_exc.CommandError(
                'Nothing to unset; give at least one of %s.' % ', '.join(
                    '--' + f.replace('_', '-') for f, _w in UNSETTABLE))
        common.get_fleet(self.app).devices.unset(
            ctx, parsed_args.device, fields)


class DeleteDevice(bases.DeleteCommand):
    """Delete devices with their labels and variables."""

    kind = 'device'
    names = ('devices', '<device>', 'Device(s) to delete, by name or UUID.')

    def delete(self, fleet, ctx, name, parsed_args):
        fleet.devices.delete(ctx, name)


class RevertDevice(common.Lister):
    """Set a device's own variables back to a past revision.

    Secret variables are left alone (the change log never holds their
    values). Shows what changes (or would change, with --dry-run).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device(parser)
        parser.add_argument('--to', metavar='<revision>', required=True,
                            help='Change id or ISO 8601 time to go back to '
                                 '(see: fleet change list --type device '
                                 '--name DEVICE).')
        common.add_reason(parser, 'the revert (default: "revert to '
                                  'revision N")',
                          dry_run='Show the plan; change nothing.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        at = common.parse_revision('--to', parsed_args.to)
        plan = common.get_fleet(self.app).changes.revert_device_vars(
            ctx, parsed_args.device, at)
        changed = len([p for p in plan
                       if not p['action'].startswith('skipped')])
        self.app.stderr.write('%s: %d variable(s) %s%s\n' % (
            parsed_args.device, changed,
            'would change' if parsed_args.dry_run else 'changed',
            ' (dry run: nothing written)' if parsed_args.dry_run else ''))
        rows = [(p['key'], p['action'],
                 common.ValueColumn(p['old'], p['action'].startswith(
                     'skipped')),
                 common.ValueColumn(p['new'], p['action'].startswith(
                     'skipped'))) for p in plan]
        return ('Key', 'Action', 'Old', 'New'), rows
