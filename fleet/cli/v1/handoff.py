"""``fleet device handoff|handback``: take a device out of automatic care."""

from fleet.cli import common

FIELDS = ('device', 'hands_off', 'actor', 'reason', 'created_at')


class HandoffDevice(common.ShowOne):
    """Hand a device off to a human: no remediation runs on it.

    Remediations of the device are refused with the hand-off's reason
    until "fleet device handback". Needs --reason.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('device', metavar='<device>',
                            help='Device to hand off (name or UUID).')
        common.add_reason(parser, 'the hand-off (required)')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        out = common.get_fleet(self.app).handoffs.handoff(
            ctx, parsed_args.device)
        return common.show_output(dict(out, hands_off=True), FIELDS)


class HandbackDevice(common.ShowOne):
    """Return a handed-off device to automatic management."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('device', metavar='<device>',
                            help='Device to hand back (name or UUID).')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        out = common.get_fleet(self.app).handoffs.handback(
            ctx, parsed_args.device)
        return common.show_output(out, FIELDS)
