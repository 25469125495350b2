"""fleet.api.capacity: thresholds, the rules of each kind, bad input.

The rules are pure functions over the objects openstacksdk returns; these
tests give them plain objects with the same attributes. The report over
the real services is tested in tests/functional/test_capacity.py.
"""

import datetime
import types

import testtools

from fleet.api import capacity
from fleet.api.capacity import headroom
from fleet.api.capacity import hypervisors
from fleet.api.capacity import instances
from fleet.api.capacity import network
from fleet.api.capacity import rows
from fleet.api.capacity import thresholds
from fleet.api.capacity import volumes
from fleet.common import exception

NOW = datetime.datetime(2026, 12, 1, 12, 0, 0)
DAY = 86400.0


def ago(seconds):
    return (NOW - datetime.timedelta(seconds=seconds)).isoformat() + 'Z'


class TestParseDuration(testtools.TestCase):

    def test_units_and_combinations(self):
        cases = {'0': 0, '3600': 3600, '1.5': 1.5, '90s': 90, '90m': 5400,
                 '12h': 43200, '7d': 7 * DAY, '2w': 14 * DAY,
                 '1d12h': 1.5 * DAY, ' 7D ': 7 * DAY, '1h30m': 5400}
        for text, seconds in cases.items():
            self.assertEqual(seconds, thresholds.parse_duration(text, 'f'),
                             text)
        self.assertEqual(60.0, thresholds.parse_duration(60, 'f'))

    def test_bad_durations_name_the_field(self):
        for bad in ('', '  ', 'soon', '7x', '-1', '-1d', 'd7', '7d-', '1e999',
                    'nan', None, True, float('inf')):
            err = self.assertRaises(exception.Invalid,
                                    thresholds.parse_duration, bad,
                                    '[capacity] idle_instance_after')
            self.assertEqual('[capacity] idle_instance_after', err.field)
            self.assertIn('use seconds (3600) or a duration', str(err))
            self.assertEqual(1, len(str(err).splitlines()))

    def test_describe(self):
        self.assertEqual('0s', thresholds.describe(0))
        self.assertEqual('45m', thresholds.describe(2700))
        self.assertEqual('1w1d', thresholds.describe(8 * DAY + 5))
        self.assertEqual('4m14s', thresholds.describe(254))


def server(id, status, updated, host='h1', project='p1'):
    return types.SimpleNamespace(
        id=id, name='vm-' + id, status=status, updated_at=updated,
        compute_host=host, hypervisor_hostname=host, project_id=project)


class TestIdleInstances(testtools.TestCase):

    STATUSES = ['SHUTOFF', 'PAUSED', 'SUSPENDED']

    def test_idle_statuses_older_than_the_threshold(self):
        servers = [server('a', 'SHUTOFF', ago(10 * DAY)),
                   server('b', 'SHUTOFF', ago(DAY)),         # too recent
                   server('c', 'ACTIVE', ago(30 * DAY)),     # running
                   server('d', 'PAUSED', ago(8 * DAY), project='p2'),
                   server('e', 'ERROR', ago(30 * DAY)),
                   server('f', 'shutoff', ago(9 * DAY)),
                   server('g', 'SHUTOFF', None)]             # no time
        got = instances.idle(servers, self.STATUSES, 7 * DAY, NOW)
        self.assertEqual(['a', 'f', 'd'], [r['id'] for r in got])
        self.assertEqual(('p2', 'PAUSED', 'h1', 8 * 86400),
                         (got[2]['project_id'], got[2]['status'],
                          got[2]['where'], got[2]['age']))
        self.assertEqual('SHUTOFF for 1w3d (threshold 1w)',
                         got[0]['detail'])
        self.assertEqual(ago(10 * DAY), got[0]['since'])

    def test_zero_threshold_reports_every_idle_one(self):
        got = instances.idle([server('b', 'SUSPENDED', ago(1))],
                             self.STATUSES, 0, NOW)
        self.assertEqual(['b'], [r['id'] for r in got])


def hypervisor(id, host, state='up', status='enabled', reason=None):
    return types.SimpleNamespace(
        id=id, name=host, state=state, status=status,
        service_details={'host': host, 'disabled_reason': reason})


class TestEmptyHypervisors(testtools.TestCase):

    def test_hosts_without_servers_in_any_status(self):
        hyps = [hypervisor('1', 'h1'), hypervisor('2', 'h2'),
                hypervisor('3', 'h3', status='disabled', reason='RMA')]
        servers = [server('a', 'ACTIVE', None, host='h1'),
                   server('b', 'SHUTOFF', None, host='h2')]
        got = hypervisors.empty(hyps, servers)
        self.assertEqual([('3', 'h3')], [(r['id'], r['name']) for r in got])
        self.assertEqual('no instances; service up/disabled (RMA)',
                         got[0]['detail'])
        self.assertIsNone(got[0]['project_id'])


def provider(id, name, **inventories):
    inv = {rc: {'total': t, 'reserved': r, 'allocation_ratio': a,
                'capacity': (t - r) * a}
           for rc, (t, r, a) in inventories.items()}
    return types.SimpleNamespace(id=id, name=name), inv


class TestHeadroom(testtools.TestCase):

    def test_inventories_minus_usages_by_scope(self):
        rp1, inv1 = provider('u1', 'h1', VCPU=(16, 0, 4.0),
                             MEMORY_MB=(65536, 512, 1.0))
        rp2, inv2 = provider('u2', 'h2', VCPU=(16, 2, 2.0),
                             DISK_GB=(500, 0, 1.0))
        rp3, inv3 = provider('u3', 'shared-disk', DISK_GB=(1000, 0, 1.0))
        providers = [(rp1, inv1, {'VCPU': 60, 'MEMORY_MB': 1024}),
                     (rp2, inv2, {}),
                     (rp3, inv3, {'DISK_GB': 100})]
        hosts = {'h1': hypervisor('u1', 'h1'), 'h2': hypervisor('x', 'h2')}
        got = headroom.headroom('R1', providers, hosts,
                                {'az1': ['h1'], 'az2': ['h2']},
                                {'big': ['h1', 'h2']})
        table = {(r['id'], r['resource_class']):
                 (r['capacity'], r['used'], r['free'], r['free_percent'])
                 for r in got}
        self.assertEqual((92.0, 60.0, 32.0, 34.8), table['region:R1', 'VCPU'])
        self.assertEqual((1500.0, 100.0, 1400.0, 93.3),
                         table['region:R1', 'DISK_GB'])
        self.assertEqual((64.0, 60.0, 4.0, 6.2),
                         table['availability_zone:az1', 'VCPU'])
        # h2's provider is found by name (its hypervisor id differs).
        self.assertEqual((28.0, 0.0, 28.0, 100.0),
                         table['availability_zone:az2', 'VCPU'])
        self.assertEqual((92.0, 60.0, 32.0, 34.8),
                         table['aggregate:big', 'VCPU'])
        # The shared disk belongs to no host: region only.
        self.assertEqual((500.0, 0.0, 500.0, 100.0),
                         table['aggregate:big', 'DISK_GB'])
        self.assertNotIn(('availability_zone:az1', 'DISK_GB'), table)

    def test_over_allocated_scope_is_full(self):
        rp, inv = provider('u1', 'h1', VCPU=(4, 0, 1.0))
        got = headroom.headroom('R1', [(rp, inv, {'VCPU': 6})],
                                {'h1': hypervisor('u1', 'h1')}, {}, {})
        self.assertEqual(('full', -2.0, -50.0),
                         (got[0]['status'], got[0]['free'],
                          got[0]['free_percent']))


class TestNetworkAndVolumes(testtools.TestCase):

    def test_floating_ips_without_port_and_ports_without_device(self):
        ips = [types.SimpleNamespace(
            id=i, floating_ip_address='203.0.113.%d' % n, port_id=port,
            project_id='p%d' % n, status='DOWN', updated_at=ago(60),
            created_at=None, floating_network_id='ext', description='')
            for n, (i, port) in enumerate([('f1', None), ('f2', 'port-x'),
                                           ('f3', '')])]
        self.assertEqual(['f1', 'f3'], [r['id'] for r in
                                        network.floating_ips(ips, NOW)])
        ports = [types.SimpleNamespace(
            id=i, name=i, device_id=dev, project_id='p1', status='DOWN',
            network_id='net', updated_at=None, created_at=ago(5),
            fixed_ips=[{'ip_address': '10.0.0.5'}])
            for i, dev in (('o1', ''), ('b1', 'server-1'), ('o2', None))]
        got = network.orphan_ports(ports, NOW)
        self.assertEqual(['o1', 'o2'], [r['id'] for r in got])
        self.assertEqual(('no device (fixed IP 10.0.0.5)', 5),
                         (got[0]['detail'], got[0]['age']))

    def test_volumes_available_longer_than_the_threshold(self):
        vols = [types.SimpleNamespace(
            id=i, name=i, status=st, attachments=att, project_id='p1',
            updated_at=upd, created_at=None, size=10,
            availability_zone='nova')
            for i, st, att, upd in (
                ('old', 'available', [], ago(9 * DAY)),
                ('new', 'available', [], ago(DAY)),
                ('used', 'in-use', [{'server_id': 's'}], ago(30 * DAY)),
                ('err', 'error', [], ago(30 * DAY)),
                ('cinder-time', 'available', [],
                 (NOW - datetime.timedelta(days=8)).isoformat()))]
        got = volumes.available(vols, 7 * DAY, NOW)
        self.assertEqual(['old', 'cinder-time'], [r['id'] for r in got])


class TestReportInput(testtools.TestCase):

    def test_unknown_kind(self):
        err = self.assertRaises(exception.Invalid, capacity.check_kinds,
                                ['volume', 'vm'])
        self.assertEqual('kind', err.field)
        self.assertIn("unknown kind 'vm'", str(err))
        self.assertEqual(['instance', 'volume'],
                         capacity.check_kinds(['volume', 'instance']))
        self.assertEqual(list(rows.KINDS), capacity.check_kinds(None))

    def test_times_of_each_service(self):
        self.assertEqual(datetime.datetime(2026, 12, 1, 10, 20, 30),
                         rows.parse_time('2026-12-01T10:20:30.000000'))
        self.assertEqual(datetime.datetime(2026, 12, 1, 9, 18, 49),
                         rows.parse_time('2026-12-01T10:18:49+01:00'))
        self.assertIsNone(rows.parse_time('yesterday'))
        self.assertIsNone(rows.parse_time(None))
