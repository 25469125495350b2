"""``fleet workbook list|sync``: fleet's (and operators') Mistral workbooks."""

from fleet.cli import bases
from fleet.cli import common
from fleet.cli.v1 import resource_fields

RESOURCE = resource_fields.WORKFLOW
FORMATTERS = {'tags': common.ListColumn, 'input': common.ListColumn}


class ListWorkbook(bases.ColumnsLister):
    """List the workflows of the known workbooks.

    fleet's own (the fleet.workbooks entry points) and those in
    [remediation] workbook_dirs.
    """

    resource = RESOURCE
    formatters = FORMATTERS

    def rows(self, parsed_args):
        from fleet import workbooks

        conf = common.client(self.app).conf
        rows = []
        for book in workbooks.all_workbooks(conf.remediation.workbook_dirs):
            for flow in book['workflows'].values():
                rows.append(dict(flow, workbook=book['name'],
                                 path=book['path']))
        return rows


#: Name of the periodic sweep's cron trigger in Mistral.
SWEEP_TRIGGER = 'fleet_sweep'


class SyncWorkbook(common.Lister):
    """Push the known workbooks to Mistral (create or update each).

    Then the periodic sweep's cron trigger (fleet_sweep): created or
    updated with [remediation] sweep_pattern, sweep_workflow and
    sweep_input, deleted when sweep_pattern is unset.
    """

    def take_action(self, parsed_args):
        from fleet.plugins.executors import mistral as mistral_executor
        from fleet.plugins import loader
        from fleet import workbooks

        conf = common.client(self.app).conf
        executor = loader.load('executors', 'mistral', conf)
        opts = conf.remediation
        # A bad pattern is refused before anything is pushed.
        mistral_executor.check_cron_pattern(opts.sweep_pattern)
        rows = []
        for book in workbooks.all_workbooks(opts.workbook_dirs):
            rows.append((book['name'], 'workbook', executor.sync_workbook(
                book['name'], book['text']),
                '%d workflows' % len(book['workflows'])))
        result = executor.sync_cron_trigger(
            SWEEP_TRIGGER, opts.sweep_workflow, opts.sweep_pattern,
            dict(opts.sweep_input or {}))
        rows.append((SWEEP_TRIGGER, 'cron trigger', result, '%s %s' % (
            opts.sweep_workflow, opts.sweep_pattern) if opts.sweep_pattern
            else 'off ([remediation] sweep_pattern unset)'))
        return ('Name', 'Kind', 'Result', 'Detail'), rows
