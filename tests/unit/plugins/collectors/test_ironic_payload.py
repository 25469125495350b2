"""Parsing Ironic's sensor-data payloads (the shapes Ironic 39 sends).

The sensor dicts below are cut from a real ``hardware.ipmi.metrics``
notification of the lab's Ironic (``ipmitool sdr -v`` of a simulated BMC);
the functional test ``test_ironic_collector`` reads the live ones.
"""

import datetime

import testtools

from fleet.plugins.collectors import ironic_payload as parse

NODE = '747671f2-086d-4bbe-bf32-a34ba1bc7221'


def payload(sensors, **extra):
    body = {'message_id': 'm1', 'instance_uuid': None, 'node_uuid': NODE,
            'timestamp': '2026-12-01T10:44:18.378537',
            'node_name': 'lab-compute-1',
            'event_type': 'hardware.ipmi.metrics.update',
            'payload': sensors}
    body.update(extra)
    return body


CPU = {'Sensor ID': 'CPU Temp (0x1)', 'Entity ID': '3.1 (Processor)',
       'Sensor Type (Threshold)': 'Temperature (0x01)',
       'Sensor Reading': '52 (+/- 0) degrees C', 'Status': 'ok',
       'Nominal Reading': '52.000', 'Upper critical': '95.000',
       'Upper non-critical': '85.000'}
FAN = {'Sensor ID': 'Fan 1 (0x3)', 'Sensor Reading': '5400 (+/- 0) RPM',
       'Status': 'ok', 'Lower critical': '900.000'}


class SensorsTest(testtools.TestCase):

    def test_value_unit_metric_and_labels(self):
        got, skipped = parse.sensors(payload({'Temperature': {
            'CPU Temp (0x1)': CPU}, 'Fan': {'Fan 1 (0x3)': FAN}}))
        self.assertEqual([], skipped)
        by = {g[0]: g for g in got}
        metric, value, unit, status, threshold, labels = \
            by['temperature.cpu_temp']
        self.assertEqual((52.0, 'celsius', 'ok', None),
                         (value, unit, status, threshold))
        self.assertEqual('CPU Temp (0x1)', labels['sensor_id'])
        self.assertEqual(95.0, labels['upper_critical'])
        self.assertEqual((5400.0, 'rpm'), by['fan.fan_1'][1:3])

    def test_status_and_deciding_threshold(self):
        hot = dict(CPU, **{'Sensor Reading': '99 (+/- 0) degrees C',
                           'Status': 'cr'})
        got, _ = parse.sensors(payload({'Temperature': {'c': hot}}))
        self.assertEqual(('critical', 'upper_critical=95'), got[0][3:5])

    def test_watts_volts_amps(self):
        for text, want in (('240 (+/- 0) Watts', (240.0, 'watts')),
                           ('12.06 (+/- 0.1) Volts', (12.06, 'volts')),
                           ('1.5 (+/- 0) Amps', (1.5, 'amps'))):
            self.assertEqual(want, parse.parse_reading(text))

    def test_disabled_and_missing_readings_are_skipped(self):
        got, skipped = parse.sensors(payload({'Fan': {
            'a': {'Sensor ID': 'Fan 8', 'Sensor Reading': 'Disabled'},
            'b': {'Sensor ID': 'Fan 9'}}}))
        self.assertEqual(([], []), (got, skipped))

    def test_unreadable_sensor_is_skipped_with_a_reason(self):
        got, skipped = parse.sensors(payload({'Fan': {
            'a': {'Sensor ID': 'Fan 8', 'Sensor Reading': 'lots RPM'},
            'b': FAN, 'c': 'not a dict'},
            'Power': ['not', 'a', 'dict'],
            'Temperature': {'n': dict(CPU, **{'Sensor Reading':
                                              'nan degrees C'})}}))
        self.assertEqual(['fan.fan_1'], [g[0] for g in got])
        self.assertEqual(4, len(skipped), skipped)
        self.assertIn("unreadable \"Sensor Reading\" 'lots RPM'",
                      ' '.join(skipped))

    def test_bad_payloads(self):
        for bad, why in (('text', 'not an object'),
                         ({'payload': {}}, 'no "node_uuid"'),
                         ({'node_uuid': ''}, 'no "node_uuid"')):
            exc = self.assertRaises(parse.BadPayload, parse.node_uuid, bad)
            self.assertIn(why, str(exc))
        exc = self.assertRaises(parse.BadPayload, parse.sensors,
                                payload('garbage'))
        self.assertIn('no sensor data', str(exc))

    def test_read_time(self):
        self.assertEqual(
            datetime.datetime(2026, 12, 1, 10, 44, 18, 378537,
                              tzinfo=datetime.timezone.utc),
            parse.read_time(payload({})))
        self.assertIsNone(parse.read_time({'timestamp': 'yesterday'}))
        self.assertIsNone(parse.read_time({}))
