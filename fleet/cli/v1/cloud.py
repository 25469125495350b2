"""``fleet cloud ...``: the clouds at the top of the hierarchy."""

from fleet.cli import common

FIELDS = ('id', 'name', 'description', 'created_at', 'updated_at')
LIST_FIELDS = (('name', 'Name'), ('description', 'Description'))


class CreateCloud(common.ShowOne):
    """Create a cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the new cloud.')
        parser.add_argument('--description', metavar='<text>',
                            help='Free text description.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        obj = common.get_fleet(self.app).clouds.create(
            parsed_args.name, description=parsed_args.description,
            reason=parsed_args.reason)
        return common.show_output(obj, FIELDS)


class ListCloud(common.Lister):
    """List clouds."""

    def take_action(self, parsed_args):
        return common.list_output(common.get_fleet(self.app).clouds.list(),
                                  LIST_FIELDS)


class ShowCloud(common.ShowOne):
    """Show one cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Cloud to show.')
        return parser

    def take_action(self, parsed_args):
        obj = common.get_fleet(self.app).clouds.show(parsed_args.name)
        return common.show_output(obj, FIELDS)


class SetCloud(common.Command):
    """Change a cloud's attributes."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Cloud to change.')
        parser.add_argument('--description', metavar='<text>',
                            help='New description.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        common.get_fleet(self.app).clouds.update(
            parsed_args.name, description=parsed_args.description,
            reason=parsed_args.reason)


class DeleteCloud(common.Command):
    """Delete clouds (they must have no regions left)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('names', metavar='<name>', nargs='+',
                            help='Cloud(s) to delete.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        fleet = common.get_fleet(self.app)
        common.delete_each(self, 'cloud', parsed_args.names,
                           lambda name: fleet.clouds.delete(
                               name, reason=parsed_args.reason))
