"""``fleet collect``: read telemetry from the enabled collectors."""

from osc_lib import exceptions as osc_exc

from fleet.cli import common

FIELDS = (('collector', 'Collector'), ('devices', 'Devices'),
          ('read', 'Read'), ('failed_count', 'Failed'),
          ('readings', 'Readings'), ('seconds', 'Seconds'),
          ('failed', 'Failures'), ('error', 'Error'))


class _Failures(common.JsonColumn):
    """``{device: reason}``: ``dev: reason; ...`` in tables."""

    def human_readable(self):
        items = sorted((self._value or {}).items())
        text = '; '.join('%s: %s' % kv for kv in items[:5])
        if len(items) > 5:
            text += '; ... %d more' % (len(items) - 5)
        return text


class Collect(common.Lister):
    """Read power, sensors and usage of devices; store the readings.

    Every collector enabled in [collectors] enabled_collectors runs once
    over the selected devices (all by default). A device that cannot be
    read is reported with the reason and its readings say unknown; the
    collection goes on. One row per collector is printed; a collector
    whose service cannot be reached shows the error there, the others
    still run, and the command then exits non-zero.
    """

    def run(self, parsed_args):
        self._errors = []
        code = super().run(parsed_args)
        if self._errors:
            raise osc_exc.CommandError('; '.join(self._errors))
        return code

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--collector', metavar='<name>',
                            help='Only this collector (ipmi, nova, '
                                 'prometheus ...).')
        parser.add_argument('--device', metavar='<device>',
                            help='Only this device.')
        common.add_device_filters(parser)
        return parser

    def take_action(self, parsed_args):
        a = parsed_args
        client = common.client(self.app)
        progress = common.progress(self.app)
        try:
            runs = client.fleet.collect.run(
                self.ctx(a), collector=a.collector, progress=progress,
                params={'connection_factory':
                        common.connection_factory(self.app)},
                device=a.device, **common.device_filters(a))
        finally:
            progress.done()
        rows = [{'collector': r.collector, 'devices': r.devices,
                 'read': r.read, 'failed_count': len(r.failed),
                 'readings': r.readings, 'seconds': round(r.elapsed, 2),
                 'failed': r.failed, 'error': r.error} for r in runs]
        self._errors = [r.error for r in runs if r.error]
        return common.list_output(rows, FIELDS, {'failed': _Failures})
