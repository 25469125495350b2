"""Telemetry readings as plain data (standard library only).

A collector returns :class:`Reading` objects; the readings store
(:mod:`fleet.api.telemetry`) keeps the latest one per device and metric and
a bounded history. Churning figures (usage, sensor values, power state) are
readings, never inventory variables: they are not change-logged.

Metric names are ``<kind>.<name>``: the kind says what is measured and in
which unit (``temperature`` in celsius, ``fan`` in rpm, ``power`` in watts,
``voltage`` in volts, ``power_state`` 1/0, ``cpu`` / ``memory`` / ``disk``
/ ``network`` usage ...), the name which sensor or figure
(``temperature.inlet_temp``, ``fan.fan_1``, ``cpu.busy_percent``).
"""

import dataclasses
import datetime
import math

#: Reading statuses, from best to worst for ordering "worst first".
STATUSES = ('ok', 'unknown', 'warning', 'critical')
#: Rank of each status; a device's health is its worst reading's.
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}

#: Longest metric name, unit, threshold text and reason the store keeps.
MAX_METRIC = 128
MAX_UNIT = 32
MAX_THRESHOLD = 128
MAX_REASON = 255
MAX_SOURCE = 64


@dataclasses.dataclass
class Reading:
    """One value of one metric of one device, at one time.

    :ivar device_id: the inventory device's id.
    :ivar metric: ``<kind>.<name>`` or a bare ``<kind>`` (see the module
        docstring).
    :ivar value: a finite number, or None when ``status`` is ``unknown``.
    :ivar unit: ``celsius``, ``rpm``, ``watts``, ``volts``, ``percent``,
        ``bytes``, ``bytes_per_second`` ... or None.
    :ivar status: one of :data:`STATUSES`.
    :ivar threshold: the limit that decided a warning or critical status,
        as text (``upper_critical=85``), or None.
    :ivar reason: why a reading is unknown (``timeout after 5 s``,
        ``authentication refused``); never a secret.
    :ivar source: the collector (``ipmi``, ``nova``, ``prometheus``).
    :ivar read_at: when it was read (UTC); default now.
    :ivar labels: what names the source of the figure for exporters
        (``sensor_id`` ...); not stored.
    """

    device_id: int
    metric: str
    value: float | None = None
    unit: str | None = None
    status: str = 'ok'
    threshold: str | None = None
    reason: str | None = None
    source: str | None = None
    read_at: datetime.datetime | None = None
    labels: dict = dataclasses.field(default_factory=dict)

    def checked(self):
        """This reading with a nonsense value turned into ``unknown``.

        NaN, infinities and values that are not numbers are not stored as
        values: the reading says ``unknown`` with the reason.
        """
        value = self.value
        if value is None:
            if self.status != 'unknown':
                return dataclasses.replace(
                    self, status='unknown',
                    reason=self.reason or 'no reading')
            return self
        try:
            number = float(value)
        except (TypeError, ValueError):
            return dataclasses.replace(
                self, value=None, status='unknown',
                reason='not a number: %.40r' % (value,))
        if not math.isfinite(number):
            return dataclasses.replace(
                self, value=None, status='unknown',
                reason='not a finite number: %r' % (number,))
        return dataclasses.replace(self, value=number)
