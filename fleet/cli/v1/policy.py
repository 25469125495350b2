"""``fleet policy ...``: audit policy files (validate, load, list, show,
delete).

A policy file is YAML (reference: ``doc/source/user/policy-reference.rst``);
``validate`` and ``load`` name the file, line, column and field of every
mistake, and ``load`` writes nothing unless every file is right.
"""

from osc_lib import exceptions as osc_exc

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import resource_fields

RESOURCE = resource_fields.POLICY
STATS = resource_fields.POLICY_STATS
LOAD_FIELDS = (('name', 'Name'), ('version', 'Version'), ('rules', 'Rules'),
               ('action', 'Action'))
RULE_FIELDS = ('name', 'enabled', 'auditor', 'severity', 'selector',
               'params', 'mode', 'remediation', 'repeat_count',
               'repeat_window', 'approval_ttl', 'description')


def _read(paths):
    """``[(path, bytes)]``; a file that cannot be read is a one-line
    error."""
    out = []
    for path in paths:
        try:
            with open(path, 'rb') as f:
                # Read one byte past any sane limit; the service layer
                # refuses by size.
                out.append((path, f.read(64 * 1024 * 1024 + 1)))
        except OSError as exc:
            raise osc_exc.CommandError('%s: cannot read: %s'
                                       % (path, exc.strerror or exc))
    return out


def _fail(cmd, problems, verb):
    for p in problems:
        cmd.app.stdout.write('%s\n' % (p,))
    files = len({p.file for p in problems})
    raise osc_exc.CommandError(
        '%d mistake%s in %d file%s; %s.' % (
            len(problems), '' if len(problems) == 1 else 's', files,
            '' if files == 1 else 's', verb))


class ValidatePolicy(common.Command):
    """Check policy files without loading them: every mistake, located."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('files', metavar='<file>', nargs='+',
                            help='Policy file(s) (YAML), checked together '
                                 '(rule names are unique over all).')
        return parser

    def take_action(self, parsed_args):
        files = _read(parsed_args.files)
        problems = common.get_fleet(self.app).policies.validate(
            self.ctx(parsed_args), files)
        if problems:
            _fail(self, problems, 'fix them and validate again')
        for path, _text in files:
            self.app.stdout.write('%s: valid\n' % path)


class LoadPolicy(common.Lister):
    """Load policy files (a loaded policy of the same name is replaced)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('files', metavar='<file>', nargs='+',
                            help='Policy file(s) (YAML); all or none are '
                                 'loaded.')
        common.add_reason(parser, 'the new policy versions')
        return parser

    def take_action(self, parsed_args):
        from fleet.common import exception

        files = _read(parsed_args.files)
        try:
            rows = common.get_fleet(self.app).policies.load(
                self.ctx(parsed_args), files)
        except exception.InvalidPolicy as exc:
            _fail(self, exc.problems, 'nothing was loaded')
        return common.list_output(rows, LOAD_FIELDS)


class ListPolicy(bases.ColumnsLister):
    """List the loaded policies."""

    resource = RESOURCE
    long_help = 'Also show sources and times.'

    def rows(self, parsed_args):
        return common.get_fleet(self.app).policies.list(self.ctx(parsed_args))


class _Rules(common.JsonColumn):
    """Rules: one ``name (auditor, severity[, disabled])`` per line."""

    def human_readable(self):
        return '\n'.join('%s (%s, %s%s)' % (
            r['name'], r['auditor'], r['severity'],
            '' if r['enabled'] else ', disabled') for r in self._value or ())


class ShowPolicy(common.ShowOne):
    """Show a loaded policy and its rules."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('policy', metavar='<policy>',
                            help='Policy name.')
        return parser

    def take_action(self, parsed_args):
        pol = common.get_fleet(self.app).policies.show(
            self.ctx(parsed_args), parsed_args.policy)
        pol['rules'] = [{k: r[k] for k in RULE_FIELDS} for r in pol['rules']]
        return common.show_output(
            pol, ('name', 'version', 'description', 'source', 'checksum',
                  'created_at', 'updated_at', 'rules'), {'rules': _Rules})


class DeletePolicy(bases.DeleteCommand):
    """Delete policies; the open findings of their rules resolve."""

    kind = 'policie'
    names = ('policies', '<policy>', 'Policy name(s).')
    reason_for = 'the deletion'

    def delete(self, fleet, ctx, name, parsed_args):
        fleet.policies.delete(ctx, name)


class StatsPolicy(bases.ColumnsLister):
    """The trust ladder: how each rule's remediations went.

    Per rule: plans fired, approved, rejected, succeeded, failed,
    escalated (repeat threshold) and the median seconds to resolve. A rule
    in approve mode whose last [remediation] trust_promote_after outcomes
    all succeeded is shown as "proposed: auto"; fleet never changes the
    mode itself (edit the policy file and load it).
    """

    resource = STATS

    def add_filters(self, parser):
        parser.add_argument('--policy', metavar='<name>',
                            help='Only the rules of this policy.')

    def rows(self, parsed_args):
        return common.get_fleet(self.app).resolver.stats(
            self.ctx(parsed_args), policy=parsed_args.policy)
