"""``fleet audit run``: check the fleet against the loaded policies."""

from fleet.cli import common

RULE_FIELDS = (('rule', 'Rule'), ('auditor', 'Auditor'),
               ('devices', 'Devices'), ('failing', 'Failing'),
               ('opened', 'Opened'), ('resolved', 'Resolved'),
               ('errors', 'Errors'))


class RunAudit(common.Lister):
    """Run the enabled rules; open, refresh and resolve findings.

    Prints one row per rule and a summary line (opened, still open,
    reopened, resolved, errors) on stderr.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--policy', metavar='<policy>',
                            help='Only the rules of this policy.')
        parser.add_argument('--rule', metavar='<rule>', action='append',
                            dest='rules', default=[],
                            help='Only this rule (repeatable).')
        parser.add_argument('--dry-run', action='store_true',
                            help='Compute the findings, write nothing.')
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        report = common.progress(self.app)

        def progress(done, total, rule):
            if rule is not None:
                width = 20
                filled = width * done // max(total, 1)
                report('audit [%s%s] %d/%d %s' % (
                    '#' * filled, '.' * (width - filled), done, total, rule))
        try:
            summary = common.get_fleet(self.app).audit.run(
                self.ctx(a), policy=a.policy, rules=a.rules or None,
                progress=progress)
        finally:
            report.done()
        self.app.stderr.write(
            'audit%s: %d rules over %d devices: %d opened, %d still open, '
            '%d reopened, %d resolved, %d errors\n' % (
                ' (dry run, nothing written)' if a.dry_run else '',
                summary.rules, summary.devices, summary.opened,
                summary.still_open, summary.reopened, summary.resolved,
                summary.errors))
        return common.list_output(summary.per_rule, RULE_FIELDS)
