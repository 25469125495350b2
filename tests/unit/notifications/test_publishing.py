"""Fleet.transaction publishes committed events, never in the caller's way."""

import json
import threading
import time

from fleet.api import notifications
from tests import base
from tests.unit.notifications import helpers


class PublishingTestCase(base.FleetTestCase):

    def setUp(self):
        super().setUp()
        self.f = self.fleet()
        self.addCleanup(self.f.close)
        ctx = self.ctx
        self.f.clouds.create(ctx, 'c1')
        self.f.regions.create(ctx, 'r1')

    def use(self, **notifiers):
        self.f.notifications = notifications.Notifications(
            self.conf, notifiers=notifiers)
        return self.f.notifications

    def events(self, rec):
        self.assertTrue(self.f.notifications.flush(10))
        return rec.events


class TestPublishing(PublishingTestCase):

    def test_device_events_after_commit(self):
        rec = helpers.Recording()
        self.use(rec=rec)
        dev = self.f.devices.create(self.ctx, 'n1', serial='S1')
        self.f.devices.update(self.ctx.replace(reason='new board'), 'n1',
                              serial='S2', role='compute')
        self.f.devices.delete(self.ctx, 'n1')
        got = self.events(rec)
        types = [t for t, _p in got]
        self.assertEqual(['fleet.device.create', 'fleet.change.create',
                          'fleet.device.update', 'fleet.change.create',
                          'fleet.device.delete', 'fleet.change.create'],
                         types)
        create, update, delete = got[0][1], got[2][1], got[4][1]
        for payload in (create, update, delete):
            self.assertEqual({'id': dev['id'], 'name': 'n1',
                              'uuid': dev['uuid']}, payload['device'])
            self.assertIsNone(payload['project_id'])
            self.assertEqual('tester', payload['actor'])
            self.assertEqual(36, len(payload['event_id']))
        self.assertEqual({'old': None, 'new': 'S1'},
                         create['changes']['serial'])
        # One event per device, its field rows grouped.
        self.assertEqual({'serial': {'old': 'S1', 'new': 'S2'},
                          'role': {'old': None, 'new': 'compute'}},
                         update['changes'])
        self.assertEqual('delete', delete['action'])
        summary = got[3][1]
        self.assertEqual('new board', summary['reason'])
        self.assertEqual({'device': {'update': 2}}, summary['counts'])
        self.assertEqual([{'type': 'device', 'id': dev['id'], 'name': 'n1',
                           'action': 'update'}], summary['objects'])
        self.assertEqual(update['request_id'], summary['request_id'])

    def test_secret_values_stay_masked(self):
        rec = helpers.Recording()
        self.f.devices.create(self.ctx, 'n1')
        self.use(rec=rec)
        self.f.variables.set(self.ctx, 'device', 'n1',
                             {'bmc_password': 'hunter2-sekrit'}, secret=True)
        self.f.variables.set(self.ctx, 'device', 'n1', {'ntp': 'a'})
        got = self.events(rec)
        self.assertNotIn('hunter2-sekrit', json.dumps(got))
        update = got[0][1]
        self.assertEqual({'vars.bmc_password': {'old': None,
                                                'new': '******'}},
                         update['changes'])
        self.assertEqual({'vars.ntp': {'old': None, 'new': 'a'}},
                         got[2][1]['changes'])

    def test_nothing_on_dry_run(self):
        self.f.devices.create(self.ctx, 'n1', serial='S1')
        rec = helpers.Recording()
        self.use(rec=rec)
        with self.f.transaction(self.ctx.replace(dry_run=True)) as txn:
            txn.emit('fleet.alert.create', {'alert': 'x'})
        shown = self.f.devices.update(self.ctx.replace(dry_run=True), 'n1',
                                      serial='S2')
        self.assertEqual('S1', shown['serial'])
        self.assertEqual([], self.events(rec))

    def test_nothing_on_rollback(self):
        rec = helpers.Recording()
        self.use(rec=rec)
        try:
            with self.f.transaction(self.ctx) as txn:
                txn.emit('fleet.alert.create', {'alert': 'x'})
                txn.record('create', 'device', 1, 'ghost', new={})
                raise RuntimeError('boom')
        except RuntimeError:
            pass
        from fleet.common import exception
        self.assertRaises(exception.FleetError, self.f.devices.create,
                          self.ctx, 'n1', role='Bad!')
        self.assertEqual([], self.events(rec))

    def test_emit_carries_its_project(self):
        rec = helpers.Recording()
        self.use(rec=rec)
        with self.f.transaction(self.ctx) as txn:
            txn.emit('fleet.alert.create', {'alert': {'name': 'Disk'},
                                            'severity': 'critical'},
                     project_id='tenant-a')
        [(event_type, payload)] = self.events(rec)
        self.assertEqual('fleet.alert.create', event_type)
        self.assertEqual('tenant-a', payload['project_id'])
        self.assertEqual({'name': 'Disk'}, payload['alert'])
        self.assertEqual(self.ctx.request_id, payload['request_id'])

    def test_no_notifier_no_thread(self):
        self.f.devices.create(self.ctx, 'n1')
        self.assertFalse(self.f.notifications.enabled)
        self.assertFalse([t for t in threading.enumerate()
                          if t.name.startswith('fleet-notifier-')])
        self.assertEqual({}, self.f.notifications.stats())


class TestNeverBlocks(PublishingTestCase):

    def setUp(self):
        super().setUp()
        self.conf.set_override('retry_interval', 0.01,
                               group='notifications')
        self.conf.set_override('max_retries', 2, group='notifications')

    def test_queue_full_drops_and_counts(self):
        self.conf.set_override('queue_size', 2, group='notifications')
        gate = threading.Event()
        self.addCleanup(gate.set)
        rec = helpers.Recording(gate=gate)
        self.use(full=rec)
        sample = ('fleet_notifications_dropped_total',
                  {'notifier': 'full', 'reason': 'queue_full'})
        registry = notifications.metrics()['registry']
        before = registry.get_sample_value(*sample) or 0
        started = time.monotonic()
        for i in range(5):
            self.f.devices.create(self.ctx, 'n%d' % i)
        took = time.monotonic() - started
        self.assertLess(took, 5.0)
        stats = self.f.notifications.stats()['full']
        # 10 events; one taken by the blocked thread, two queued.
        self.assertEqual(7, stats['dropped_by_reason']['queue_full'])
        self.assertEqual(3, stats['pending'])
        self.assertEqual(7, registry.get_sample_value(*sample) - before)
        gate.set()
        self.assertTrue(self.f.notifications.flush(10))
        self.assertEqual(3, self.f.notifications.stats()['full']['sent'])

    def test_retries_then_delivers(self):
        rec = helpers.Recording(fail=2)
        self.use(flaky=rec)
        with self.f.transaction(self.ctx) as txn:
            txn.emit('fleet.alert.create', {'alert': 'x'})
        self.assertEqual(1, len(self.events(rec)))
        stats = self.f.notifications.stats()['flaky']
        self.assertEqual((1, 2, 0), (stats['sent'], stats['retried'],
                                     stats['dropped']))

    def test_retries_exhausted_are_dropped_and_counted(self):
        rec = helpers.Recording(fail=100)
        self.use(down=rec)
        with self.f.transaction(self.ctx) as txn:
            txn.emit('fleet.alert.create', {'alert': 'x'})
        self.assertEqual([], self.events(rec))
        self.assertEqual(3, rec.attempts)
        stats = self.f.notifications.stats()['down']
        self.assertEqual({'retries_exhausted': 1}, stats['dropped_by_reason'])
        self.assertEqual(2, stats['retried'])

    def test_refused_is_dropped_at_once(self):
        rec = helpers.Recording(refuse=True)
        self.use(picky=rec)
        with self.f.transaction(self.ctx) as txn:
            txn.emit('fleet.alert.create', {'alert': 'x'})
        self.events(rec)
        self.assertEqual(1, rec.attempts)
        self.assertEqual({'rejected': 1}, self.f.notifications.stats()[
            'picky']['dropped_by_reason'])

    def test_one_dead_notifier_does_not_delay_another(self):
        gate = threading.Event()
        self.addCleanup(gate.set)
        stuck, fine = helpers.Recording(gate=gate), helpers.Recording()
        self.use(stuck=stuck, fine=fine)
        self.f.devices.create(self.ctx, 'n1')
        deadline = time.monotonic() + 10
        while len(fine.events) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual(2, len(fine.events))
        self.assertEqual([], stuck.events)

    def test_close_waits_a_bounded_time_and_counts_what_is_left(self):
        gate = threading.Event()
        self.addCleanup(gate.set)
        self.use(stuck=helpers.Recording(gate=gate))
        for i in range(3):
            self.f.devices.create(self.ctx, 'n%d' % i)
        started = time.monotonic()
        self.f.notifications.close(timeout=0.3)
        took = time.monotonic() - started
        self.assertLess(took, 2.5)
        stats = self.f.notifications.stats()['stuck']
        # 6 events: one held by the stuck thread, 5 dropped at close.
        self.assertEqual({'shutdown': 5}, stats['dropped_by_reason'])

    def test_close_delivers_what_is_queued(self):
        rec = helpers.Recording()
        self.use(rec=rec)
        for i in range(20):
            self.f.devices.create(self.ctx, 'n%d' % i)
        self.f.close()
        self.assertEqual(40, len(rec.events))
        self.assertEqual(40, self.f.notifications.stats()['rec']['sent'])

    def test_events_after_close_are_counted_dropped(self):
        rec = helpers.Recording()
        self.use(rec=rec)
        self.f.devices.create(self.ctx, 'n1')
        self.f.close()
        self.f.devices.create(self.ctx, 'n2')
        self.assertEqual(2, len(rec.events))
        self.assertEqual({'shutdown': 2}, self.f.notifications.stats()[
            '(closed)']['dropped_by_reason'])


class TestMetricsEndpoint(PublishingTestCase):

    def test_fleet_api_metrics_serve_the_counters(self):
        import webob

        from fleet.wsgi import app as wsgi_app

        self.conf.set_override('auth_strategy', 'noauth', group='api')
        self.conf.set_override('retry_interval', 0.01,
                               group='notifications')
        self.conf.set_override('max_retries', 0, group='notifications')
        self.use(metered=helpers.Recording(fail=1))
        self.f.devices.create(self.ctx, 'n1')
        self.assertTrue(self.f.notifications.flush(10))
        app = wsgi_app.make_app(self.conf, fleet=self.f)
        resp = webob.Request.blank('/metrics').get_response(app)
        self.assertEqual(200, resp.status_int)
        lines = resp.text.splitlines()
        self.assertIn('fleet_notifications_sent_total{notifier="metered"} '
                      '1.0', lines)
        self.assertIn('fleet_notifications_dropped_total{notifier="metered",'
                      'reason="retries_exhausted"} 1.0', lines)
