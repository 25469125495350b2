"""Read one BMC: power state, every SDR sensor, new SEL entries.

Per device, a :class:`BmcState` keeps what does not change between sweeps
of one session (the metric name, labels and thresholds of each sensor,
read once per session from the SDR and ``Get Sensor Thresholds``) and the
SEL cursor, which outlives sessions.

A sweep of a warm session costs one round trip for the power state, one
per sensor, and one ``Get SEL Info``; SEL entries are fetched only when
the BMC says something was added or erased since the cursor.
"""

import datetime
import math
import re
import struct

from pyghmi import constants as pyghmi_const
from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi import events as pyghmi_events

from fleet.plugins.collectors import ipmi_data as data

UNITS = {'°C': 'celsius', '°F': 'fahrenheit', 'RPM': 'rpm', 'W': 'watts',
         'V': 'volts', 'A': 'amps', '%': 'percent', 'J': 'joules'}
#: Units whose negative values are nonsense.
NON_NEGATIVE = {'rpm', 'watts', 'joules'}

#: Get Sensor Thresholds bits, in response order, and label names.
THRESHOLDS = ('lower_non_critical', 'lower_critical',
              'lower_non_recoverable', 'upper_non_critical',
              'upper_critical', 'upper_non_recoverable')
#: pyghmi's state text -> the threshold it names.
_STATE_THRESHOLD = {
    '%s %s threshold' % (side, level): '%s_%s' % (
        side, level.replace('-', '_').replace(' ', '_'))
    for side in ('lower', 'upper')
    for level in ('non-critical', 'critical', 'non-recoverable')}

_NO_SENSOR = 0xCB  # completion code: requested sensor/record not present


def _slug(text):
    return re.sub(r'[^a-z0-9]+', '_', str(text).lower()).strip('_') or 'x'


def _status(health):
    if health & (pyghmi_const.Health.Critical | pyghmi_const.Health.Failed):
        return data.CRITICAL
    if health & pyghmi_const.Health.Warning:
        return data.WARNING
    return data.OK


class Sensor:
    """What is fixed about one sensor for the life of a session."""

    __slots__ = ('entry', 'metric', 'unit', 'labels', 'thresholds')

    def __init__(self, entry, metric, thresholds):
        self.entry = entry
        self.metric = metric
        self.unit = UNITS.get(entry.unit_suffix,
                              entry.unit_suffix.strip().lower() or None) \
            if hasattr(entry, 'unit_suffix') else None
        self.thresholds = thresholds
        self.labels = dict(
            sensor=entry.sensor_name,
            sensor_id='%s (0x%x)' % (entry.sensor_name, entry.sensor_number),
            sensor_type=entry.sensor_type, entity=entry.entity)
        self.labels.update(thresholds)


class BmcState:
    """Per-device memory of the collector between sweeps."""

    def __init__(self):
        self.sensors = None      # [Sensor], reloaded with each new session
        self.events = None       # pyghmi EventHandler of the session
        self.sel_cursor = None   # dict, see read_sel()
        self.known = ()          # (metric, unit, labels) of the last SDR

    def reset_session(self):
        self.sensors = None
        self.events = None


def _thresholds(cmd, entry):
    """``{label: value}`` of the thresholds the BMC reports for ``entry``."""
    if not entry.has_thresholds or (entry.linearization or 0) > 11:
        return {}
    try:
        rsp = cmd.xraw_command(netfn=4, command=0x27, rslun=entry.sensor_lun,
                               data=(entry.sensor_number,))
    except pyghmi_exc.IpmiException:
        return {}
    raw = bytearray(rsp['data'])
    out = {}
    for bit, name in enumerate(THRESHOLDS):
        if len(raw) > bit + 1 and raw[0] & (1 << bit):
            value = raw[bit + 1]
            if entry.numeric_format == 2 and value & 0x80:
                value -= 0x100
            elif entry.numeric_format == 1 and value & 0x80:
                value -= 0xFF
            out[name] = round(entry.decode_value(cmd, value), 6)
    return out


def load_sensors(cmd):
    """The readable sensors of the BMC's SDR with names and thresholds."""
    sdr = cmd.init_sdr()
    sensors, seen = [], set()
    for key in sdr.get_sensor_numbers():
        entry = sdr.sensors[key]
        metric = '%s.%s' % (_slug(entry.sensor_type),
                            _slug(entry.sensor_name))
        if metric in seen:
            metric += '_0x%x' % entry.sensor_number
        seen.add(metric)
        sensors.append(Sensor(entry, metric, _thresholds(cmd, entry)))
    return sensors


def sensor_reading(device_id, sensor, reading, now):
    """A :class:`~.ipmi_data.Reading` from pyghmi's ``SensorReading``."""
    def unknown(reason):
        return data.Reading(device_id, sensor.metric, None, sensor.unit,
                            data.UNKNOWN, reason=reason, read_at=now,
                            labels=sensor.labels)

    if reading.unavailable:
        return unknown('sensor has no reading')
    value = reading.value
    if value is not None:
        if not math.isfinite(value):
            return unknown('nonsense value %r' % value)
        if value < 0 and sensor.unit in NON_NEGATIVE:
            return unknown('nonsense value %g %s (negative)'
                           % (value, sensor.unit))
    status = _status(reading.health)
    threshold = None
    if status != data.OK:
        crossed = [_STATE_THRESHOLD[s] for s in reading.states
                   if s in _STATE_THRESHOLD]
        # the most severe crossing decides (list order: pyghmi's, mild first)
        for name in reversed(crossed):
            if name in sensor.thresholds:
                threshold = sensor.thresholds[name]
                break
    labels = sensor.labels
    if value is None and reading.states:
        labels = dict(labels, states=', '.join(reading.states))
    return data.Reading(device_id, sensor.metric, value, sensor.unit, status,
                        threshold=threshold, read_at=now, labels=labels)


def read_sensors(cmd, device_id, state, now):
    """Readings of every SDR sensor; a failing sensor is ``unknown``."""
    if state.sensors is None:
        state.sensors = load_sensors(cmd)
        state.known = tuple((s.metric, s.unit, s.labels)
                            for s in state.sensors)
    out = []
    for sensor in state.sensors:
        entry = sensor.entry
        rsp = cmd.raw_command(netfn=4, command=0x2d, rslun=entry.sensor_lun,
                              data=(entry.sensor_number,))
        if 'error' in rsp:
            if rsp.get('code') == 0xffff:   # pyghmi: the BMC went silent
                raise pyghmi_exc.IpmiException(rsp['error'], rsp['code'])
            if rsp.get('code') == _NO_SENSOR:
                continue
            out.append(data.Reading(
                device_id, sensor.metric, None, sensor.unit, data.UNKNOWN,
                reason='BMC error: %s' % rsp['error'], read_at=now,
                labels=sensor.labels))
            continue
        reading = entry.decode_sensor_reading(cmd, rsp['data'])
        out.append(sensor_reading(device_id, sensor, reading, now))
    return out


def read_power(cmd, device_id, now):
    """The ``power_state`` reading: 1.0 on, 0.0 off."""
    state = cmd.get_power()['powerstate']
    return data.Reading(device_id, 'power_state',
                        1.0 if state == 'on' else 0.0, None, data.OK,
                        read_at=now, labels={'state': state})


def _sel_time(timecode):
    if timecode is None or timecode < 0x20000000 or timecode == 0xffffffff:
        return None
    return datetime.datetime.fromtimestamp(timecode, datetime.timezone.utc)


def _sel_entry(cmd, record_id):
    """``(next_id, raw record)``, or None when the record is gone."""
    try:
        rsp = cmd.xraw_command(netfn=0x0a, command=0x43, data=struct.pack(
            '<HHH', 0, record_id, 0xff00))
    except pyghmi_exc.IpmiException as exc:
        if exc.ipmicode == _NO_SENSOR:
            return None
        raise
    raw = bytes(rsp['data'])
    return struct.unpack_from('<H', raw)[0], raw[2:]


def _event(device_id, handler, raw):
    ev = handler._sel_decode(raw)
    return data.SelEvent(
        device_id=device_id, record_id=ev.get('record_id'),
        time=_sel_time(ev.get('timecode')), sensor=ev.get('component'),
        sensor_type=ev.get('component_type'),
        event=str(ev.get('event') or ev.get('oemdata') or ''),
        severity=_status(ev.get('severity') or 0),
        deassertion=bool(ev.get('deassertion')))


def read_sel(cmd, device_id, state, now, history=False):
    """The ``sel_entries`` reading and the entries added since the cursor.

    The cursor (``state.sel_cursor``) holds the BMC's last-add and
    last-erase timestamps and the last record id seen. Without a cursor
    (first sweep, nothing restored) the current end of the log becomes the
    cursor and nothing is reported as new, unless ``history``. An erased
    log, or a cursor record that is gone, reports every entry present.
    """
    info = bytes(cmd.xraw_command(netfn=0x0a, command=0x40)['data'])
    count = struct.unpack_from('<H', info, 1)[0]
    added, erased = struct.unpack_from('<II', info, 5)
    reading = data.Reading(device_id, 'sel_entries', float(count), None,
                           data.OK, read_at=now)
    cursor = state.sel_cursor
    new = []
    if cursor and (cursor['added'], cursor['erased']) == (added, erased):
        return reading, new
    start, last = 0x0000, None
    if cursor and cursor['erased'] == erased and cursor['record'] is not None:
        got = _sel_entry(cmd, cursor['record'])
        if got is not None:
            start, last = got[0], cursor['record']
    if cursor is None and not history:
        if count:
            got = _sel_entry(cmd, 0xFFFF)
            last = struct.unpack_from('<H', got[1])[0] if got else None
        state.sel_cursor = dict(added=added, erased=erased, record=last)
        return reading, new
    if count:
        if state.events is None:
            state.events = pyghmi_events.EventHandler(cmd.init_sdr(), cmd)
        record = start
        while record != 0xFFFF:
            got = _sel_entry(cmd, record)
            if got is None:
                break
            last = struct.unpack_from('<H', got[1])[0]
            new.append(_event(device_id, state.events, got[1]))
            record = got[0]
    state.sel_cursor = dict(added=added, erased=erased, record=last)
    return reading, new


def read_bmc(cmd, device_id, state, now, sel_history=False):
    """Every reading of one BMC and its new SEL entries."""
    readings = [read_power(cmd, device_id, now)]
    readings.extend(read_sensors(cmd, device_id, state, now))
    try:
        sel, events = read_sel(cmd, device_id, state, now,
                               history=sel_history)
    except pyghmi_exc.IpmiException as exc:
        if exc.ipmicode in (None, 0, 0xffff):
            raise                       # the session failed, not the SEL
        sel, events = data.Reading(
            device_id, 'sel_entries', None, None, data.UNKNOWN,
            reason='BMC error: %s' % exc, read_at=now), []
    readings.append(sel)
    return readings, events
