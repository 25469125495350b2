"""``fleet label ...``: free tags on devices."""

from fleet.cli import common
from fleet.cli.v1 import resource_fields


class _ChangeLabels(common.Command):
    """Add or remove labels of one device (``verb``: the Labels method)."""

    verb = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device(parser)
        parser.add_argument('labels', metavar='<label>', nargs='+',
                            help='Label(s) to %s.' % self.verb)
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        labels = common.get_fleet(self.app).labels
        getattr(labels, self.verb)(self.ctx(parsed_args), parsed_args.device,
                                   parsed_args.labels)


class AddLabel(_ChangeLabels):
    """Put labels on a device."""

    verb = 'add'


class RemoveLabel(_ChangeLabels):
    """Take labels off a device."""

    verb = 'remove'


class ListLabel(common.Lister):
    """List the labels of a device, or every label with its device count."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_device(parser, nargs='?',
                          help='Device name or UUID (default: all labels '
                               'in use, with their device counts).')
        common.add_columns(parser, resource_fields.LABEL)
        return parser

    def take_action(self, parsed_args):
        resource = (resource_fields.DEVICE_LABEL if parsed_args.device
                    else resource_fields.LABEL)
        columns = common.list_columns(resource, parsed_args)
        ctx = self.ctx(parsed_args)
        rows = common.get_fleet(self.app).labels.list(ctx, parsed_args.device)
        return common.list_output(rows, columns)
