"""``fleet region ...``: regions of a cloud."""

from fleet.cli import common

FIELDS = ('id', 'name', 'cloud', 'description', 'created_at', 'updated_at')
LIST_FIELDS = (('name', 'Name'), ('cloud', 'Cloud'),
               ('description', 'Description'))


def _add_cloud(parser, what='the region is in'):
    parser.add_argument(
        '--cloud', metavar='<cloud>',
        help='Cloud %s (needed when there is more than one).' % what)


class CreateRegion(common.ShowOne):
    """Create a region in a cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the new region.')
        _add_cloud(parser, 'to create the region in')
        parser.add_argument('--description', metavar='<text>',
                            help='Free text description.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        obj = common.get_fleet(self.app).regions.create(
            parsed_args.name, cloud=parsed_args.cloud,
            description=parsed_args.description, reason=parsed_args.reason)
        return common.show_output(obj, FIELDS)


class ListRegion(common.Lister):
    """List regions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='Only regions of this cloud.')
        return parser

    def take_action(self, parsed_args):
        return common.list_output(common.get_fleet(self.app).regions.list(
            cloud=parsed_args.cloud), LIST_FIELDS)


class ShowRegion(common.ShowOne):
    """Show one region."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Region to show.')
        _add_cloud(parser)
        return parser

    def take_action(self, parsed_args):
        obj = common.get_fleet(self.app).regions.show(
            parsed_args.name, cloud=parsed_args.cloud)
        return common.show_output(obj, FIELDS)


class SetRegion(common.Command):
    """Change a region's attributes."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Region to change.')
        _add_cloud(parser)
        parser.add_argument('--description', metavar='<text>',
                            help='New description.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        common.get_fleet(self.app).regions.update(
            parsed_args.name, cloud=parsed_args.cloud,
            description=parsed_args.description, reason=parsed_args.reason)


class DeleteRegion(common.Command):
    """Delete regions (they must have no cells, racks or devices left)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('names', metavar='<name>', nargs='+',
                            help='Region(s) to delete.')
        _add_cloud(parser, 'the regions are in')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        fleet = common.get_fleet(self.app)
        common.delete_each(self, 'region', parsed_args.names,
                           lambda name: fleet.regions.delete(
                               name, cloud=parsed_args.cloud,
                               reason=parsed_args.reason))
