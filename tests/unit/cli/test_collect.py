"""fleet collect: collectors over a selection, readings stored, summary."""

from tests.unit.cli import base
from tests.unit.plugins import test_loader

PROBE = '''
from fleet.common.readings import Reading
from fleet.plugins.collectors import base


class Probe(base.Collector):
    """Reads the length of each device's resolved ``site`` variable."""

    variables = ('site', 'site_password')

    def collect(self, devices):
        out = []
        for dev in devices:
            site = dev['variables'].get('site')
            assert 'other' not in dev['variables']
            if site is None:
                out.append(Reading(dev['id'], 'probe.site', None,
                                   status='unknown', reason='no site',
                                   source='probe'))
            else:
                out.append(Reading(dev['id'], 'probe.site', len(site),
                                   source='probe'))
        return out


class Down(base.Collector):
    """Its service is down."""

    def collect(self, devices):
        from fleet.common import exception
        raise exception.SourceUnavailable(
            source='down', service='Nowhere', reason='no answer within 1 s',
            kind='collector')
'''


class TestCollect(base.CLITestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(test_loader.Distribution(
            'fleet-probe', {'fleet.collectors': [
                'probe = fleet_probe:Probe', 'down = fleet_probe:Down']},
            {'fleet_probe': PROBE}))
        with open(self.config_file, 'a') as f:
            f.write('[collectors]\nenabled_collectors = probe\n')
        api = self.make_place(rack='k1')
        api.racks.create(self.ctx, 'k2', region='RegionOne')
        api.devices.create(self.ctx, 'n1', rack='k1')
        api.devices.create(self.ctx, 'n2', rack='k2')
        api.variables.set(self.ctx, 'rack', 'k1', {'site': 'paris',
                                                   'other': 1})
        api.variables.set(self.ctx, 'rack', 'k1', {'site_password': 'pw-1'},
                          secret=True)

    def test_collect_stores_readings_and_reports_failures(self):
        rows = self.fleet_json('collect')
        self.assertEqual([{'Collector': 'probe', 'Devices': 2, 'Read': 1,
                           'Failed': 1, 'Readings': 2,
                           'Failures': {'n2': 'no site'}, 'Error': None}],
                         [{k: v for k, v in r.items() if k != 'Seconds'}
                          for r in rows])
        latest = {r['Device']: r for r in self.fleet_json('metric', 'list')}
        self.assertEqual((5, 'ok'), (latest['n1']['Value'],
                                     latest['n1']['Status']))
        self.assertEqual('unknown', latest['n2']['Status'])
        table = self.fleet_cli('collect').out
        self.assertIn('n2: no site', table)

    def test_selection_and_unknown_collector(self):
        rows = self.fleet_json('collect', '--rack', 'k1')
        self.assertEqual((1, 1, 0), (rows[0]['Devices'], rows[0]['Read'],
                                     rows[0]['Failed']))
        res = self.fleet_cli('collect', '--collector', 'nope', expect=1)
        self.assertIn("'nope' is not enabled", res.err)
        self.assertIn('[collectors] enabled_collectors', res.err)
        res = self.fleet_cli('collect', '--rack', 'nope', expect=1)
        self.assertEqual("No rack named 'nope'.\n", res.err)

    def test_a_collector_whose_service_is_down_does_not_stop_the_others(self):
        with open(self.config_file, 'a') as f:
            f.write('[collectors]\nenabled_collectors = down, probe\n')
        res = self.fleet_cli('collect', '-f', 'json', expect=1)
        rows = {r['Collector']: r for r in res.json()}
        self.assertEqual((0, 0), (rows['down']['Read'],
                                  rows['down']['Readings']))
        self.assertIn('no answer within 1 s', rows['down']['Error'])
        self.assertEqual(1, rows['probe']['Read'])
        # The command's own error is its last line (log lines before it).
        self.assertEqual('collector down could not reach Nowhere: no answer '
                         'within 1 s', res.err.strip().splitlines()[-1])
        self.assertEqual(2, len(self.fleet_json('metric', 'list')))
