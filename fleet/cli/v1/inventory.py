"""``fleet inventory ...``: sync from sources of record, export."""

import json
import os

from osc_lib import exceptions as osc_exc

from fleet.cli import common

SUMMARY_COUNTS = ('added', 'changed', 'missing')
EXTRA_COUNTS = ('returned', 'still missing')
#: ``sync`` options passed on as the source's parameters:
#: {option: (metavar, parameter, help)}.
SOURCE_OPTIONS = {
    'file': ('<path>', 'path',
             'Asset file (YAML, JSON or CSV) for the static source.'),
    'region': ('<region>', 'region',
               'Region for devices the source does not place (default: the '
               'cloud\'s region_name, then [inventory] default_region).'),
    'fleet-cloud': ('<cloud>', 'cloud',
                    'Fleet cloud (fleet cloud list) for devices the source '
                    'does not place; not the clouds.yaml entry, which is '
                    '--os-cloud.'),
}


class SyncInventory(common.Lister):
    """Bring the inventory in line with an inventory source.

    Adds what is new, changes what differs and flags devices the source
    no longer reports as missing (never deletes them), in one transaction.
    A summary goes to stderr.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('source', metavar='<source>',
                            help='Inventory source plugin: static (asset '
                                 'file), ironic, nova ... (see [inventory] '
                                 'enabled_sources).')
        for option, (metavar, _param, text) in SOURCE_OPTIONS.items():
            parser.add_argument('--' + option, metavar=metavar, help=text)
        common.add_reason(parser, 'the sync (default: "inventory sync '
                                  'SOURCE")',
                          dry_run='Report what would change; write nothing.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        a = parsed_args
        if a.file is not None and not os.path.exists(a.file):
            raise osc_exc.CommandError('--file: %s does not exist.' % a.file)
        client = common.client(self.app)
        stderr = self.app.stderr
        verbose = getattr(self.app.options, 'verbose_level', 1)

        def progress(message):
            if verbose >= 1:
                stderr.write('%s\n' % message)

        params = {param: getattr(a, option.replace('-', '_'))
                  for option, (_m, param, _t) in SOURCE_OPTIONS.items()}
        params['connection_factory'] = common.connection_factory(self.app)
        report = client.fleet.sync.run(ctx, a.source, params=params,
                                       conf=client.conf, progress=progress)
        counts = report.counts
        parts = ['%d %s' % (counts.get(k, 0), k) for k in SUMMARY_COUNTS]
        parts += ['%d %s' % (counts[k], k) for k in EXTRA_COUNTS
                  if counts.get(k)]
        stderr.write('%s: %s%s\n' % (
            a.source, ', '.join(parts),
            ' (dry run: nothing written)' if a.dry_run else ''))
        return common.list_output(report.rows, (
            ('action', 'Action'), ('kind', 'Kind'), ('name', 'Name'),
            ('details', 'Details')))


class ExportInventory(common.Command):
    """Export the whole inventory with resolved variables.

    ansible: an Ansible dynamic inventory (groups by cloud, region, cell,
    rack, role, type and label). json: {device: {variable: value}}.
    Secret variables are left out unless --include-secrets.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--format', metavar='<format>',
                            choices=('ansible', 'json'), default='ansible',
                            help='ansible (default) or json.')
        parser.add_argument('--output', metavar='<file>',
                            help='Write to this file instead of stdout: '
                                 'mode 0600 whether it existed or not, '
                                 'replaced atomically (a temporary file in '
                                 'the same directory, then renamed).')
        parser.add_argument('--include-secrets', action='store_true',
                            help='Include secret variables (for a trusted '
                                 'consumer such as an Ansible run); without '
                                 'it secrets are left out.')
        return parser

    def take_action(self, parsed_args):
        ctx = self.ctx(parsed_args)
        fleet = common.get_fleet(self.app)
        secrets = parsed_args.include_secrets
        if parsed_args.format == 'ansible':
            text = fleet.exporter.ansible(ctx, include_secrets=secrets)
        else:
            text = json.dumps(fleet.exporter.resolved_all(
                ctx, include_secrets=secrets), indent=2, sort_keys=True)
        if parsed_args.output:
            from fleet.common import files
            # Mode 0600 whether the file existed or not, and atomic: a
            # reader sees the old file or the whole new one.
            try:
                files.write_private(parsed_args.output, text + '\n')
            except OSError as exc:
                raise osc_exc.CommandError('--output: cannot write %s: %s'
                                           % (parsed_args.output,
                                              exc.strerror))
        else:
            self.app.stdout.write(text + '\n')
