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

    :param params: per-run parameters from the caller:
        ``connection_factory`` (a callable returning an openstacksdk
        Connection, built from clouds.yaml / ``--os-cloud``) for
        collectors that talk to OpenStack.
    """

    #: Resolved variables the collector needs for each device (for
    #: example ``bmc``, ``bmc_username``, ``bmc_password``). The caller
    #: resolves them for all devices in one bulk lookup and passes them in
    #: each device's ``variables``.
    variables = ()

    def __init__(self, options, params=None):
        super().__init__(options)
        self.params = dict(params or {})

    @abc.abstractmethod
    def collect(self, devices):
        """Read the metrics of ``devices``.

        A device that cannot be read gives readings with status
        ``unknown`` and the reason; it never stops the others.

        :param devices: the inventory devices to read: dicts with ``id``,
            ``name``, ``uuid``, ``mgmt_address`` and ``variables`` (the
            resolved values of :attr:`variables` that are set).
        :returns: a list of readings, one per device and metric.
        :raises fleet.common.exception.SourceUnavailable: the system behind
            the collector (not one device) cannot be reached.
        """

    def close(self):
        """Release what the collector holds (sessions, connections).

        Called by the caller once it has no more sweeps for this
        collector (``fleet collect`` after its one sweep); the default
        does nothing.
        """
