"""The ironic collector against the lab's real Ironic and RabbitMQ.

The lab's Ironic polls its ipmi nodes' simulated BMCs every few seconds
(``[sensor_data] send_sensor_data``) and sends ``hardware.ipmi.metrics``
notifications to the lab's RabbitMQ. The inventory is synced from that
Ironic, so the devices carry the node uuids; ``fleet collect --collector
ironic`` must store temperature and fan readings (source ``ironic``) for
them. A malformed notification, published here with an oslo.messaging
Notifier on the same exchange and topic, is counted and skipped while the
real ones still land.
"""

import json
import logging
import uuid
import warnings

import fixtures
from oslo_config import cfg

from fleet.plugins.collectors import ironic
from tests.functional import base

#: The functional tests' own listener pool (queue), bounded by the lab.
POOL = 'fleet-functional'


class IronicCollectorTest(base.LabTestCase):

    needs = ('ironic',)

    def setUp(self):
        super().setUp()
        notes = self.lab['ironic'].get('notifications')
        if not notes:
            self.fail('the lab\'s Ironic sends no sensor notifications; '
                      'run: python3 -m tools.lab up')
        self.notes = notes
        # Longer than Ironic's interval: a collect always sees a round.
        self.wait = notes['sensor_interval'] * 2 + 10
        with open(self.conf_file, 'a') as f:
            f.write('\n[collectors]\nenabled_collectors = ironic\n'
                    '\n[collectors.ironic]\ntransport_url = %s\n'
                    'pool = %s\nwait = %d\nsettle = 3\nmax_wait = %d\n'
                    % (notes['transport_url'], POOL, self.wait,
                       self.wait + 20))
        self.fleet('inventory', 'sync', 'ironic')

    def collector(self):
        c = ironic.IronicCollector(None)
        c.transport_url, c.pool = self.notes['transport_url'], POOL
        c.wait, c.settle, c.max_wait = self.wait, 3, self.wait + 20
        return c

    def test_sensor_readings_land_for_the_synced_device(self):
        # Ironic reads its nodes one after another; the frozen BMC holds
        # the next node back for [ipmi] command_retry_timeout, so one
        # collect may end (``settle``) before lab-compute-1's notification
        # of the round; what it missed stays queued for the next collect.
        for _attempt in range(3):
            collect = self.fleet('collect', '--collector', 'ironic', '-f',
                                 'json')
            row = {r['Collector']: r for r in json.loads(collect.stdout)}[
                'ironic']
            self.assertIsNone(row['Error'])
            self.assertGreaterEqual(row['Read'], 1, collect.stdout +
                                    collect.stderr)
            got = json.loads(self.fleet('metric', 'list', '--device',
                                        'lab-compute-1', '--long', '-f',
                                        'json').stdout)
            by_metric = {r['Metric']: r for r in got}
            if 'temperature.cpu_temp' in by_metric:
                break
        cpu = by_metric['temperature.cpu_temp']
        self.assertEqual(('celsius', 'ironic', 'ok'),
                         (cpu['Unit'], cpu['Source'], cpu['Status']))
        self.assertGreater(cpu['Value'], 0)
        fan = by_metric['fan.fan_1']
        self.assertEqual(('rpm', 'ironic'), (fan['Unit'], fan['Source']))
        self.assertGreater(fan['Value'], 0)
        self.assertIn('voltage.12v', by_metric)

    def test_malformed_notification_is_counted_and_skipped(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.WARNING))
        c = self.collector()
        c.collect([])           # the pool's queue exists from here on
        node = self.lab_node_uuid('lab-compute-1')
        self._publish([
            ('hardware.ipmi.metrics', {'node_uuid': node,
                                       'payload': 'not sensor data'}),
            ('hardware.ipmi.metrics', {'no': 'node uuid'}),
            ('hardware.ipmi.metrics', {'node_uuid': node, 'payload': {
                'Fan': {'Fan 9 (0x49)': {'Sensor ID': 'Fan 9 (0x49)',
                                         'Sensor Reading': 'lots RPM'}}}}),
            ('hardware.ipmi.metrics', {'node_uuid': node, 'payload': {
                'Fan': {'Fan 8 (0x48)': {'Sensor ID': 'Fan 8 (0x48)',
                                         'Sensor Reading': 'Disabled'}}}}),
        ])
        # Settle longer than Ironic's interval: a real round comes too.
        c.settle = self.notes['sensor_interval'] + 3
        devices = [{'id': 1, 'name': 'lab-compute-1', 'uuid': node,
                    'variables': {}}]
        drain = c.collect(devices)
        self.assertEqual(3, drain.bad_count, drain.bad)
        self.assertIn('payload has no "node_uuid"', drain.bad)
        self.assertTrue(any('lots RPM' in r for r in drain.bad), drain.bad)
        self.assertIn('skipped 3 unreadable', logs.output)
        metrics = {r.metric for r in drain}
        self.assertNotIn('fan.fan_8', metrics)      # Disabled: skipped
        self.assertNotIn('fan.fan_9', metrics)
        # The real notifications of the same drain still land.
        self.assertIn('temperature.cpu_temp', metrics)
        self.assertEqual({'ironic'}, {r.source for r in drain})

    def lab_node_uuid(self, name):
        from tools.lab import ironic as lab_ironic
        return lab_ironic.api('GET', '/v1/nodes/%s' % name)['uuid']

    def _publish(self, notifications):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            import oslo_messaging as messaging
        conf = cfg.ConfigOpts()
        conf([], project='fleet-functional', default_config_files=[],
             default_config_dirs=[])
        # Registers the transport options, control_exchange among them.
        messaging.get_notification_transport(
            conf, url=self.notes['transport_url']).cleanup()
        conf.set_override('control_exchange', self.notes['exchange'])
        transport = messaging.get_notification_transport(
            conf, url=self.notes['transport_url'])
        self.addCleanup(transport.cleanup)
        notifier = messaging.Notifier(
            transport, publisher_id='functional.%s' % uuid.uuid4().hex[:8],
            driver='messagingv2', topics=[self.notes['topic']])
        for event_type, payload in notifications:
            notifier.info({}, event_type, payload)
