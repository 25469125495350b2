"""Base classes of the command shapes that several resources share.

:class:`DeleteCommand` deletes the objects named on the command line,
going on after failures (:func:`fleet.cli.common.delete_each`);
:class:`ColumnsLister` lists one resource with ``--long`` and ``--fields``
(:mod:`fleet.cli.v1.resource_fields`). A command subclasses one with its
own docstring (the command's help), sets the attributes and writes the
one method that calls the service layer.
Light: only cliff via :mod:`fleet.cli.common` at import time.
"""

from fleet.cli import common


class DeleteCommand(common.Command):
    """Delete objects by name: ``<name> [<name> ...]`` and ``--reason``."""

    #: One object, in the summary when some were not deleted
    #: (``2 of 3 devices were not deleted.``).
    kind = None
    #: The names' positional argument: ``(dest, metavar, help)``.
    names = ('names', '<name>', None)
    #: What ``--reason`` is recorded with (:func:`common.add_reason`).
    reason_for = 'this change'

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        dest, metavar, text = self.names
        parser.add_argument(dest, metavar=metavar, nargs='+', help=text)
        self.add_options(parser)
        common.add_reason(parser, self.reason_for)
        return parser

    def add_options(self, parser):
        """The command's own options, between the names and ``--reason``."""

    def take_action(self, parsed_args):
        fleet = common.get_fleet(self.app)
        ctx = self.ctx(parsed_args)
        common.delete_each(
            self, self.kind, getattr(parsed_args, self.names[0]),
            lambda name: self.delete(fleet, ctx, name, parsed_args))

    def delete(self, fleet, ctx, name, parsed_args):
        """Delete one object (all of them in one request context).

        :raises fleet.common.exception.FleetError: it was not deleted.
        """
        raise NotImplementedError


class ColumnsLister(common.Lister):
    """List one resource's rows; ``--long`` and ``--fields`` pick columns.

    An unknown ``--fields`` field is refused before the service layer is
    asked for anything.
    """

    #: The :class:`fleet.cli.v1.resource_fields.Resource` listed.
    resource = None
    #: Help of ``--long``.
    long_help = 'Show more columns.'
    #: ``{field: FormattableColumn class}`` of the table.
    formatters = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.add_filters(parser)
        common.add_columns(parser, self.resource, self.long_help)
        return parser

    def add_filters(self, parser):
        """The list's own options, before ``--long`` and ``--fields``."""

    def take_action(self, parsed_args):
        columns = common.list_columns(self.resource, parsed_args)
        rows = self.rows(parsed_args)
        return common.list_output(rows, columns, self.formatters)

    def rows(self, parsed_args):
        """The rows to list: dicts keyed by the resource's fields."""
        raise NotImplementedError
