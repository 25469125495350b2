"""The ``nova`` collector against the lab's real Nova and Placement.

Also the nova source's migration: usage figures an earlier version wrote
into the ``nova`` variable are dropped by the next sync, recorded once.
Run under ``flock /tmp/fleet-lab.lock``: some tests disable or force down a
lab compute for a moment.
"""

import http.server
import json
import threading
import time
import urllib.error
import urllib.request

import fixtures

from fleet.api import context
from fleet.plugins import loader
from fleet.plugins.sources import nova as nova_source
from tests.functional import base
from tests.unit.plugins import test_prometheus_collector
from tests.unit import test_timeouts

CLASSES = (('VCPU', 'vcpus', ''), ('MEMORY_MB', 'memory', '_mb'),
           ('DISK_GB', 'disk', '_gb'))


class HidingPlacement(fixtures.Fixture):
    """A proxy to the real Placement that hides one resource provider.

    What Placement shows when a hypervisor has no resource provider (one
    that was deleted, or a compute that never reported): it is not in the
    listing and its URLs answer 404. Everything else is forwarded as is.
    """

    def __init__(self, upstream, hidden):
        super().__init__()
        self.upstream = upstream.rstrip('/')
        self.hidden = hidden

    def _setUp(self):
        fixture = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if fixture.hidden in self.path:
                    return self._send(404, b'{"errors": [{"status": 404}]}',
                                      {'Content-Type': 'application/json'})
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ('host', 'connection')}
                req = urllib.request.Request(fixture.upstream + self.path,
                                             headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, body = resp.status, resp.read()
                        out = dict(resp.headers.items())
                except urllib.error.HTTPError as exc:
                    status, body, out = exc.code, exc.read(), dict(
                        exc.headers.items())
                if self.path.split('?')[0].rstrip('/') == \
                        '/resource_providers' and status == 200:
                    doc = json.loads(body)
                    doc['resource_providers'] = [
                        rp for rp in doc['resource_providers']
                        if rp['uuid'] != fixture.hidden]
                    body = json.dumps(doc).encode()
                self._send(status, body, out)

            def _send(self, status, body, headers):
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ('content-length', 'connection',
                                           'transfer-encoding', 'date',
                                           'server'):
                        self.send_header(key, value)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.url = 'http://127.0.0.1:%d/' % server.server_address[1]


class NovaCollectorTest(base.LabTestCase):

    needs = ('nova',)

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(actor='functional')
        self.fleet('inventory', 'sync', 'nova')
        self.conn = self.sdk()
        self.computes = sorted(s.host for s in self.conn.compute.services()
                               if s.binary == 'nova-compute')

    def devices(self, fleet):
        return [{'id': d['id'], 'name': d['name'], 'uuid': d['uuid'],
                 'mgmt_address': d['mgmt_address'], 'variables': {}}
                for d in fleet.devices.list(self.ctx)]

    def plugin(self, fleet, **overrides):
        """The collector as ``fleet collect`` loads it, on the lab cloud."""
        import openstack
        fleet.conf.set_override('enabled_collectors', ['nova'],
                                group='collectors')
        return loader.load(
            'collectors', 'nova', fleet.conf,
            params={'connection_factory': lambda: openstack.connect(
                cloud='fleet-lab', **overrides)})

    def collect(self, fleet, **overrides):
        readings = self.plugin(fleet, **overrides).collect(
            self.devices(fleet))
        ids = {d['id']: d['name'] for d in self.devices(fleet)}
        return readings, {(ids[r.device_id], r.metric): r for r in readings}

    def expected_capacity(self, hostname):
        rp = [p for p in self.conn.placement.resource_providers()
              if p.name == hostname][0]
        usages = self.conn.placement.get(
            '/resource_providers/%s/usages' % rp.id).json()['usages']
        out = {}
        for inv in self.conn.placement.resource_provider_inventories(rp):
            for rc, kind, suffix in CLASSES:
                if inv.resource_class == rc:
                    capacity = (inv.total - inv.reserved) * \
                        inv.allocation_ratio
                    used = usages.get(rc, 0)
                    out[kind + '.capacity' + suffix] = capacity
                    out[kind + '.used' + suffix] = used
                    out[kind + '.free' + suffix] = capacity - used
        return out


class TestNovaReadings(NovaCollectorTest):

    def test_usage_instances_and_service_match_nova_and_placement(self):
        fleet = self.api()
        changes = len(fleet.changes.list(self.ctx, limit=None))
        readings, by_key = self.collect(fleet)
        servers = list(self.conn.compute.servers(all_projects=True,
                                                 details=True))
        hypervisors = {h.service_details['host']: h.name for h in
                       self.conn.compute.hypervisors(details=True)}
        # Only the compute hosts: the sync made no other device.
        self.assertEqual(set(self.computes),
                         {name for name, _m in by_key})
        for host in self.computes:
            want = self.expected_capacity(hypervisors[host])
            self.assertEqual(9, len(want))
            for metric, value in want.items():
                self.assertEqual((value, 'ok'), (
                    by_key[host, metric].value, by_key[host, metric].status),
                    metric)
            on_host = [s for s in servers if s.compute_host == host]
            self.assertEqual(len(on_host),
                             by_key[host, 'instances.total'].value)
            self.assertEqual(
                sum(1 for s in on_host if s.status == 'ACTIVE'),
                by_key[host, 'instances.running'].value)
            # Placement counts what the host's servers hold (a shut-off
            # server keeps its allocation); an empty host holds nothing.
            if on_host:
                self.assertGreater(by_key[host, 'vcpus.used'].value, 0)
            else:
                self.assertEqual(0, by_key[host, 'vcpus.used'].value)
            for metric, value in (('service.up', 1), ('service.enabled', 1),
                                  ('service.forced_down', 0)):
                self.assertEqual((value, 'ok'), (by_key[host, metric].value,
                                                 by_key[host, metric].status))
        self.assertEqual({'nova'}, {r.source for r in readings})
        fleet.telemetry.record(self.ctx, readings)
        shown = {r['Metric']: r for r in self.fleet_json(
            'metric', 'show', self.computes[0])}
        self.assertEqual(('vcpus', 'nova'), (shown['vcpus.used']['Unit'],
                                             shown['vcpus.used']['Source']))
        # Readings are not inventory: nothing was change-logged.
        self.assertEqual(changes, len(fleet.changes.list(self.ctx,
                                                         limit=None)))

    def test_devices_nova_does_not_know(self):
        fleet = self.api()
        region = fleet.devices.show(self.ctx, self.computes[0])['region']
        gone = fleet.devices.create(self.ctx, 'lab-retired-1',
                                    region=region)
        other = fleet.devices.create(self.ctx, 'lab-switch-1', type='switch',
                                     region=region)
        plugin = self.plugin(fleet)
        self.assertEqual(('nova',), plugin.variables)
        readings = plugin.collect([
            dict(gone, variables={'nova': {'state': 'up'}}),
            dict(other, variables={})])
        # The one that was a compute host is unknown; the other skipped.
        self.assertEqual({gone['id']}, {r.device_id for r in readings})
        self.assertEqual({'unknown'}, {r.status for r in readings})
        self.assertEqual({"no nova-compute service or hypervisor named "
                          "'lab-retired-1' in Nova"},
                         {r.reason for r in readings})
        self.assertIn('service.up', {r.metric for r in readings})

    def test_disabled_and_forced_down_services(self):
        svc = [s for s in self.conn.compute.services()
               if s.binary == 'nova-compute'][0]
        self.conn.compute.disable_service(
            svc, svc.host, 'nova-compute',
            disabled_reason='fleet collector test')
        self.addCleanup(self.conn.compute.enable_service, svc, svc.host,
                        'nova-compute')
        self.conn.compute.update_service_forced_down(
            svc, svc.host, 'nova-compute', True)
        self.addCleanup(self.conn.compute.update_service_forced_down, svc,
                        svc.host, 'nova-compute', False)
        _readings, by_key = self.collect(self.api())
        got = {m: (by_key[svc.host, m].value, by_key[svc.host, m].status)
               for m in ('service.up', 'service.enabled',
                         'service.forced_down')}
        self.assertEqual({'service.up': (0, 'critical'),
                          'service.enabled': (0, 'warning'),
                          'service.forced_down': (1, 'warning')}, got)
        self.assertEqual('fleet collector test',
                         by_key[svc.host, 'service.enabled'].reason)
        other = [h for h in self.computes if h != svc.host][0]
        self.assertEqual('ok', by_key[other, 'service.up'].status)

    def test_hypervisor_missing_from_placement_is_unknown_for_it_only(self):
        hyps = {h.service_details['host']: h for h in
                self.conn.compute.hypervisors(details=True)}
        gone, kept = self.computes
        proxy = self.useFixture(HidingPlacement(
            self.lab['nova']['placement_endpoint'], hyps[gone].id))
        _readings, by_key = self.collect(
            self.api(), placement_endpoint_override=proxy.url)
        for metric in ('vcpus.used', 'memory.free_mb', 'disk.capacity_gb'):
            reading = by_key[gone, metric]
            self.assertEqual((None, 'unknown'), (reading.value,
                                                 reading.status))
            self.assertEqual('no resource provider for hypervisor %s in '
                             'Placement' % hyps[gone].name, reading.reason)
            self.assertEqual('ok', by_key[kept, metric].status)
        self.assertEqual((1, 'ok'), (by_key[gone, 'service.up'].value,
                                     by_key[gone, 'service.up'].status))
        self.assertEqual('ok', by_key[gone, 'instances.total'].status)

    def test_placement_down_makes_capacity_unknown_not_service(self):
        port = test_prometheus_collector.closed_port()
        _readings, by_key = self.collect(
            self.api(),
            placement_endpoint_override='http://127.0.0.1:%d/' % port)
        for host in self.computes:
            reading = by_key[host, 'vcpus.free']
            self.assertEqual('unknown', reading.status)
            self.assertIn('Placement at http://127.0.0.1:%d' % port,
                          reading.reason)
            self.assertEqual('ok', by_key[host, 'service.up'].status)
            self.assertEqual('ok', by_key[host, 'instances.running'].status)

    def test_silent_placement_costs_one_timeout(self):
        peer = self.useFixture(test_timeouts.SilentPeer())
        fleet = self.api()
        plugin = self.plugin(fleet, placement_endpoint_override=(
            'http://127.0.0.1:%d/' % peer.port))
        fleet.conf.set_override('timeout', 0.5, group='collectors.nova')
        start = time.monotonic()
        readings = plugin.collect(self.devices(fleet))
        self.assertLess(time.monotonic() - start, 10)
        capacity = [r for r in readings if r.metric == 'vcpus.used']
        self.assertEqual(len(self.computes), len(capacity))
        for reading in capacity:
            self.assertEqual('unknown', reading.status)
            self.assertIn('127.0.0.1:%d' % peer.port, reading.reason)
            self.assertIn('no answer within 0.5 s', reading.reason)
        self.assertEqual({'ok'}, {r.status for r in readings
                                  if r.metric.startswith('service.')})


class TestUsageFactsMigrated(NovaCollectorTest):
    """Usage figures the nova source once recorded leave the inventory."""

    def test_next_sync_drops_them_once(self):
        fleet = self.api()
        plugin = loader.load_source(
            'nova', fleet.conf, {'connection_factory': self.sdk})
        snapshot = plugin.collect()
        # The inventory as the earlier source left it: the same facts plus
        # the usage figures it recorded.
        for record in snapshot.devices:
            record.facts['nova'].update(
                {key: 3 for key in nova_source.RETIRED_FACTS})
        fleet.sync.apply(self.ctx, 'nova', snapshot)
        before = len(fleet.changes.list(self.ctx, limit=None))
        rows = json.loads(self.fleet('inventory', 'sync', 'nova',
                                     '-f', 'json').stdout)
        self.assertEqual(sorted(('changed', host) for host in self.computes),
                         sorted((r['Action'], r['Name']) for r in rows))
        changes = fleet.changes.list(self.ctx, limit=None)
        self.assertEqual(len(self.computes), len(changes) - before)
        for host in self.computes:
            facts = {v['Key']: v['Value'] for v in self.fleet_json(
                'var', 'show', host)}['nova']
            for key in nova_source.RETIRED_FACTS:
                self.assertNotIn(key, facts)
            self.assertGreater(facts['vcpus'], 0)
            self.assertEqual('up', facts['state'])
            logged = self.fleet_json('change', 'list', '--type', 'device',
                                     '--name', host, '--limit', '1')[0]
            self.assertEqual(3, logged['Old']['vcpus_used'])
            self.assertNotIn('vcpus_used', logged['New'])
        # Nothing churns any more: a second sync changes nothing.
        self.assertEqual([], json.loads(self.fleet(
            'inventory', 'sync', 'nova', '-f', 'json').stdout))
        self.assertEqual(len(changes),
                         len(fleet.changes.list(self.ctx, limit=None)))
