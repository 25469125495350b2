"""The ``prometheus`` collector against a real Prometheus and node-exporter.

The lab's Prometheus (``lab.json`` ``prometheus``: node-exporters with their
own ``host`` label standing in for several hosts) when it runs; otherwise a
throwaway Debian ``prometheus`` scraping a throwaway
``prometheus-node-exporter``, both on free 127.0.0.1 ports. A dead target
is always a throwaway Prometheus scraping a closed port beside a live
exporter. Faults a real Prometheus can't easily show are unit tests
(``tests/unit/plugins/test_prometheus_collector.py``).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import fixtures

from fleet.api import context
from fleet.plugins.collectors import prometheus
from fleet.plugins import loader
from tests.functional import base
from tests.unit.plugins import test_prometheus_collector

GROUP = 'collectors.prometheus'
BINARIES = ('prometheus', 'prometheus-node-exporter')
#: The scrape interval of throwaway Prometheus servers, in seconds.
SCRAPE = 1


def query(url, promql):
    data = urllib.parse.urlencode({'query': promql}).encode()
    with urllib.request.urlopen(url + '/api/v1/query', data,
                                timeout=5) as resp:
        return json.load(resp)['data']['result']


def ready(url):
    try:
        with urllib.request.urlopen(url + '/-/ready', timeout=3):
            return True
    except OSError:
        return False


class Throwaway(fixtures.Fixture):
    """node-exporter and Prometheus on free 127.0.0.1 ports (LAB.md flags).

    :param hosts: ``{host label: target}``; a target of None is a
        node-exporter started here, else a ``host:port`` as is.
    """

    def __init__(self, hosts):
        super().__init__()
        self.hosts = hosts

    def _start(self, argv):
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        self.addCleanup(self._stop, proc)
        return proc

    @staticmethod
    def _stop(proc):
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _setUp(self):
        missing = [b for b in BINARIES if not shutil.which(b)]
        if missing:
            raise AssertionError(
                '%s not installed; run: apt-get install -y '
                '--no-install-recommends prometheus prometheus-node-exporter'
                % ', '.join(missing))
        work = tempfile.mkdtemp(prefix='fleet-prometheus-')
        self.addCleanup(shutil.rmtree, work, True)
        configs = []
        for host, target in sorted(self.hosts.items()):
            if target is None:
                port = test_prometheus_collector.closed_port()
                target = '127.0.0.1:%d' % port
                self._start(['prometheus-node-exporter',
                             '--web.listen-address=' + target,
                             '--no-collector.systemd'])
            configs.append('      - targets: ["%s"]\n'
                           '        labels: {host: "%s"}\n' % (target, host))
        config = os.path.join(work, 'prometheus.yml')
        with open(config, 'w') as f:
            f.write('global:\n  scrape_interval: %ds\n'
                    'scrape_configs:\n  - job_name: node\n'
                    '    static_configs:\n%s' % (SCRAPE, ''.join(configs)))
        port = test_prometheus_collector.closed_port()
        self.url = 'http://127.0.0.1:%d' % port
        self._start(['prometheus', '--config.file=' + config,
                     '--storage.tsdb.path=' + os.path.join(work, 'data'),
                     '--web.listen-address=127.0.0.1:%d' % port])
        deadline = time.monotonic() + 60
        live = [h for h, t in self.hosts.items() if t is None]
        while time.monotonic() < deadline:
            if ready(self.url):
                rated = {r['metric'].get('host') for r in query(
                    self.url, 'rate(node_cpu_seconds_total[10s])')}
                targets = {r['metric'].get('host') for r in query(
                    self.url, 'up')}
                if set(live) <= rated and set(self.hosts) <= targets:
                    return
            time.sleep(0.5)
        raise AssertionError('throwaway Prometheus at %s has no rates after '
                             '60 s' % self.url)


class PrometheusTest(base.LabTestCase):

    needs = ()

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(actor='functional')
        self.api_ = self.api()
        self.api_.clouds.create(self.ctx, 'lab')
        self.api_.regions.create(self.ctx, 'r1', cloud='lab')

    def use_prometheus(self):
        """(url, host names): the lab's Prometheus, else a throwaway one."""
        info = self.lab.get('prometheus')
        if info and ready(info['endpoint']):
            self.assertEqual('host', info.get('host_label', 'host'))
            return info['endpoint'], sorted(
                e['host'] for e in info['node_exporters'])
        fake = self.useFixture(Throwaway({'fx-node-1': None,
                                          'fx-node-2': None}))
        return fake.url, ['fx-node-1', 'fx-node-2']

    def add_devices(self, names, variables=None):
        out = []
        for name in names:
            dev = self.api_.devices.create(self.ctx, name, region='r1')
            out.append(dict(dev, variables=(variables or {}).get(name, {})))
        return out

    def collector(self, url, **options):
        conf = self.api_.conf
        conf.set_override('enabled_collectors', ['prometheus'],
                          group='collectors')
        loader.load('collectors', 'prometheus', conf)  # registers options
        conf.set_override('url', url, group=GROUP)
        conf.set_override('rate_window', '%ds' % max(10, 8 * SCRAPE),
                          group=GROUP)
        for key, value in options.items():
            conf.set_override(key, value, group=GROUP)
        return loader.load('collectors', 'prometheus', conf)

    @staticmethod
    def by_key(devices, readings):
        names = {d['id']: d['name'] for d in devices}
        return {(names[r.device_id], r.metric): r for r in readings}


class TestPrometheusReadings(PrometheusTest):

    def test_every_host_figure_lands(self):
        url, hosts = self.use_prometheus()
        devices = self.add_devices(hosts[:2] + ['unmonitored-1'])
        changes = len(self.api_.changes.list(self.ctx, limit=None))
        readings = self.collector(url).collect(devices)
        got = self.by_key(devices, readings)
        self.assertEqual(set(hosts[:2]), {name for name, _m in got})
        for host in hosts[:2]:
            for metric in prometheus.HOST_METRICS:
                self.assertEqual('ok', got[host, metric].status,
                                 (metric, got[host, metric].reason))
            self.assertTrue(0 <= got[host, 'cpu.busy_percent'].value <= 100)
            self.assertGreater(got[host, 'memory.used_bytes'].value, 0)
            for direction in ('receive', 'transmit'):
                self.assertGreaterEqual(got[
                    host, 'network.%s_bytes_per_second' % direction].value,
                    0)
            direct = float(query(url, 'node_memory_MemAvailable_bytes'
                                 '{host="%s"}' % host)[0]['value'][1])
            self.assertAlmostEqual(
                1, got[host, 'memory.available_bytes'].value / direct,
                delta=0.2)
            root = {m.split('.')[-1]: r.value for (h, m), r in got.items()
                    if h == host and m.startswith('filesystem.root.')}
            self.assertEqual({'free_bytes', 'used_bytes', 'used_percent'},
                             set(root))
            self.assertTrue(0 < root['used_percent'] < 100)
            self.assertAlmostEqual(
                root['used_percent'],
                100 * root['used_bytes'] / (root['used_bytes'] +
                                            root['free_bytes']))
            disks = [m for (h, m) in got if h == host and
                     m.startswith('disk.')]
            self.assertTrue(disks)
            for metric in disks:
                self.assertTrue(metric.endswith('.io_time_percent'), metric)
                self.assertTrue(0 <= got[host, metric].value <= 100)
        self.assertEqual({'prometheus'}, {r.source for r in readings})
        self.api_.telemetry.record(self.ctx, readings)
        listed = {r['Metric']: r for r in self.fleet_json(
            'metric', 'list', '--device', hosts[0])}
        self.assertEqual(('percent', 'ok'), (
            listed['cpu.busy_percent']['Unit'],
            listed['cpu.busy_percent']['Status']))
        self.assertEqual(changes, len(self.api_.changes.list(self.ctx,
                                                             limit=None)))

    def test_device_variable_maps_devices_to_hosts(self):
        url, hosts = self.use_prometheus()
        devices = self.add_devices(
            ['alias-1', hosts[1]],
            {'alias-1': {'monitoring': {'host': hosts[0]}}})
        plugin = self.collector(url, device_variable='monitoring.host')
        self.assertEqual(('monitoring',), plugin.variables)
        got = self.by_key(devices, plugin.collect(devices))
        # hosts[1] has no such variable: not selected.
        self.assertEqual({'alias-1'}, {name for name, _m in got})
        self.assertEqual('ok', got['alias-1', 'memory.used_bytes'].status)


class TestDeadTarget(PrometheusTest):

    def test_target_down_is_unknown_for_that_host(self):
        dead = '127.0.0.1:%d' % test_prometheus_collector.closed_port()
        fake = self.useFixture(Throwaway({'fx-live-1': None,
                                          'fx-dead-1': dead}))
        devices = self.add_devices(['fx-live-1', 'fx-dead-1'])
        got = self.by_key(devices, self.collector(fake.url).collect(devices))
        for metric in prometheus.HOST_METRICS:
            self.assertEqual('ok', got['fx-live-1', metric].status)
            reading = got['fx-dead-1', metric]
            self.assertEqual(('unknown', 'node-exporter target of '
                              'host="fx-dead-1" is down (up=0)'),
                             (reading.status, reading.reason))
