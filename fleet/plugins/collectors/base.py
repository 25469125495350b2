"""The collector interface: read metrics of devices.

A collector reads current figures (power state, sensors, usage) for a set of
inventory devices and returns them as readings. It never writes fleet
state: the telemetry layer stores what it returns.
"""

import abc

from fleet.plugins import base


class Collector(base.Plugin):
    """Base class of collectors (``fleet.collectors`` entry points).

    Enabled by ``[collectors] enabled_collectors``; options in
    ``[collectors.<name>]``, handed to the constructor as ``options``.
    """

    @abc.abstractmethod
    def collect(self, devices):
        """Read the metrics of ``devices``.

        A device that cannot be read gives readings with status
        ``unknown`` and the reason; it never stops the others.

        :param devices: the inventory devices to read (service-layer
            device records, with the variables the collector needs).
        :returns: a list of readings, one per device and metric.
        :raises fleet.common.exception.SourceUnavailable: the system behind
            the collector (not one device) cannot be reached.
        """
