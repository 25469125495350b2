"""fleet change list|show."""

import datetime

from tests.unit.cli import base


class TestChange(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.api = self.make_place()
        self.fleet_cli('device', 'create', 'node-1', actor='alice')
        self.fleet_cli('device', 'set', 'node-1', '--role', 'compute',
                       '--reason', 'ticket 42', actor='bob')

    def test_list_newest_first_with_values(self):
        rows = self.fleet_json('change', 'list')
        self.assertEqual(['ID', 'Time', 'Actor', 'Action', 'Type', 'Name',
                          'Field', 'Old', 'New', 'Reason'], list(rows[0]))
        top = rows[0]
        self.assertEqual(('bob', 'update', 'device', 'node-1', 'role', None,
                          'compute', 'ticket 42'),
                         (top['Actor'], top['Action'], top['Type'],
                          top['Name'], top['Field'], top['Old'], top['New'],
                          top['Reason']))
        self.assertEqual(sorted((r['ID'] for r in rows), reverse=True),
                         [r['ID'] for r in rows])
        self.assertEqual('tester', rows[-1]['Actor'])

    def test_filters(self):
        self.assertEqual(['alice'], [r['Actor'] for r in self.fleet_json(
            'change', 'list', '--actor', 'alice')])
        self.assertEqual(2, len(self.fleet_json(
            'change', 'list', '--type', 'device', '--name', 'node-1')))
        self.assertEqual(1, len(self.fleet_json('change', 'list',
                                                '--limit', '1')))
        self.assertEqual(4, len(self.fleet_json('change', 'list',
                                                '--limit', '0')))
        future = (datetime.datetime.now(datetime.timezone.utc) +
                  datetime.timedelta(hours=1)).isoformat()
        self.assertEqual([], self.fleet_json('change', 'list',
                                             '--since', future))
        self.assertEqual(4, len(self.fleet_json('change', 'list',
                                                '--until', future)))
        long = self.fleet_json('change', 'list', '--long', '--limit', '1')
        request_id = long[0]['Request ID']
        self.assertEqual(1, len(self.fleet_json(
            'change', 'list', '--request-id', request_id)))

    def test_bad_times(self):
        res = self.fleet_cli('change', 'list', '--since', 'tuesday',
                             expect=1)
        self.assertTrue(res.err.startswith(
            "--since: cannot read 'tuesday' as a time"), res.err)

    def test_since_and_until_take_change_ids(self):
        ids = [c['ID'] for c in self.fleet_json('change', 'list')]
        self.assertEqual(sorted(ids, reverse=True), ids)
        got = [c['ID'] for c in self.fleet_json(
            'change', 'list', '--since', str(ids[2]), '--until',
            str(ids[1]))]
        self.assertEqual(ids[1:3], got)

    def test_show(self):
        change_id = self.fleet_json('change', 'list')[0]['ID']
        shown = self.fleet_json('change', 'show', str(change_id))
        self.assertEqual(('update', 'role', 'compute', 'bob', False),
                         (shown['action'], shown['field'], shown['new'],
                          shown['actor'], shown['secret']))
        res = self.fleet_cli('change', 'show', '999', expect=1)
        self.assertEqual("No change with id 999. See: fleet change list.\n",
                         res.err)

    def test_printed_times_have_a_zone_and_feed_back_exactly(self):
        rows = self.fleet_json('change', 'list', '--type', 'device')
        first, second = rows[-1], rows[0]   # create by alice, set by bob
        for row in rows:
            parsed = datetime.datetime.fromisoformat(row['Time'])
            self.assertEqual(datetime.timedelta(0), parsed.utcoffset())
        # What change list prints is what --until and --at take.
        until = self.fleet_json('change', 'list', '--until', first['Time'],
                                '--type', 'device')
        self.assertIn(first['ID'], [r['ID'] for r in until])
        self.assertNotIn(second['ID'], [r['ID'] for r in until])
        shown = self.fleet_json('device', 'show', 'node-1', '--at',
                                first['Time'])
        self.assertIsNone(shown['role'])
        shown = self.fleet_json('device', 'show', 'node-1', '--at',
                                second['Time'])
        self.assertEqual('compute', shown['role'])

    def test_unknown_change_id_is_an_error_not_now(self):
        top = self.fleet_json('change', 'list')[0]['ID']
        res = self.fleet_cli('device', 'show', 'node-1', '--at',
                             str(top + 1000), expect=1)
        self.assertEqual('--at: no change with id %d. See: fleet change '
                         'list.\n' % (top + 1000), res.err)
        before = len(self.fleet_json('change', 'list', '--limit', '0'))
        res = self.fleet_cli('device', 'revert', 'node-1', '--to',
                             str(top + 1000), expect=1)
        self.assertEqual('--to: no change with id %d. See: fleet change '
                         'list.\n' % (top + 1000), res.err)
        self.assertEqual(before, len(self.fleet_json('change', 'list',
                                                     '--limit', '0')))
