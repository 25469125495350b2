"""``fleet remediation run|list|show|reconcile|resolve|approve|reject``:
workflows on devices, and the resolver's decisions about findings."""

import sys

from osc_lib import exceptions as osc_exc

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import _args
from fleet.cli.v1 import resource_fields

RESOURCE = resource_fields.REMEDIATION
DECISION = resource_fields.DECISION
FORMATTERS = {'input': common.JsonColumn, 'output': common.JsonColumn}
STATES = ('pending-approval', 'held', 'notified', 'escalated', 'rejected',
          'expired', 'pending', 'running', 'succeeded', 'failed')


def _inputs(pairs):
    """``KEY=VALUE`` strings -> dict; values parsed as YAML scalars."""
    import yaml

    out = {}
    for pair in pairs or ():
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise osc_exc.CommandError(
                '--input: expected KEY=VALUE, got %r.' % pair)
        try:
            out[key] = yaml.safe_load(value) if value else None
        except yaml.YAMLError:
            out[key] = value
    return out


def _print_plan(app, plan, dry_run):
    stream = getattr(app, 'stderr', sys.stderr)
    stream.write('%s: %s on %s with %s (executor %s)\n' % (
        'Dry run, would run' if dry_run else 'Plan',
        plan['workflow'], ', '.join(plan['devices']),
        ', '.join('%s=%s' % kv for kv in sorted(plan['input'].items())),
        plan['executor']))
    stream.flush()


class _Outcome(common.ShowOne):
    """Shows a remediation; the command exits 1 when it has failed."""

    def outcome(self, rem):
        """The columns of ``rem``; a failed one makes the run exit 1."""
        self._failed = rem['state'] == 'failed'
        return common.show_output(rem, RESOURCE.fields, FORMATTERS)

    def run(self, parsed_args):
        self._failed = False
        code = super().run(parsed_args)
        return 1 if self._failed and not code else code


class RunRemediation(_Outcome):
    """Run a workbook workflow (or a playbook) on a device, safely.

    With --executor ansible the workflow is a playbook's name (NAME.yml
    in [executors.ansible] playbook_dirs or fleet's own, e.g.
    fleet_facts), run through ansible-runner with the device's host
    variables as extra vars.

    The plan (workflow, input, devices) is printed first; --dry-run prints
    it and runs nothing. A handed-off device, or one more device out than
    the blast radius allows, is refused. The command waits for the outcome
    ([remediation] wait_timeout) unless --no-wait; a failure exits 1.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('workflow', metavar='<workflow>',
                            help='Workflow, e.g. fleet_host.power_cycle '
                                 '(see: fleet workbook list), or playbook '
                                 'with --executor ansible.')
        parser.add_argument('--device', metavar='<device>', required=True,
                            help='Device to remediate (name or UUID).')
        parser.add_argument('--input', metavar='<key=value>',
                            action='append', default=[],
                            help='Workflow input (repeatable); host and '
                                 'reason are filled in.')
        parser.add_argument('--executor', metavar='<name>',
                            help='Executor (default: [remediation] '
                                 'default_executor).')
        parser.add_argument('--idempotency-key', metavar='<key>',
                            help='Start at most once for this key (a UUID); '
                                 'default: a new one.')
        parser.add_argument('--no-wait', action='store_true',
                            help='Return once the execution has started.')
        common.add_reason(parser, 'the remediation (required)',
                          dry_run='Show the plan; run nothing.')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        ctx = self.ctx(a)
        fleet = common.get_fleet(self.app)
        plan = fleet.remediations.plan(ctx, a.workflow, a.device,
                                       _inputs(a.input), executor=a.executor)
        _print_plan(self.app, plan, a.dry_run)
        if a.dry_run:
            rem = dict(plan, device=plan['devices'][0], state='planned')
            return common.show_output(rem, RESOURCE.fields, FORMATTERS)
        rem = fleet.remediations.start(ctx.replace(dry_run=False), plan,
                                       key=a.idempotency_key)
        if not a.no_wait and rem['state'] == 'running':
            rem = fleet.remediations.follow(ctx, rem['id'])
        return self.outcome(rem)


class ListRemediation(bases.ColumnsLister):
    """List remediations, newest first."""

    resource = RESOURCE
    formatters = FORMATTERS

    def add_filters(self, parser):
        parser.add_argument('--device', metavar='<device>',
                            help='Only remediations of this device.')
        parser.add_argument('--state', metavar='<state>', choices=STATES,
                            help='Only in this state: %s.'
                                 % ', '.join(STATES))
        _args.add_limit(parser, 50, ' remediations')

    def rows(self, parsed_args):
        a = parsed_args
        return common.get_fleet(self.app).remediations.list(
            self.ctx(a), device=a.device, state=a.state,
            limit=_args.limit(a))


class ShowRemediation(common.ShowOne):
    """Show one remediation (its outcome asked of the executor first)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('remediation', metavar='<id>',
                            help='Remediation id or idempotency key.')
        return parser

    def take_action(self, parsed_args):
        rem = common.get_fleet(self.app).remediations.refresh(
            self.ctx(parsed_args), parsed_args.remediation)
        return common.show_output(rem, RESOURCE.fields, FORMATTERS)


class ReconcileRemediation(common.Lister):
    """Pick up remediations left pending or running (after a restart).

    Each is looked up in its executor by its idempotency key: found, it is
    followed; not found, it is started with the same key. Nothing starts
    twice.
    """

    def take_action(self, parsed_args):
        rows = common.get_fleet(self.app).remediations.reconcile(
            self.ctx(parsed_args))
        return common.list_output(rows, RESOURCE.columns(RESOURCE.default))


class ResolveRemediation(bases.ColumnsLister):
    """Decide what to do about open findings, by their rules' mode.

    For each open finding of a device whose rule has a remediation:
    notify (an event, nothing else), approve (a plan pending-approval
    until it expires: see remediation approve|reject) or auto (started at
    once). A plan that would exceed the blast radius, or whose device is
    handed off, is held (nothing starts; the next resolve tries again); a
    device remediated "repeat: count" times by the rule within its window
    is escalated to a human instead. --dry-run shows the same decisions
    and writes nothing.
    """

    resource = DECISION
    formatters = FORMATTERS

    def add_filters(self, parser):
        parser.add_argument('--finding', metavar='<id>', action='append',
                            default=None,
                            help='Only this finding (repeatable).')
        parser.add_argument('--policy', metavar='<name>',
                            help='Only the rules of this policy.')
        common.add_reason(parser, 'every plan', dry_run='Show the '
                          'decisions; write nothing, start nothing.')

    def rows(self, parsed_args):
        a = parsed_args
        rows = common.get_fleet(self.app).resolver.resolve(
            self.ctx(a), findings=a.finding, policy=a.policy)
        counts = {}
        for row in rows:
            counts[row['decision']] = counts.get(row['decision'], 0) + 1
        stream = getattr(self.app, 'stderr', sys.stderr)
        stream.write('%s%d decision%s%s\n' % (
            'Dry run, nothing written: ' if a.dry_run else '', len(rows),
            '' if len(rows) == 1 else 's',
            (': ' + ', '.join('%d %s' % (n, k) for k, n in
                              sorted(counts.items()))) if rows else ''))
        stream.flush()
        return rows


class _Decide(_Outcome):
    verb = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('remediation', metavar='<id>',
                            help='The plan (remediation id), see: fleet '
                                 'remediation list --state '
                                 'pending-approval.')
        common.add_reason(parser, 'the decision (required)')
        if self.verb == 'approve':
            parser.add_argument('--wait', action='store_true',
                                help='Wait for the outcome ([remediation] '
                                     'wait_timeout); a failure exits 1.')
        return parser

    def take_action(self, parsed_args):
        fleet = common.get_fleet(self.app)
        ctx = self.ctx(parsed_args)
        rem = getattr(fleet.resolver, self.verb)(ctx,
                                                 parsed_args.remediation)
        if getattr(parsed_args, 'wait', False) and \
                rem['state'] == 'running':
            rem = fleet.remediations.follow(ctx, rem['id'])
        if rem['state'] == 'held':
            stream = getattr(self.app, 'stderr', sys.stderr)
            stream.write('Approved; held back: %s The next "fleet '
                         'remediation resolve" starts it.\n'
                         % rem['detail'])
            stream.flush()
        return self.outcome(rem)


class ApproveRemediation(_Decide):
    """Approve a plan pending approval: it starts (or waits for a slot).

    Refused if the plan has expired, was decided already, or its device
    is handed off. Who approved (the actor) and why (--reason, required)
    are kept with the plan and in the change log. Returns once the
    execution runs, or with --wait once it has ended.
    """

    verb = 'approve'


class RejectRemediation(_Decide):
    """Reject a plan pending approval; its finding is acknowledged."""

    verb = 'reject'
