"""``fleet rack ...``: optional racks inside a region (and cell)."""

from fleet.cli import common

FIELDS = ('id', 'name', 'region', 'cell', 'description', 'created_at',
          'updated_at')
LIST_FIELDS = (('name', 'Name'), ('region', 'Region'), ('cell', 'Cell'),
               ('description', 'Description'))


def _add_place(parser, what='the rack is in'):
    parser.add_argument(
        '--region', metavar='<region>',
        help='Region %s (needed when the name is not unique or there is '
             'more than one region).' % what)
    parser.add_argument(
        '--cloud', metavar='<cloud>',
        help='Cloud of that region (needed when the region name is not '
             'unique).')


class CreateRack(common.ShowOne):
    """Create a rack in a region, optionally inside a cell."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the new rack.')
        _add_place(parser, 'to create the rack in')
        parser.add_argument('--cell', metavar='<cell>',
                            help='Cell of the region the rack belongs to.')
        parser.add_argument('--description', metavar='<text>',
                            help='Free text description.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        obj = common.get_fleet(self.app).racks.create(
            parsed_args.name, region=parsed_args.region,
            cell=parsed_args.cell, cloud=parsed_args.cloud,
            description=parsed_args.description, reason=parsed_args.reason)
        return common.show_output(obj, FIELDS)


class ListRack(common.Lister):
    """List racks."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--region', metavar='<region>',
                            help='Only racks of this region.')
        parser.add_argument('--cell', metavar='<cell>',
                            help='Only racks of this cell.')
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='Only racks of this cloud\'s region.')
        return parser

    def take_action(self, parsed_args):
        return common.list_output(common.get_fleet(self.app).racks.list(
            region=parsed_args.region, cell=parsed_args.cell,
            cloud=parsed_args.cloud), LIST_FIELDS)


class ShowRack(common.ShowOne):
    """Show one rack."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Rack to show.')
        _add_place(parser)
        return parser

    def take_action(self, parsed_args):
        obj = common.get_fleet(self.app).racks.show(
            parsed_args.name, region=parsed_args.region,
            cloud=parsed_args.cloud)
        return common.show_output(obj, FIELDS)


class SetRack(common.Command):
    """Change a rack's attributes."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Rack to change.')
        _add_place(parser)
        parser.add_argument('--description', metavar='<text>',
                            help='New description.')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        common.get_fleet(self.app).racks.update(
            parsed_args.name, region=parsed_args.region,
            cloud=parsed_args.cloud, description=parsed_args.description,
            reason=parsed_args.reason)


class DeleteRack(common.Command):
    """Delete racks (they must have no devices left)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('names', metavar='<name>', nargs='+',
                            help='Rack(s) to delete.')
        _add_place(parser, 'the racks are in')
        common.add_reason(parser)
        return parser

    def take_action(self, parsed_args):
        fleet = common.get_fleet(self.app)
        common.delete_each(self, 'rack', parsed_args.names,
                           lambda name: fleet.racks.delete(
                               name, region=parsed_args.region,
                               cloud=parsed_args.cloud,
                               reason=parsed_args.reason))
