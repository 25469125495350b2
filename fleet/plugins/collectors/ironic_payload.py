"""Parse Ironic's sensor-data notifications into readings (no I/O).

With ``[sensor_data] send_sensor_data = true`` each Ironic conductor polls
the BMCs of its nodes every ``[sensor_data] interval`` seconds and sends,
per node, an ``info`` notification with event type
``hardware.<driver>.metrics`` (``hardware.ipmi.metrics``,
``hardware.redfish.metrics`` ...) whose payload is::

    {"node_uuid": "...", "node_name": "...", "instance_uuid": ...,
     "timestamp": "2026-12-01T10:00:00.123456",
     "event_type": "hardware.ipmi.metrics.update",
     "payload": {"Temperature": {"CPU Temp (0x1)": {
         "Sensor ID": "CPU Temp (0x1)",
         "Sensor Reading": "45 (+/- 0) degrees C",
         "Status": "ok", "Upper critical": "95.000", ...}, ...},
      "Fan": {...}, ...}}

As ceilometer's ``ceilometer/ipmi/notifications/ironic.py`` does, the
value and unit are read from ``Sensor Reading`` (number first, unit the
last word), and sensors that read ``Disabled`` (or have no reading) are
skipped. Metric names follow the ``ipmi`` collector's
``<sensor type>.<sensor name>`` (``temperature.cpu_temp``, ``fan.fan_1``),
the ``(0x..)`` sensor number dropped from the name and kept in the
``sensor_id`` label, as ironic-prometheus-exporter names it; the status
comes from ipmitool's ``Status`` (``cr``/``nr`` critical, ``nc`` warning).
"""

import datetime
import math
import re

#: Units as ipmitool words them (last word of "Sensor Reading") -> fleet's.
UNITS = {'C': 'celsius', 'F': 'fahrenheit', 'RPM': 'rpm', 'Watts': 'watts',
         'W': 'watts', 'Volts': 'volts', 'V': 'volts', 'Amps': 'amps',
         'A': 'amps', 'percent': 'percent', '%': 'percent',
         'Joules': 'joules'}
#: ipmitool's sensor status -> reading status.
STATUS = {'ok': 'ok', 'nc': 'warning', 'cr': 'critical', 'nr': 'critical',
          'ns': 'unknown'}
#: ipmitool's threshold names -> the ``ipmi`` collector's label names.
THRESHOLDS = {
    'Lower non-critical': 'lower_non_critical',
    'Lower critical': 'lower_critical',
    'Lower non-recoverable': 'lower_non_recoverable',
    'Upper non-critical': 'upper_non_critical',
    'Upper critical': 'upper_critical',
    'Upper non-recoverable': 'upper_non_recoverable',
}
#: Which threshold decided a status, for the reading's ``threshold``.
_DECIDING = {'critical': ('upper_critical', 'lower_critical',
                          'upper_non_recoverable', 'lower_non_recoverable'),
             'warning': ('upper_non_critical', 'lower_non_critical')}

_SENSOR_NUMBER = re.compile(r'\s*\(0x[0-9a-fA-F]+\)\s*$')


class BadPayload(ValueError):
    """A notification that is not sensor data fleet can read."""


def slug(text):
    return re.sub(r'[^a-z0-9]+', '_', str(text).lower()).strip('_') or 'x'


def parse_reading(text):
    """``(value, unit)`` of a ``Sensor Reading`` text.

    ``"45 (+/- 0) degrees C"`` -> ``(45.0, 'celsius')``.

    :raises BadPayload: not a number followed by a unit.
    """
    try:
        number, rest = str(text).split(' ', 1)
        value = float(number)
    except ValueError:
        raise BadPayload('unreadable "Sensor Reading" %r' % str(text)[:60])
    if not math.isfinite(value):
        raise BadPayload('"Sensor Reading" %r is not a finite number'
                         % str(text)[:60])
    unit = rest.rsplit(' ', 1)[-1]
    return value, UNITS.get(unit, unit.lower() or None)


def node_uuid(payload):
    """The node uuid of a notification payload.

    :raises BadPayload: the payload names no node.
    """
    if not isinstance(payload, dict):
        raise BadPayload('payload is %s, not an object'
                         % type(payload).__name__)
    uuid = payload.get('node_uuid')
    if not isinstance(uuid, str) or not uuid:
        raise BadPayload('payload has no "node_uuid"')
    return uuid


def read_time(payload):
    """The notification's ``timestamp`` (UTC), or None."""
    stamp = payload.get('timestamp')
    if not isinstance(stamp, str):
        return None
    try:
        when = datetime.datetime.fromisoformat(stamp.replace('Z', '+00:00'))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when


def sensors(payload):
    """``[(metric, value, unit, status, threshold, labels)]`` of a payload.

    Sensors reading ``Disabled`` or with no ``Sensor Reading`` are left
    out; a sensor whose reading cannot be parsed is left out and counted
    in the second element.

    :returns: ``(sensors, skipped)``, ``skipped`` a list of one-line
        reasons.
    :raises BadPayload: the payload has no sensor data at all.
    """
    data = payload.get('payload')
    if not isinstance(data, dict):
        raise BadPayload('payload has no sensor data ("payload" object)')
    out, skipped, seen = [], [], set()
    for sensor_type, group in sorted(data.items()):
        if not isinstance(group, dict):
            skipped.append('sensor type %r is not an object'
                           % str(sensor_type)[:40])
            continue
        for key, sensor in sorted(group.items()):
            if not isinstance(sensor, dict):
                skipped.append('sensor %r is not an object' % str(key)[:40])
                continue
            text = sensor.get('Sensor Reading')
            if text is None or str(text).strip() == 'Disabled':
                continue
            try:
                value, unit = parse_reading(text)
            except BadPayload as exc:
                skipped.append('sensor %r: %s' % (str(key)[:40], exc))
                continue
            sensor_id = str(sensor.get('Sensor ID') or key)
            name = _SENSOR_NUMBER.sub('', sensor_id)
            metric = '%s.%s' % (slug(sensor_type), slug(name))
            if metric in seen:
                metric = '%s_%s' % (metric, slug(sensor_id))
            seen.add(metric)
            labels = {'sensor_id': sensor_id, 'sensor': name,
                      'sensor_type': str(sensor_type)}
            for word, label in THRESHOLDS.items():
                try:
                    labels[label] = float(sensor[word])
                except (KeyError, TypeError, ValueError):
                    pass
            status = STATUS.get(str(sensor.get('Status', 'ok')).strip(),
                                'ok')
            threshold = next(
                ('%s=%g' % (t, labels[t]) for t in _DECIDING.get(status, ())
                 if t in labels and _crossed(t, value, labels[t])), None)
            out.append((metric, value, unit, status, threshold, labels))
    return out, skipped


def _crossed(name, value, limit):
    return value >= limit if name.startswith('upper') else value <= limit
