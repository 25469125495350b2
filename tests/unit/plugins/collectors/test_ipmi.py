"""The ipmi collector's public surface without a BMC that answers.

Readings from pyghmi's own ``SensorReading`` objects (health, thresholds,
nonsense values), failure reasons without the password, the plugin's
entry point and options, and a sweep where one BMC never answers (a UDP
port where nothing listens): it reads ``unknown`` within the deadline.
Readings of real BMCs are in tests/functional/test_ipmi_collector.py.
"""

import logging
import math
import socket
import time

import fixtures
from oslo_config import cfg
from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi import sdr as pyghmi_sdr
from stevedore import named
import testtools

from fleet.plugins.collectors import ipmi
from fleet.plugins.collectors import ipmi_read
from fleet.plugins.collectors import ipmi_session

PASSWORD = 'S3cret-pa55'


class FakeEntry:
    """The SDR fields ipmi_read.Sensor uses (pyghmi's SDREntry has them)."""

    def __init__(self, name, sensor_type, unit, number=1):
        self.sensor_name = name
        self.sensor_type = sensor_type
        self.unit_suffix = unit
        self.sensor_number = number
        self.entity = 'Processor'


def sensor(name='CPU Temp', sensor_type='Temperature', unit='°C',
           thresholds=None):
    entry = FakeEntry(name, sensor_type, unit)
    return ipmi_read.Sensor(entry, 'temperature.cpu_temp'
                            if name == 'CPU Temp' else 'fan.fan_1',
                            thresholds or {})


def pyghmi_reading(value, health=0, states=(), unavailable=False):
    raw = {'name': 'x', 'type': 'Temperature', 'id': 1}
    if unavailable:
        raw['unavailable'] = 1
    else:
        raw.update(value=value, imprecision=0.5, health=health,
                   states=list(states), state_ids=[])
    return pyghmi_sdr.SensorReading(raw, '°C')


class TestSensorReading(testtools.TestCase):

    def test_ok_reading_has_unit_thresholds_and_labels(self):
        s = sensor(thresholds={'upper_critical': 95.0})
        r = ipmi_read.sensor_reading('d1', s, pyghmi_reading(52.0), None)
        self.assertEqual(('temperature.cpu_temp', 52.0, 'celsius', 'ok'),
                         (r.metric, r.value, r.unit, r.status))
        self.assertIsNone(r.threshold)
        self.assertEqual('CPU Temp (0x1)', r.labels['sensor_id'])
        self.assertEqual(95.0, r.labels['upper_critical'])

    def test_critical_names_the_threshold_crossed(self):
        s = sensor(thresholds={'upper_non_critical': 85.0,
                               'upper_critical': 95.0})
        reading = pyghmi_reading(
            99.0, health=2,
            states=['upper non-critical threshold',
                    'upper critical threshold'])
        r = ipmi_read.sensor_reading('d1', s, reading, None)
        self.assertEqual(('critical', 95.0), (r.status, r.threshold))

    def test_warning_and_failed_health(self):
        s = sensor(thresholds={'upper_non_critical': 85.0,
                               'upper_non_recoverable': 105.0})
        warn = ipmi_read.sensor_reading('d1', s, pyghmi_reading(
            88.0, health=1, states=['upper non-critical threshold']), None)
        self.assertEqual(('warning', 85.0), (warn.status, warn.threshold))
        failed = ipmi_read.sensor_reading('d1', s, pyghmi_reading(
            110.0, health=4, states=['upper non-recoverable threshold']),
            None)
        self.assertEqual(('critical', 105.0),
                         (failed.status, failed.threshold))

    def test_no_reading_is_unknown(self):
        r = ipmi_read.sensor_reading('d1', sensor(),
                                     pyghmi_reading(None, unavailable=True),
                                     None)
        self.assertEqual(('unknown', None, 'sensor has no reading'),
                         (r.status, r.value, r.reason))

    def test_nonsense_values_are_unknown(self):
        nan = ipmi_read.sensor_reading('d1', sensor(),
                                       pyghmi_reading(math.nan), None)
        self.assertEqual('unknown', nan.status)
        self.assertIn('nonsense value', nan.reason)
        fan = sensor('Fan 1', 'Fan', 'RPM')
        neg = ipmi_read.sensor_reading('d1', fan, pyghmi_reading(-120.0),
                                       None)
        self.assertEqual(('unknown', None), (neg.status, neg.value))
        self.assertIn('negative', neg.reason)

    def test_negative_temperature_is_a_value(self):
        r = ipmi_read.sensor_reading('d1', sensor(),
                                     pyghmi_reading(-5.0), None)
        self.assertEqual(('ok', -5.0), (r.status, r.value))


class TestReasons(testtools.TestCase):

    creds = ipmi_session.Credentials('10.0.0.9', 623, 'admin', PASSWORD)

    def reason(self, exc):
        text = ipmi_session.classify(exc, self.creds)
        self.assertNotIn(PASSWORD, text)
        return text

    def test_auth_refused(self):
        text = self.reason(pyghmi_exc.IpmiException(
            'Incorrect password provided'))
        self.assertTrue(text.startswith('authentication refused by '
                                        '10.0.0.9:623'), text)

    def test_password_quoted_by_a_library_is_masked(self):
        text = self.reason(RuntimeError('login %s failed' % PASSWORD))
        self.assertIn('***', text)

    def test_no_answer_is_unreachable(self):
        self.assertTrue(self.reason(pyghmi_exc.IpmiException(None))
                        .startswith('unreachable: no IPMI answer'))
        self.assertTrue(self.reason(socket.gaierror('Name unknown'))
                        .startswith('unreachable: 10.0.0.9:623'))

    def test_session_lost_is_timeout(self):
        self.assertTrue(self.reason(pyghmi_exc.IpmiException(
            'Session no longer connected')).startswith('timeout: '))

    def test_credentials_never_show_the_password(self):
        for text in (repr(self.creds), str(self.creds),
                     '%s' % (self.creds,)):
            self.assertNotIn(PASSWORD, text)
            self.assertIn('***', text)


class TestPlugin(testtools.TestCase):

    def test_entry_point_and_options(self):
        mgr = named.NamedExtensionManager('fleet.collectors', ['ipmi'])
        cls = [e.plugin for e in mgr][0]
        self.assertIs(ipmi.IPMICollector, cls)
        names = [o.name for o in cls.get_config_opts()]
        self.assertEqual(['workers', 'timeout', 'sel_history'], names)
        for opt in cls.get_config_opts():
            self.assertTrue(opt.help)

    def test_options_reach_the_collector(self):
        conf = cfg.ConfigOpts()
        conf.register_opts(ipmi.IPMICollector.get_config_opts(),
                           group='collectors.ipmi')
        conf([], default_config_files=[])
        conf.set_override('workers', 4, group='collectors.ipmi')
        conf.set_override('timeout', 1.5, group='collectors.ipmi')
        c = ipmi.IPMICollector(conf['collectors.ipmi'])
        self.assertEqual((4, 1.5, False),
                         (c.workers, c.timeout, c.sel_history))


class SilentUdpPort(fixtures.Fixture):
    """A bound UDP port on 127.0.0.1 that never answers (a dead BMC)."""

    def _setUp(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(('127.0.0.1', 0))
        self.port = self.sock.getsockname()[1]
        self.addCleanup(self.sock.close)


class TestDeadline(testtools.TestCase):

    def test_silent_bmc_is_unknown_within_the_deadline(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        port = self.useFixture(SilentUdpPort()).port
        creds = {'dead-1': ('127.0.0.1', port, 'admin', PASSWORD)}
        c = ipmi.IPMICollector(None)
        c.timeout = 1.0
        started = time.monotonic()
        sweep = c.collect(['dead-1', 'no-creds'], creds)
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, 2.0)
        by_device = {r.device_id: r for r in sweep}
        self.assertEqual('unknown', by_device['dead-1'].status)
        self.assertTrue(by_device['dead-1'].reason.startswith('timeout: '))
        self.assertEqual(ipmi.NO_CREDENTIALS, by_device['no-creds'].reason)
        self.assertEqual({'dead-1', 'no-creds'}, set(sweep.failures))
        self.assertEqual(0, sweep.devices_read)
        self.assertIn('dead-1', logs.output)
        self.assertNotIn(PASSWORD, logs.output)
        # The next sweep does not pile another thread onto the same BMC.
        again = c.collect(['dead-1'], creds)
        self.assertIn('earlier sweep', again.failures['dead-1'])


class TestDeviceVariables(testtools.TestCase):
    """Credentials from the devices' resolved ``bmc``/``bmc_password``."""

    def test_credentials_from_variables(self):
        self.assertEqual(('bmc', 'bmc_password'),
                         tuple(ipmi.IPMICollector.variables))
        port = self.useFixture(SilentUdpPort()).port
        devices = [
            {'id': 1, 'name': 'n-1', 'mgmt_address': '127.0.0.1',
             'variables': {'bmc': {'driver': 'ipmi', 'port': port,
                                   'username': 'admin'},
                           'bmc_password': PASSWORD}},
            {'id': 2, 'name': 'n-2', 'mgmt_address': None,
             'variables': {'bmc': {'driver': 'redfish',
                                   'address': '10.0.0.2',
                                   'username': 'root'},
                           'bmc_password': PASSWORD}},
            {'id': 3, 'name': 'n-3', 'mgmt_address': None, 'variables': {}},
        ]
        c = ipmi.IPMICollector(None)
        c.timeout = 0.5
        sweep = c.collect(devices)
        self.assertTrue(sweep.failures[1].startswith(
            'timeout: 127.0.0.1:%d' % port), sweep.failures[1])
        self.assertEqual('not an IPMI BMC (driver redfish)',
                         sweep.failures[2])
        self.assertEqual(ipmi.NO_CREDENTIALS, sweep.failures[3])
        for reading in sweep:
            self.assertEqual('unknown', reading.status)
            self.assertNotIn(PASSWORD, str(reading))
