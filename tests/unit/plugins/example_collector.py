"""``example``: a collector that reads one constant per device.

The whole of a new collector: this module and one ``fleet.collectors``
entry point. Its option lands in ``[collectors.example]``.
"""

from oslo_config import cfg

from fleet.plugins.collectors import base


class ExampleCollector(base.Collector):
    """Report the configured ``answer`` for every device."""

    @classmethod
    def get_config_opts(cls):
        return [cfg.IntOpt('answer', default=42,
                           help='The value reported for every device.')]

    def collect(self, devices):
        return [{'device': device, 'metric': 'answer',
                 'value': self.options.answer, 'status': 'ok'}
                for device in devices]
