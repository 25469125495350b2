"""The read endpoints and a write's request context, on every backend."""

from prometheus_client import parser as prom_parser

from fleet.common import constants


class ResourceScenarios:
    """Mixed into an APITestCase per backend."""

    def test_list_devices_filters(self):
        devices = self.get_json('/v1/devices')['devices']
        self.assertEqual(['n1', 'n2', 'n3'], [d['name'] for d in devices])
        n1 = devices[0]
        self.assertEqual(('host', 'compute', 'prod', 'r1', 'k1', ['gpu']),
                         (n1['type'], n1['role'], n1['cloud'], n1['region'],
                          n1['rack'], n1['labels']))
        self.assertNotIn('id', n1)
        self.assertTrue(n1['created_at'].endswith('Z'))
        self.assertEqual(['n3'], [d['name'] for d in self.get_json(
            '/v1/devices?rack=k2')['devices']])
        self.assertEqual(['n1'], [d['name'] for d in self.get_json(
            '/v1/devices?label=gpu&role=compute')['devices']])
        self.assertEqual(['n1', 'n2'], [d['name'] for d in self.get_json(
            '/v1/devices?limit=2')['devices']])
        self.assertEqual([], self.get_json(
            '/v1/devices?missing=true')['devices'])

    def test_list_devices_bad_filters(self):
        self.assertError(self.request('/v1/devices?rack=k9'), 404,
                         'not_found', 'rack')
        self.assertError(self.request('/v1/devices?missing=maybe'), 400,
                         'invalid', 'missing')
        self.assertError(self.request('/v1/devices?limit=0'), 400,
                         'invalid', 'limit')
        self.assertError(self.request('/v1/devices?limit=x'), 400,
                         'invalid', 'limit')
        self.assertError(self.request('/v1/devices?rack=k1&rack=k2'), 400,
                         'invalid', 'rack')

    def test_show_device_by_name_and_uuid_secrets_masked(self):
        dev = self.get_json('/v1/devices/n1')['device']
        self.assertEqual('n1', dev['name'])
        by_uuid = self.get_json('/v1/devices/' + dev['uuid'])['device']
        self.assertEqual(dev, by_uuid)
        variables = {v['key']: v for v in dev['variables']}
        self.assertEqual('pool.ntp.org', variables['ntp']['value'])
        self.assertTrue(variables['bmc_password']['secret'])
        self.assertEqual(constants.MASK, variables['bmc_password']['value'])
        resp = self.request('/v1/devices/n1')
        self.assertNotIn('hunter2', resp.text)

    def test_show_unknown_device(self):
        err = self.assertError(self.request('/v1/devices/n9'), 404,
                               'not_found', 'device')
        self.assertIn("'n9'", err['message'])
        self.assertEqual('list_devices', err['hint'])

    def test_readings_filters(self):
        rows = self.get_json('/v1/readings')['readings']
        self.assertEqual(('n1', 'temperature.inlet', 91.5, 'critical'),
                         (rows[0]['device'], rows[0]['metric'],
                          rows[0]['value'], rows[0]['status']))
        self.assertEqual(3, len(rows))
        fans = self.get_json('/v1/readings?metric=fan')['readings']
        self.assertEqual(['n3', 'n1'], [r['device'] for r in fans])
        unknown = self.get_json('/v1/readings?status=unknown')['readings']
        self.assertEqual([('n3', 'timeout after 5 s')],
                         [(r['device'], r['reason']) for r in unknown])
        mine = self.get_json('/v1/readings?device=n1&metric=fan')['readings']
        self.assertEqual([4200], [r['value'] for r in mine])
        self.assertError(self.request('/v1/readings?status=bad'), 400,
                         'invalid', 'status')
        self.assertError(self.request('/v1/readings?device=n9'), 404,
                         'not_found', 'device')

    def test_health(self):
        groups = self.get_json('/v1/health')['health']
        self.assertEqual(['r1'], [g['group'] for g in groups])
        self.assertEqual((3, 'critical'), (groups[0]['devices'],
                                           groups[0]['status']))
        by_rack = self.get_json('/v1/health?by=rack')['health']
        self.assertEqual(['k1', 'k2'], [g['group'] for g in by_rack])
        self.assertError(self.request('/v1/health?by=colour'), 400,
                         'invalid', 'by')

    def test_metrics_exposition(self):
        resp = self.request('/metrics')
        self.assertEqual(200, resp.status_code)
        self.assertTrue(resp.headers['Content-Type'].startswith(
            'text/plain; version=0.0.4'))
        families = {f.name: f for f in
                    prom_parser.text_string_to_metric_families(resp.text)}
        temp = families['baremetal_temperature_celsius'].samples[0]
        self.assertEqual((91.5, 'n1', 'k1'), (temp.value,
                                              temp.labels['node_name'],
                                              temp.labels['rack']))
        # The readings as ``fleet metric export`` prints them, then this
        # process's alert intake and notification counters (other tests'
        # included).
        readings = text_of(self.api, self.ctx)
        self.assertEqual(readings, resp.text[:len(readings)])
        rest = resp.text[len(readings):]
        self.assertTrue(all(
            f.name.startswith(('fleet_notifications_', 'fleet_alert'))
            for f in prom_parser.text_string_to_metric_families(rest)),
            rest[:200])
        self.assertIn('fleet_alerts_accepted_total{source="alertmanager"}',
                      rest)

    def test_write_records_token_actor_and_request_id(self):
        resp = self.request('/v1/test/devices', method='POST',
                            body={'name': 'n4', 'rack': 'k2'},
                            headers={'X-Fleet-Reason': 'racked today'})
        self.assertEqual(201, resp.status_code, resp.text)
        req_id = resp.headers['x-openstack-request-id']
        self.assertTrue(req_id.startswith('req-'))
        change = [c for c in self.api.changes.list(self.ctx, limit=None)
                  if c['object_name'] == 'n4'][0]
        self.assertEqual(('api-token', 'racked today', req_id[4:]),
                         (change['actor'], change['reason'],
                          change['request_id']))


def text_of(api, ctx):
    return api.exposition.prometheus(ctx)
