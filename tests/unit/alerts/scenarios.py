"""Alert intake, dedupe, rules, silences and actions on every backend."""

import datetime
import os

import sqlalchemy as sa

from fleet.api.alerts import payloads
from fleet.common import exception
from fleet.common.readings import Reading
from fleet.db import alert_models
from fleet.db import models
from fleet.plugins.collectors.ipmi_data import SelEvent

T0 = datetime.datetime(2026, 12, 1, 10, 0, 0)


def am_alert(name='NodeDown', status='firing', starts='2026-12-01T10:00:00Z',
             fingerprint=None, **labels):
    alert = {'status': status, 'labels': dict(labels, alertname=name),
             'annotations': {'summary': '%s on %s' % (
                 name, labels.get('instance', '?'))},
             'startsAt': starts,
             'endsAt': '2026-12-01T11:00:00Z' if status == 'resolved'
             else '0001-01-01T00:00:00Z',
             'generatorURL': 'http://prometheus/graph?g0.expr=up'}
    if fingerprint:
        alert['fingerprint'] = fingerprint
    return alert


def am_post(*alerts, status='firing'):
    return {'version': '4', 'receiver': 'fleet', 'status': status,
            'alerts': list(alerts), 'groupLabels': {}, 'commonLabels': {},
            'commonAnnotations': {}, 'externalURL': 'http://am',
            'groupKey': '{}:{}', 'truncatedAlerts': 0}


class AlertScenarios:
    """Mixed into a FleetTestCase per backend."""

    def setUp(self):
        super().setUp()
        self.api = self.fleet()
        f, ctx = self.api, self.ctx
        f.clouds.create(ctx, 'prod')
        f.regions.create(ctx, 'r1', cloud='prod')
        self.ids = {}
        for name, mgmt in (('n1', '10.0.0.1'), ('n2', '10.0.0.2')):
            self.ids[name] = f.devices.create(
                ctx, name, mgmt_address=mgmt)['id']
        self.uuid_n2 = f.devices.show(ctx, 'n2')['uuid']
        f.variables.set(ctx, 'device', 'n2', {
            'bmc': {'address': '192.0.2.12', 'driver': 'ipmi'}})

    def alerts(self, **kw):
        return self.api.alerts.list(self.ctx, **kw)

    def count(self, model):
        with self.api.reading() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(model))

    def generic(self, now, *alerts):
        incoming, rejected = payloads.generic({'alerts': list(alerts)})
        return self.api.alerts.intake.ingest(self.ctx, incoming, rejected,
                                             now=now)

    def rules_file(self, text):
        path = os.path.join(self.state_dir, 'rules.yaml')
        with open(path, 'w') as f:
            f.write(text)
        self.conf.set_override('rules_file', path, group='alerts')
        return path

    # -- intake and dedupe ----------------------------------------------------
    def test_alertmanager_firing_linked_deduplicated(self):
        post = am_post(am_alert(instance='n1:9100', severity='critical',
                                fingerprint='a1b2c3d4e5f60718'))
        r = self.api.alerts.receive_alertmanager(self.ctx, post)
        self.assertEqual((1, 1, 0, []), (r.accepted, r.created, r.updated,
                                         r.rejected))
        self.api.alerts.receive_alertmanager(self.ctx, post)
        [alert] = self.alerts()
        self.assertEqual(
            ('NodeDown', 'firing', 'firing', 'critical', 'n1', False, 1, 2,
             'alertmanager', 'a1b2c3d4e5f60718', True),
            tuple(alert[k] for k in (
                'name', 'status', 'state', 'severity', 'device',
                'device_unknown', 'occurrences', 'received', 'source',
                'fingerprint', 'actionable')))
        self.assertEqual(datetime.datetime(2026, 12, 1, 10), alert[
            'starts_at'])
        self.assertEqual('n1:9100', alert['labels']['instance'])
        # A new startsAt is a new occurrence of the same alert.
        self.api.alerts.receive_alertmanager(self.ctx, am_post(am_alert(
            instance='n1:9100', severity='critical',
            starts='2026-12-01T10:05:00.123456789Z',
            fingerprint='a1b2c3d4e5f60718')))
        alert = self.api.alerts.get(self.ctx, alert['id'])
        self.assertEqual((2, 3), (alert['occurrences'], alert['received']))
        # One create row in the change log; repeats are not state changes.
        history = self.api.alerts.history(self.ctx, alert['id'])
        self.assertEqual([('create', None, 'firing')],
                         [(h['action'], h['old'], h['new'])
                          for h in history])

    def test_resolved_post_resolves(self):
        fp = 'feedbeef00000001'
        self.api.alerts.receive_alertmanager(self.ctx, am_post(am_alert(
            instance='n1:9100', fingerprint=fp)))
        r = self.api.alerts.receive_alertmanager(self.ctx, am_post(am_alert(
            instance='n1:9100', fingerprint=fp, status='resolved'),
            status='resolved'))
        self.assertEqual(1, r.resolved)
        alert = self.api.alerts.get(self.ctx, fp)
        self.assertEqual(('resolved', 'resolved', False),
                         (alert['status'], alert['state'],
                          alert['actionable']))
        self.assertEqual(datetime.datetime(2026, 12, 1, 11),
                         alert['ends_at'])
        self.assertEqual([alert['id']], [a['id'] for a in self.alerts(
            status='resolved')])
        self.assertEqual([], self.alerts(status='firing'))
        self.assertEqual(['create', 'resolve'], [
            h['action'] for h in self.api.alerts.history(self.ctx, fp)])

    def test_device_by_uuid_mgmt_and_bmc_address_unknown_kept(self):
        post = am_post(
            am_alert('A', node=self.uuid_n2),
            am_alert('B', instance='10.0.0.1:9100'),
            am_alert('C', bmc_address='192.0.2.12'),
            am_alert('D', instance='http://[2001:db8::1]:9100/metrics'),
            am_alert('E', job='cluster'))
        self.api.alerts.receive_alertmanager(self.ctx, post)
        got = {a['name']: (a['device'], a['device_unknown'])
               for a in self.alerts()}
        self.assertEqual({'A': ('n2', False), 'B': ('n1', False),
                          'C': ('n2', False), 'D': (None, True),
                          'E': (None, False)}, got)
        # The unknown device appears in the inventory: the next receipt
        # links the alert.
        self.api.devices.create(self.ctx, 'n3', mgmt_address='2001:db8::1')
        self.api.alerts.receive_alertmanager(self.ctx, post)
        [d] = self.alerts(name='D')
        self.assertEqual(('n3', False), (d['device'], d['device_unknown']))
        self.assertEqual(['D'], [a['name'] for a in self.alerts(
            device='n3')])

    def test_bad_alert_rejected_others_of_the_post_stored(self):
        post = am_post(
            am_alert('Good', instance='n1:9100'),
            dict(am_alert('BadStatus'), status='burning'),
            {'status': 'firing', 'labels': {'alertname': 'X', 'n': 5}},
            'not an object',
            dict(am_alert('BadTime'), startsAt='yesterday'),
            {'status': 'firing', 'labels': {}},
            dict(am_alert('BadSeverity', severity='!!!')),
            am_alert('AlsoGood', host='n2'))
        r = self.api.alerts.receive_alertmanager(self.ctx, post)
        self.assertEqual(2, r.accepted)
        self.assertEqual([
            (1, 'alerts[1].status'), (2, 'alerts[2].labels.n'),
            (3, 'alerts[3]'), (4, 'alerts[4].startsAt'),
            (5, 'alerts[5].labels.alertname'),
            (6, 'alerts[6].labels.severity')],
            [(x['index'], x['field']) for x in r.rejected])
        self.assertTrue(all(x['message'].startswith(x['field'] + ': ')
                            for x in r.rejected))
        self.assertEqual(['AlsoGood', 'Good'],
                         sorted(a['name'] for a in self.alerts()))
        self.assertEqual(6, self.api.alerts.intake.counts['rejected'])

    def test_bad_post_as_a_whole_stores_nothing(self):
        for body, field in (([], 'body'), ({'alerts': {}}, 'alerts'),
                            ({'version': '3', 'alerts': []}, 'version'),
                            ({'alerts': None}, 'alerts'),
                            ({'status': 'x', 'alerts': []}, 'status')):
            err = self.assertRaises(
                exception.Invalid, self.api.alerts.receive_alertmanager,
                self.ctx, body)
            self.assertEqual(field, err.field)
        self.conf.set_override('max_alerts_per_post', 2, group='alerts')
        err = self.assertRaises(
            exception.Invalid, self.api.alerts.receive_alertmanager,
            self.ctx, am_post(*[am_alert('A%d' % i) for i in range(3)]))
        self.assertIn('3 alerts in one post, at most 2', str(err))
        self.assertEqual(0, self.count(alert_models.Alert))

    def test_generic_form(self):
        body = {'alerts': [
            {'name': 'DiskFailing', 'severity': 'Critical',
             'labels': {'host': 'n2', 'disk': 'sda', 'project_id': 'p1'},
             'annotations': {'summary': 'SMART says so'}},
            # Labels in another order: the same alert; no severity: it
            # keeps its own.
            {'name': 'DiskFailing', 'labels': {'disk': 'sda', 'host': 'n2',
                                               'project_id': 'p1'},
             'annotations': {'severity': 'ignored'}},
            {'name': 'x' * 300}]}
        r = self.api.alerts.receive(self.ctx, body)
        self.assertEqual((2, 1), (r.accepted, r.created))
        self.assertEqual(['alerts[2].name'], [x['field'] for x in
                                              r.rejected])
        [a] = self.alerts()
        self.assertEqual(('generic', 'critical', 'n2', 'p1', 2, 2),
                         (a['source'], a['severity'], a['device'],
                          a['project_id'], a['occurrences'],
                          a['received']))
        self.assertEqual({'severity': 'ignored'}, a['annotations'])
        self.assertEqual(payloads.fingerprint('DiskFailing', {
            'host': 'n2', 'disk': 'sda', 'project_id': 'p1'}),
            a['fingerprint'])

    # -- rules: repeat thresholds and flapping --------------------------------
    def test_repeat_threshold_holds_back_first_n_minus_1(self):
        self.rules_file('rules:\n  - name: FanSlow\n    repeat_threshold: 3\n'
                        '    repeat_window: 10m\n')
        item = {'name': 'FanSlow', 'labels': {'host': 'n1'}}
        other = {'name': 'Other', 'labels': {'host': 'n1'}}
        states = []
        for minute in (0, 1, 2):
            self.generic(T0 + datetime.timedelta(minutes=minute), item,
                         other)
            [a] = self.alerts(name='FanSlow')
            states.append((a['state'], a['held'], a['actionable']))
        self.assertEqual([('held', True, False), ('held', True, False),
                          ('firing', False, True)], states)
        # No rule for Other: the defaults act at once.
        self.assertEqual('firing', self.alerts(name='Other')[0]['state'])
        self.assertEqual(['FanSlow', 'Other'], sorted(
            a['name'] for a in self.alerts(status='actionable')))
        history = self.api.alerts.history(self.ctx, 'FanSlow'
                                          if False else self.alerts(
                                              name='FanSlow')[0]['id'])
        self.assertEqual([(None, 'held'), ('held', 'firing')],
                         [(h['old'], h['new']) for h in history])

    def test_repeat_window_starts_again(self):
        self.rules_file('rules:\n  - match: ["alertname=~Fan.*"]\n'
                        '    repeat_threshold: 2\n    repeat_window: 5m\n')
        item = {'name': 'FanSlow', 'labels': {'host': 'n1'}}
        self.generic(T0, item)
        # The second occurrence comes after the window: counting restarts.
        self.generic(T0 + datetime.timedelta(minutes=6), item)
        self.assertEqual('held', self.alerts()[0]['state'])
        self.generic(T0 + datetime.timedelta(minutes=7), item)
        self.assertEqual('firing', self.alerts()[0]['state'])

    def test_flapping_needs_a_human(self):
        self.rules_file('rules:\n  - name: Flappy\n    flap_threshold: 2\n'
                        '    flap_window: 1h\n')
        fire = {'name': 'Flappy', 'labels': {'host': 'n1'}}
        clear = dict(fire, status='resolved')
        self.generic(T0, fire)
        states = []
        for i in range(1, 4):
            self.generic(T0 + datetime.timedelta(minutes=2 * i - 1), clear)
            self.generic(T0 + datetime.timedelta(minutes=2 * i), fire)
            states.append(self.alerts()[0]['state'])
        # Back twice is within the limit; the third return is flapping.
        self.assertEqual(['firing', 'firing', 'flapping'], states)
        a = self.alerts(status='flapping')[0]
        self.assertEqual((3, False), (a['returns'], a['actionable']))
        a = self.api.alerts.acknowledge(self.ctx, a['id'],
                                        reason='looking at the fan')
        self.assertEqual(('acknowledged', False, 'tester'),
                         (a['state'], a['flapping'], a['acknowledged_by']))
        a = self.api.alerts.unacknowledge(self.ctx, a['id'])
        self.assertEqual('firing', a['state'])

    def test_bad_rules_file_names_rule_and_field(self):
        self.rules_file('rules:\n  - name: X\n    repeat_threshold: 0\n')
        err = self.assertRaises(exception.InvalidInput, self.generic, T0,
                                {'name': 'X'})
        self.assertIn('rules[0]: repeat_threshold: must be a whole number',
                      str(err))
        self.rules_file('rules:\n  - match: ["bad matcher"]\n')
        err = self.assertRaises(exception.InvalidInput, self.generic, T0,
                                {'name': 'X'})
        self.assertIn('rules[0]: matcher: cannot read', str(err))
        self.rules_file('rules:\n  - name: X\n    colour: red\n')
        err = self.assertRaises(exception.InvalidInput, self.generic, T0,
                                {'name': 'X'})
        self.assertIn('unknown key colour', str(err))
        self.assertEqual(0, self.count(alert_models.Alert))

    # -- silences -------------------------------------------------------------
    def test_silence_suppresses_stored_and_new_alerts(self):
        self.api.alerts.receive_alertmanager(self.ctx, am_post(
            am_alert('NodeDown', instance='n1:9100'),
            am_alert('NodeDown', instance='n2:9100')))
        silence = self.api.silences.create(
            self.ctx, ['alertname=NodeDown', 'instance=~n1:.*'], '2h',
            'n1 in maintenance')
        self.assertEqual(1, silence['alerts'])
        self.api.alerts.receive_alertmanager(self.ctx, am_post(
            am_alert('NodeDown', instance='n1:9100'),
            am_alert('NodeDown', instance='n1:9200')))
        got = sorted((a['labels']['instance'], a['state'], a['suppressed'])
                     for a in self.alerts())
        self.assertEqual([('n1:9100', 'suppressed', True),
                          ('n1:9200', 'suppressed', True),
                          ('n2:9100', 'firing', False)], got)
        self.assertEqual(2, len(self.alerts(status='suppressed')))
        self.api.silences.delete(self.ctx, silence['id'])
        self.assertEqual([], self.alerts(status='suppressed'))
        self.assertEqual([], self.api.silences.list(self.ctx))
        self.assertEqual(['create', 'delete'], [
            c['action'] for c in self.api.changes.list(
                self.ctx, limit=None) if c['object_type'] == 'silence'][::-1])

    def test_expired_silence_suppresses_nothing(self):
        silence = self.api.silences.create(self.ctx, ['alertname=A'], '1h',
                                           'soon over')
        with self.api.transaction(self.ctx) as txn:
            txn.session.execute(sa.update(alert_models.Silence).values(
                expires_at=models.utcnow() - datetime.timedelta(
                    seconds=1)))
        self.api.alerts.receive(self.ctx, {'alerts': [{'name': 'A'}]})
        self.assertEqual('firing', self.alerts()[0]['state'])
        self.assertEqual([], self.api.silences.list(self.ctx))
        self.assertEqual([silence['id']], [s['id'] for s in
                                           self.api.silences.list(
                                               self.ctx, expired=True)])

    def test_bad_silences(self):
        s = self.api.silences
        for matchers, expires, comment, field in (
                (['alertname'], '2h', 'c', 'matcher'),
                (['alertname=~('], '2h', 'c', 'matcher'),
                (['alertname!=x'], '2h', 'c', 'matcher'),
                ([], '2h', 'c', 'matcher'),
                (['alertname=x'], '2020-01-01T00:00:00Z', 'c', 'expires'),
                (['alertname=x'], 'soon', 'c', 'expires'),
                (['alertname=x'], '0h', 'c', 'expires'),
                (['alertname=x'], '2h', ' ', 'comment')):
            err = self.assertRaises(exception.Invalid, s.create, self.ctx,
                                    matchers, expires, comment)
            self.assertEqual(field, err.field, err)
        self.assertEqual(0, self.count(alert_models.Silence))
        self.assertRaises(exception.NotFound, s.delete, self.ctx, '99')
        self.assertRaises(exception.NotFound, s.delete, self.ctx, 'x; --')

    # -- a human's actions ----------------------------------------------------
    def test_ack_unack_resolve_in_change_log(self):
        self.api.alerts.receive(self.ctx, {'alerts': [{
            'name': 'A', 'labels': {'host': 'n1'}}]})
        [a] = self.alerts()
        a = self.api.alerts.acknowledge(self.ctx, a['id'], reason='mine')
        self.assertEqual([a['id']], [x['id'] for x in self.alerts(
            status='acknowledged')])
        self.assertRaises(exception.Conflict, self.api.alerts.unacknowledge,
                          self.ctx, self.api.alerts.unacknowledge(
                              self.ctx, a['id'])['id'])
        a = self.api.alerts.resolve(self.ctx, a['id'], reason='fixed fan')
        self.assertEqual('resolved', a['state'])
        self.assertRaises(exception.Conflict, self.api.alerts.resolve,
                          self.ctx, a['id'])
        self.assertRaises(exception.Conflict, self.api.alerts.acknowledge,
                          self.ctx, a['id'])
        rows = [(h['action'], h['field'], h['old'], h['new'], h['reason'])
                for h in self.api.alerts.history(self.ctx, a['id'])]
        self.assertEqual([
            ('create', 'state', None, 'firing', None),
            ('update', 'acknowledged_by', None, 'tester', 'mine'),
            ('update', 'state', 'firing', 'acknowledged', 'mine'),
            ('update', 'acknowledged_by', 'tester', None, None),
            ('update', 'state', 'acknowledged', 'firing', None),
            ('resolve', 'status', 'firing', 'resolved', 'fixed fan'),
            ('resolve', 'state', 'firing', 'resolved', 'fixed fan')], rows)
        for bad in ('999', 'nope nope', '-1'):
            self.assertRaises(exception.NotFound, self.api.alerts.get,
                              self.ctx, bad)

    def test_events_queued_with_project(self):
        from fleet.api import store

        seen = []
        emit = store.Txn.emit

        def spy(txn, event_type, payload, project_id=None):
            seen.append((event_type, payload['name'], payload['state'],
                         project_id))
            return emit(txn, event_type, payload, project_id=project_id)
        self.patch(store.Txn, 'emit', spy)
        body = {'alerts': [{'name': 'A', 'labels': {'tenant_id': 't9'}}]}
        self.api.alerts.receive(self.ctx, body)
        self.api.alerts.receive(self.ctx, body)
        self.api.alerts.receive(self.ctx, {'alerts': [dict(
            body['alerts'][0], status='resolved')]})
        self.assertEqual([('fleet.alert.create', 'A', 'firing', 't9'),
                          ('fleet.alert.resolve', 'A', 'resolved', 't9')],
                         seen)

    # -- in-process: collector thresholds and SEL ----------------------------
    def test_collector_crossings_and_sel_entries(self):
        n1 = self.ids['n1']
        names = {n1: 'n1'}
        hot = Reading(n1, 'temperature.inlet', 91.0, unit='celsius',
                      status='critical', threshold='upper_critical=85',
                      source='ipmi')
        ok = Reading(n1, 'fan.fan_1', 5000.0, unit='rpm', source='ipmi')
        sel = SelEvent(n1, 7, T0, 'Inlet Temp', 'Temperature',
                       'Upper critical - going high', 'critical')
        r = self.api.alerts.collected(self.ctx, [hot, ok], [sel], names)
        self.assertEqual(2, r.created)   # the ok reading creates nothing
        got = {a['name']: a for a in self.alerts()}
        self.assertEqual({'ReadingThreshold', 'IPMISelEvent'}, set(got))
        t = got['ReadingThreshold']
        self.assertEqual(('collector', 'critical', 'n1', 'temperature.inlet'),
                         (t['source'], t['severity'], t['device'],
                          t['labels']['metric']))
        self.assertIn('91 celsius', t['annotations']['summary'])
        self.assertEqual(('ipmi', 'n1'), (got['IPMISelEvent']['source'],
                                          got['IPMISelEvent']['device']))
        cooled = Reading(n1, 'temperature.inlet', 40.0, unit='celsius',
                         source='ipmi')
        gone = SelEvent(n1, 8, T0, 'Inlet Temp', 'Temperature',
                        'Upper critical - going high', 'critical',
                        deassertion=True)
        r = self.api.alerts.collected(self.ctx, [cooled], [gone], names)
        self.assertEqual(2, r.resolved)
        self.assertEqual([], self.alerts(status='firing'))
