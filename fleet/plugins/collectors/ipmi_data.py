"""What the IPMI collector returns: plain data, no database.

A :class:`Reading` is one figure of one device at one time (a sensor, the
power state, the size of the event log) with the status that judges it; a
:class:`SelEvent` is one new System Event Log entry. A :class:`Sweep` is
the list of readings of one sweep, with the new events and the failures
beside it. The telemetry layer stores readings and raises alerts from
events; the collector never writes fleet state itself.
"""

import dataclasses
import datetime
import typing

from fleet.common import readings

OK = 'ok'
WARNING = 'warning'
CRITICAL = 'critical'
UNKNOWN = 'unknown'


#: One figure of one device: the readings store's own type (``metric``
#: ``power_state``, ``sel_entries`` or ``<sensor type>.<sensor name>`` in
#: snake case; ``labels`` name the sensor for exporters: ``sensor``,
#: ``sensor_id`` as Ironic and ironic-prometheus-exporter name it,
#: ``sensor_type``, ``entity`` and the thresholds the BMC reports).
Reading = readings.Reading


@dataclasses.dataclass(frozen=True, slots=True)
class SelEvent:
    """One System Event Log entry added since the previous sweep.

    :ivar record_id: the BMC's SEL record id.
    :ivar time: when the BMC logged it (UTC), None for a pre-init
        timestamp.
    :ivar sensor: the sensor that raised it (SDR name), or None.
    :ivar sensor_type: ``Temperature``, ``Fan`` ...
    :ivar event: pyghmi's description (``Upper critical - going high``).
    :ivar severity: ``ok``, ``warning`` or ``critical``.
    :ivar deassertion: True when the condition went away.
    """

    device_id: typing.Any
    record_id: int
    time: typing.Optional[datetime.datetime]
    sensor: typing.Optional[str]
    sensor_type: typing.Optional[str]
    event: str
    severity: str
    deassertion: bool = False
    source: str = 'ipmi'


class Sweep(list):
    """The readings of one sweep (a list), with what came beside them.

    :ivar events: new SEL entries (:class:`SelEvent`), oldest first per BMC.
    :ivar failures: ``{device_id: reason}`` of the BMCs that could not be
        read (their readings say ``unknown`` with the same reason).
    :ivar elapsed: wall time of the sweep, in seconds.
    """

    def __init__(self, readings=(), events=(), failures=None, elapsed=0.0):
        super().__init__(readings)
        self.events = list(events)
        self.failures = dict(failures or {})
        self.elapsed = elapsed

    @property
    def devices_read(self):
        """How many devices gave readings."""
        return len({r.device_id for r in self} - set(self.failures))
