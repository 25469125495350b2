"""fleet metric list|show|export and fleet health."""

from prometheus_client import parser as prom_parser

from fleet.common.readings import Reading
from tests.unit.cli import base


class TestMetricCommands(base.CLITestCase):

    def setUp(self):
        super().setUp()
        api = self.make_place(rack='k1')
        ids = {n: api.devices.create(self.ctx, n, rack='k1',
                                     role='compute')['id']
               for n in ('n1', 'n2')}
        api.telemetry.record(self.ctx, [
            Reading(ids['n1'], 'temperature.inlet_temp', 91.5,
                    unit='celsius', status='critical',
                    threshold='upper_critical=85', source='ipmi'),
            Reading(ids['n1'], 'fan.fan_1', 4200, unit='rpm',
                    source='ipmi'),
            Reading(ids['n2'], 'fan.fan_1', None, source='ipmi',
                    status='unknown', reason='timeout after 5 s'),
            Reading(ids['n2'], 'power_state.chassis', 1, source='ipmi')])

    def test_list_worst_first_with_filters(self):
        rows = self.fleet_json('metric', 'list')
        self.assertEqual(('n1', 'temperature.inlet_temp', 91.5, 'critical'),
                         (rows[0]['Device'], rows[0]['Metric'],
                          rows[0]['Value'], rows[0]['Status']))
        unknown = self.fleet_json('metric', 'list', '--status', 'unknown',
                                  '--long')
        self.assertEqual([('n2', 'timeout after 5 s')],
                         [(r['Device'], r['Reason']) for r in unknown])
        fans = self.fleet_json('metric', 'list', '--metric', 'fan')
        # Worst first: n2's fan has no reading.
        self.assertEqual(['n2', 'n1'], [r['Device'] for r in fans])
        picked = self.fleet_json('metric', 'list', '--fields', 'name',
                                 'threshold')
        self.assertEqual({'Device': 'n1', 'Threshold': 'upper_critical=85'},
                         picked[0])
        res = self.fleet_cli('metric', 'list', '--fields', 'colour',
                             expect=1)
        self.assertIn('--fields: no field colour', res.err)
        res = self.fleet_cli('metric', 'list', '--rack', 'nope', expect=1)
        self.assertEqual("No rack named 'nope'.\n", res.err)

    def test_show_latest_and_history(self):
        rows = self.fleet_json('metric', 'show', 'n1')
        self.assertEqual({'temperature.inlet_temp', 'fan.fan_1'},
                         {r['Metric'] for r in rows})
        hist = self.fleet_json('metric', 'show', 'n1', '--history',
                               '--metric', 'temperature')
        self.assertEqual([91.5], [r['Value'] for r in hist])
        res = self.fleet_cli('metric', 'show', 'nope', expect=1)
        self.assertIn("No device named 'nope'", res.err)

    def test_health_json_names_the_critical_device(self):
        rows = self.fleet_json('health', '--by', 'rack')
        self.assertEqual(1, len(rows))
        k1 = rows[0]
        self.assertEqual(('k1', 'critical', 2, 1, 1), (
            k1['Group'], k1['Status'], k1['Devices'], k1['Critical'],
            k1['Unknown']))
        self.assertEqual({'device': 'n1', 'status': 'critical',
                          'readings': ['temperature.inlet_temp']},
                         k1['Worst devices'][0])
        table = self.fleet_cli('health', '--by', 'rack').out
        self.assertIn('n1 (critical: temperature.inlet_temp)', table)

    def test_prometheus_export_parses_with_ipe_names(self):
        text = self.fleet_cli('metric', 'export', '--format',
                              'prometheus').out
        families = {f.name: f for f in
                    prom_parser.text_string_to_metric_families(text)}
        temp = families['baremetal_temperature_celsius'].samples[0]
        self.assertEqual(91.5, temp.value)
        self.assertEqual(('n1', 'inlet_temp', 'k1', 'RegionOne', 'compute'),
                         tuple(temp.labels[k] for k in (
                             'node_name', 'sensor_id', 'rack', 'region',
                             'role')))
        self.assertEqual([4200.0], [s.value for s in
                                    families['baremetal_fan_rpm'].samples])
        status = {(s.labels['device'], s.labels['metric']): s.value
                  for s in families['fleet_reading_status'].samples}
        self.assertEqual(3, status[('n1', 'temperature.inlet_temp')])
        self.assertEqual(1, status[('n2', 'fan.fan_1')])
        self.assertIn('fleet_power_state', families)
