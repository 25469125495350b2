"""fleet alert list|show|ack|unack|resolve|history and fleet silence."""

from tests.unit.cli import base


class TestAlertCommands(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place()
        self.api.devices.create(self.ctx, 'n1', mgmt_address='10.0.0.1')
        self.api.alerts.receive(self.ctx, {'alerts': [
            {'name': 'FanSlow', 'severity': 'warning',
             'labels': {'host': 'n1', 'fan': 'fan_1'},
             'annotations': {'summary': 'fan 1 at 900 rpm'}},
            {'name': 'DiskFailing', 'severity': 'critical',
             'labels': {'host': 'ghost'}}]})
        self.ids = {a['name']: a['id'] for a in self.api.alerts.list(
            self.ctx)}

    def test_list_filters_and_columns(self):
        rows = self.fleet_json('alert', 'list')
        self.assertEqual({('FanSlow', 'firing', 'warning', 'n1'),
                          ('DiskFailing', 'firing', 'critical', None)},
                         {(r['Name'], r['State'], r['Severity'], r['Device'])
                          for r in rows})
        rows = self.fleet_json('alert', 'list', '--severity', 'critical',
                               '--long')
        self.assertEqual([(True, {'host': 'ghost'})],
                         [(r['Device Unknown'], r['Labels']) for r in rows])
        rows = self.fleet_json('alert', 'list', '--device', 'n1',
                               '--fields', 'name', 'occurrences')
        self.assertEqual([{'Name': 'FanSlow', 'Occurrences': 1}], rows)
        table = self.fleet_cli('alert', 'list', '--long').out
        self.assertIn('{"fan": "fan_1", "host": "n1"}', table)
        res = self.fleet_cli('alert', 'list', '--device', 'nope', expect=1)
        self.assertIn("No device named 'nope'", res.err)
        res = self.fleet_cli('alert', 'list', '--limit', '-1', expect=1)
        self.assertEqual('--limit: must be 0 or more.\n', res.err)

    def test_show_ack_unack_resolve_history(self):
        fan = str(self.ids['FanSlow'])
        shown = self.fleet_json('alert', 'show', fan)
        self.assertEqual(('FanSlow', 'firing', {'summary': 'fan 1 at 900 '
                                                'rpm'}),
                         (shown['name'], shown['state'],
                          shown['annotations']))
        out = self.fleet_json('alert', 'ack', fan, '--reason', 'on it')
        self.assertEqual(('acknowledged', 'tester'),
                         (out['state'], out['acknowledged_by']))
        self.assertEqual([self.ids['FanSlow']], [
            r['ID'] for r in self.fleet_json('alert', 'list', '--status',
                                             'acknowledged')])
        self.fleet_json('alert', 'unack', fan)
        res = self.fleet_cli('alert', 'unack', fan, expect=1)
        self.assertEqual('alert %s is not acknowledged\n' % fan, res.err)
        out = self.fleet_json('alert', 'resolve', fan, '--reason', 'fixed')
        self.assertEqual('resolved', out['state'])
        history = self.fleet_json('alert', 'history', fan)
        self.assertEqual(
            [('create', 'state', None, 'firing', None),
             ('update', 'acknowledged_by', None, 'tester', 'on it'),
             ('update', 'state', 'firing', 'acknowledged', 'on it')],
            [(h['Action'], h['Field'], h['Old'], h['New'], h['Reason'])
             for h in history[:3]])
        self.assertEqual(('resolve', 'fixed'), (history[-1]['Action'],
                                                history[-1]['Reason']))
        res = self.fleet_cli('alert', 'show', '4242', expect=1)
        self.assertEqual("No alert with id '4242'.\n", res.err)

    def test_silence_create_list_delete(self):
        out = self.fleet_json('silence', 'create', '--matcher',
                              'alertname=DiskFailing', '--matcher',
                              'host=~gh.*', '--expires', '2h', '--comment',
                              'known bad disk')
        self.assertEqual((['alertname=DiskFailing', 'host=~gh.*'], 1, True),
                         (out['matchers'], out['alerts'], out['active']))
        self.assertEqual(['DiskFailing'], [r['Name'] for r in self.fleet_json(
            'alert', 'list', '--status', 'suppressed')])
        rows = self.fleet_json('silence', 'list')
        self.assertEqual([(out['id'], 'known bad disk')],
                         [(r['ID'], r['Comment']) for r in rows])
        res = self.fleet_cli('silence', 'delete', str(out['id']), '999',
                             expect=1)
        self.assertEqual("No silence with id '999'.\n1 of 2 silences were "
                         "not deleted.\n", res.err)
        self.assertEqual([], self.fleet_json('silence', 'list'))
        self.assertEqual([], self.fleet_json('alert', 'list', '--status',
                                             'suppressed'))
        res = self.fleet_cli('silence', 'create', '--matcher', 'a=b',
                             '--expires', '2h', expect=2)
        self.assertIn('--comment', res.err)
