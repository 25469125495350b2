"""Matchers, expiries, device-label values and alert bodies (no database)."""

import datetime

import testtools

from fleet.api.alerts import linking
from fleet.api.alerts import matchers
from fleet.api.alerts import payloads
from fleet.common import exception

NOW = datetime.datetime(2026, 12, 1, 10, 0, 0)


class TestMatchers(testtools.TestCase):

    def test_operators_and_anchored_regex(self):
        labels = {'alertname': 'NodeDown', 'instance': 'n1:9100'}
        for text, hit in (('alertname=NodeDown', True),
                          ('alertname="NodeDown"', True),
                          ('alertname!=NodeDown', False),
                          ('instance=~n1:.*', True),
                          ('instance=~n1', False),      # anchored
                          ('instance!~n2:.*', True),
                          ('missing=', True),           # absent is empty
                          ('missing!=', False)):
            self.assertEqual(hit, matchers.parse(text).matches(labels),
                             text)

    def test_alertmanager_api_form(self):
        m = matchers.from_dict({'name': 'job', 'value': 'node.*',
                                'isRegex': True, 'isEqual': False})
        self.assertEqual('job!~node.*', str(m))

    def test_expiry(self):
        self.assertEqual(NOW + datetime.timedelta(hours=2),
                         matchers.parse_expiry('2h', NOW))
        self.assertEqual(datetime.datetime(2026, 12, 1, 17),
                         matchers.parse_expiry('2026-12-01T18:00:00+01:00',
                                               NOW))
        for bad in ('2026-12-01T09:59:59Z', '-1h', '1y', '', None):
            err = self.assertRaises(exception.Invalid, matchers.parse_expiry,
                                    bad, NOW)
            self.assertEqual('expires', err.field)


class TestDeviceLabelValues(testtools.TestCase):

    def test_ports_schemes_and_brackets_go(self):
        for value, host in (('n1:9100', 'n1'), ('n1', 'n1'),
                            ('10.0.0.1:9100', '10.0.0.1'),
                            ('[2001:db8::1]:9100', '2001:db8::1'),
                            ('2001:db8::1', '2001:db8::1'),
                            ('https://user@n1.example:8443/metrics',
                             'n1.example'),
                            ('n1:notaport', 'n1:notaport')):
            self.assertEqual(host, linking.host_of(value), value)


class TestAlertBodies(testtools.TestCase):

    def test_hostile_alerts_rejected_one_by_one(self):
        hostile = [
            {'status': 'firing', 'labels': {'alertname': 'x' * 256}},
            {'status': 'firing', 'labels': {'alertname': 'A',
                                            'v': 'x' * 1025}},
            {'status': 'firing',
             'labels': {'alertname': 'A', 'bad-name': 'x'}},
            {'status': 'firing', 'labels': dict(
                {'l%d' % i: 'v' for i in range(65)}, alertname='A')},
            {'status': 'firing', 'labels': {'alertname': 'A',
                                            'nested': {'a': 1}}},
            {'status': 'firing', 'labels': ['alertname', 'A']},
            {'status': 'firing', 'labels': {'alertname': 'A'},
             'annotations': {'x': None}},
            {'status': 'firing', 'labels': {'alertname': 'A'},
             'fingerprint': '../../etc/passwd'},
            {'status': 'firing', 'labels': {'alertname': 'A'},
             'startsAt': '2026-13-45T99:00:00Z'},
            {'status': ['firing'], 'labels': {'alertname': 'A'}},
            {'status': 'firing', 'labels': {'alertname': 'A'},
             'generatorURL': 7},
        ]
        good = {'status': 'firing', 'labels': {'alertname': 'Good'}}
        incoming, rejected = payloads.alertmanager(
            {'version': '4', 'alerts': hostile + [good]})
        self.assertEqual(['Good'], [i.name for i in incoming])
        self.assertEqual(list(range(len(hostile))),
                         [r['index'] for r in rejected])
        for r in rejected:
            self.assertTrue(r['field'].startswith('alerts[%d]' % r['index']))
            self.assertLess(len(r['message']), 200)

    def test_a_checked_fingerprint_is_checked_again_when_it_differs(self):
        good = {'status': 'firing', 'fingerprint': 'feedc0de00000001',
                'labels': {'alertname': 'A', 'instance': 'n1:9100'},
                'annotations': {'summary': 'ok'}}
        for _ in range(2):
            incoming, rejected = payloads.alertmanager({'alerts': [good]})
            self.assertEqual(([], 'A'), (rejected, incoming[0].name))
        for labels, annotations, field in (
                ({'alertname': 'A', 'bad-name': 'x'}, {}, 'labels'),
                ({'alertname': 'A', 'instance': 7}, {},
                 'labels.instance'),
                ({'alertname': 'A', 'instance': 'n1:9100'},
                 {'summary': None}, 'annotations.summary'),
                ({'alertname': 'A', 'instance': 'n1:9100',
                  'severity': 'Very Bad!'}, {'summary': 'ok'},
                 'labels.severity')):
            _, rejected = payloads.alertmanager({'alerts': [dict(
                good, labels=labels, annotations=annotations)]})
            self.assertEqual(['alerts[0].' + field],
                             [r['field'] for r in rejected])
        incoming, _ = payloads.alertmanager({'alerts': [dict(
            good, labels={'alertname': 'B'})]})
        self.assertEqual(('B', {'alertname': 'B'}),
                         (incoming[0].name, incoming[0].labels))

    def test_a_repeated_receipt_is_read_as_the_last_and_changes_are_read(
            self):
        first = {'status': 'firing', 'fingerprint': 'feedc0de00000002',
                 'labels': {'alertname': 'R', 'severity': 'critical'},
                 'annotations': {'summary': 'ok'},
                 'startsAt': '2026-12-01T10:00:00Z',
                 'endsAt': '0001-01-01T00:00:00Z',
                 'generatorURL': 'http://prometheus/graph'}

        def read(**changes):
            incoming, rejected = payloads.alertmanager(
                {'alerts': [dict(first), dict(first, **changes)]})
            self.assertEqual(0, incoming[0].index)
            return incoming[-1], [r['field'] for r in rejected]

        item, _ = read()
        self.assertEqual(
            (1, 'firing', 'critical', NOW, None, 'http://prometheus/graph'),
            (item.index, item.status, item.severity, item.starts_at,
             item.ends_at, item.generator_url))
        item, _ = read(status='resolved', endsAt='2026-12-01T10:05:00Z')
        self.assertEqual(('resolved', datetime.datetime(2026, 12, 1, 10, 5)),
                         (item.status, item.ends_at))
        item, _ = read(startsAt='2026-12-01T10:01:00Z', generatorURL='')
        self.assertEqual((datetime.datetime(2026, 12, 1, 10, 1), None),
                         (item.starts_at, item.generator_url))
        for changes, field in (({'status': 'bogus'}, 'status'),
                               ({'startsAt': 'soon'}, 'startsAt'),
                               ({'generatorURL': 7}, 'generatorURL')):
            self.assertEqual(['alerts[1].' + field], read(**changes)[1])
        # The receipt that was read last is still read the same.
        item, _ = read()
        self.assertEqual(('firing', NOW), (item.status, item.starts_at))

    def test_alertmanager_times(self):
        [item], _ = payloads.alertmanager({'alerts': [{
            'status': 'resolved', 'labels': {'alertname': 'A'},
            'startsAt': '2026-12-01T10:00:00.123456789+01:00',
            'endsAt': '0001-01-01T00:00:00Z'}]})
        self.assertEqual(datetime.datetime(2026, 12, 1, 9, 0, 0, 123456),
                         item.starts_at)
        self.assertIsNone(item.ends_at)

    def test_fingerprint_is_stable(self):
        self.assertEqual(payloads.fingerprint('A', {'a': '1', 'b': '2'}),
                         payloads.fingerprint('A', {'b': '2', 'a': '1'}))
        self.assertNotEqual(payloads.fingerprint('A', {'a': '1'}),
                            payloads.fingerprint('A', {'a': '2'}))
        self.assertNotEqual(payloads.fingerprint('A', {'ab': 'c'}),
                            payloads.fingerprint('A', {'a': 'bc'}))
