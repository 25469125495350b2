"""Create, list, show, set and delete commands shared by the levels.

Clouds, regions, cells and racks differ only in their name, the service
layer collection that holds them, the options that place them
(``--region``, ``--cloud``), the filters of their list and their columns
(:mod:`fleet.cli.v1.resource_fields`). Each command module subclasses
these with its own docstring (the command's help) and those attributes.
Light: only cliff via :mod:`fleet.cli.common` at import time.
"""

from fleet.cli import bases
from fleet.cli import common

PLACE_HELP = {
    'region': 'Region the %(kind)s %(be)s in (needed when the name is not '
              'unique or there is more than one region).',
    'cloud': 'Cloud %(of)s (needed when %(what)s is not unique or there is '
             'more than one cloud).',
}
FILTER_HELP = {
    'cloud': 'Only %s in this cloud.',
    'region': 'Only %s in this region.',
    'cell': 'Only %s in this cell.',
}


class LevelCommand:
    """What a level command needs to know about its level."""

    #: 'cell', 'rack' ...
    kind = None
    #: attribute of fleet.api.Fleet: 'cells', 'racks' ...
    collection = None
    #: placing options, of 'region' and 'cloud'
    place_options = ()
    #: columns (fleet.cli.v1.resource_fields.Resource); ShowOne commands
    #: show all its fields
    resource = None
    #: filters of the list command, keywords of the service layer's list()
    list_filters = ()

    @property
    def fields(self):
        return self.resource.fields

    def add_place(self, parser, plural=False):
        words = {'kind': self.kind + ('s' if plural else ''),
                 'be': 'are' if plural else 'is',
                 'of': 'of that region' if 'region' in self.place_options
                 else 'the %s%s %s in' % (self.kind, 's' if plural else '',
                                          'are' if plural else 'is'),
                 'what': 'the region name' if 'region' in self.place_options
                 else 'the name'}
        for option in self.place_options:
            parser.add_argument('--' + option, metavar='<%s>' % option,
                                help=PLACE_HELP[option] % words)

    def add_named(self, parser, name_help, description_help=None):
        """``<name>`` and the placing options; with ``description_help``
        (a command that writes) ``--description`` and ``--reason`` too."""
        parser.add_argument('name', metavar='<name>', help=name_help)
        self.add_place(parser)
        if description_help:
            parser.add_argument('--description', metavar='<text>',
                                help=description_help)
            common.add_reason(parser)
        return parser

    def place(self, parsed_args):
        return {opt: getattr(parsed_args, opt) for opt in self.place_options}

    def api(self):
        return getattr(common.get_fleet(self.app), self.collection)


class CreateLevel(LevelCommand, common.ShowOne):

    def get_parser(self, prog_name):
        return self.add_named(super().get_parser(prog_name),
                              'Name of the new %s.' % self.kind,
                              'Free text description.')

    def create_args(self, parsed_args):
        """Keyword arguments of the service layer's create()."""
        return self.place(parsed_args)

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        obj = self.api().create(ctx, parsed_args.name,
                                description=parsed_args.description,
                                **self.create_args(parsed_args))
        return common.show_output(obj, self.fields)


class ListLevel(LevelCommand, bases.ColumnsLister):

    def add_filters(self, parser):
        for option in self.list_filters:
            parser.add_argument('--' + option, metavar='<%s>' % option,
                                help=FILTER_HELP[option] % (self.kind + 's'))

    def rows(self, parsed_args):
        return self.api().list(self.ctx(parsed_args), **{
            f: getattr(parsed_args, f) for f in self.list_filters})


class ShowLevel(LevelCommand, common.ShowOne):

    def get_parser(self, prog_name):
        return self.add_named(super().get_parser(prog_name),
                              '%s to show.' % self.kind.capitalize())

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        obj = self.api().show(ctx, parsed_args.name, **self.place(parsed_args))
        return common.show_output(obj, self.fields)


class SetLevel(LevelCommand, common.Command):

    def get_parser(self, prog_name):
        return self.add_named(super().get_parser(prog_name),
                              '%s to change.' % self.kind.capitalize(),
                              'New description.')

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        self.api().update(ctx, parsed_args.name,
                          description=parsed_args.description,
                          **self.place(parsed_args))


class DeleteLevel(LevelCommand, bases.DeleteCommand):

    @property
    def names(self):
        return ('names', '<name>',
                '%s(s) to delete.' % self.kind.capitalize())

    def add_options(self, parser):
        self.add_place(parser, plural=True)

    def delete(self, fleet, ctx, name, parsed_args):
        self.api().delete(ctx, name, **self.place(parsed_args))
