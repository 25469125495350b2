"""The static asset-file source, through fleet.sync.run (its public path)."""

import json
import os
import textwrap

import sqlalchemy as sa

from fleet.common import exception
from fleet.db import models
from tests import base

GOOD = textwrap.dedent("""\
    clouds: [{name: prod}]
    regions: [{name: r1, cloud: prod}]
    cells: [{name: c1, region: r1}]
    racks:
      - {name: k1, region: r1, cell: c1}
      - {name: k2, region: r1}
    defaults: {ntp: pool.ntp.org}
    vars:
      - {scope: rack, name: k1, vars: {pdu: pdu-k1}}
    devices:
      - {name: ch-1, type: chassis, rack: k1}
      - name: n-1
        rack: k1
        parent: ch-1
        role: compute
        labels: [gpu]
        vars: {kernel: "6.1"}
        secrets: {bmc_password: hunter2}
      - {name: sw-1, type: switch, rack: k2, serial: S-9}
    """)


class TestStaticSource(base.FleetTestCase):

    def write(self, name, text):
        path = os.path.join(self.state_dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def sync(self, path, dry_run=False):
        return self.fleet().sync.run(self.ctx.replace(dry_run=dry_run),
                                     'static', params={'path': path},
                                     conf=self.conf)

    def counts(self):
        fleet = self.fleet()
        with fleet.reading() as s:
            return tuple(s.scalar(sa.select(sa.func.count()).select_from(m))
                         for m in (models.Device, models.Variable,
                                   models.Change, models.Rack))

    def test_yaml_load_then_idempotent(self):
        rep = self.sync(self.write('a.yaml', GOOD))
        added = {(r['kind'], r['name']) for r in rep.rows
                 if r['action'] == 'added'}
        self.assertIn(('device', 'n-1'), added)
        self.assertIn(('rack', 'k2'), added)
        fleet = self.fleet()
        dev = fleet.devices.show(self.ctx, 'n-1')
        self.assertEqual(('c1', 'k1', 'ch-1', ['gpu']),
                         (dev['cell'], dev['rack'], dev['parent'],
                          dev['labels']))
        resolved = {r['key']: (r['value'], r['level']) for r in
                    fleet.variables.resolved(self.ctx, 'n-1', blame=True)}
        self.assertEqual(('pdu-k1', 'rack k1'), resolved['pdu'])
        self.assertEqual(('pool.ntp.org', 'defaults'), resolved['ntp'])
        self.assertEqual('******', resolved['bmc_password'][0])
        self.assertEqual([], self.sync(self.write('a.yaml', GOOD)).rows)

    def test_dry_run_writes_nothing(self):
        before = self.counts()
        rep = self.sync(self.write('a.yaml', GOOD), dry_run=True)
        self.assertEqual(3, sum(1 for r in rep.rows
                                if r['kind'] == 'device'))
        self.assertEqual(before, self.counts())

    def test_removed_device_flagged_missing_not_deleted(self):
        self.sync(self.write('a.yaml', GOOD))
        shorter = GOOD.replace(
            '  - {name: sw-1, type: switch, rack: k2, serial: S-9}\n', '')
        rep = self.sync(self.write('a.yaml', shorter))
        self.assertEqual([('missing', 'sw-1')],
                         [(r['action'], r['name']) for r in rep.rows])
        self.assertTrue(self.fleet().devices.show(self.ctx, 'sw-1')['missing'])
        rep = self.sync(self.write('a.yaml', GOOD))
        self.assertEqual([('returned', 'sw-1')],
                         [(r['action'], r['name']) for r in rep.rows])

    def test_move_is_logged_by_name(self):
        self.sync(self.write('a.yaml', GOOD))
        moved = GOOD.replace('parent: ch-1', 'parent: sw-1').replace(
            '  - name: n-1\n    rack: k1', '  - name: n-1\n    rack: k2')
        rep = self.sync(self.write('a.yaml', moved))
        self.assertEqual([('changed', 'n-1')],
                         [(r['action'], r['name']) for r in rep.rows])
        self.assertIn('rack: k1 -> k2', rep.rows[0]['details'])
        fleet = self.fleet()
        log = {c['field']: (c['old'], c['new']) for c in
               fleet.changes.list(self.ctx, object_type='device', name='n-1',
                                  limit=None) if c['action'] == 'update'}
        self.assertEqual(('k1', 'k2'), log['rack'])
        self.assertEqual(('c1', None), log['cell'])
        self.assertEqual(('ch-1', 'sw-1'), log['parent'])
        dev = fleet.devices.show(self.ctx, 'n-1')
        self.assertEqual(('k2', None, 'sw-1'),
                         (dev['rack'], dev['cell'], dev['parent']))

    def test_two_files_do_not_flag_each_other(self):
        self.sync(self.write('a.yaml', GOOD))
        other = self.write('b.csv', 'name,type,rack\nn-9,host,k2\n')
        rep = self.sync(other)
        self.assertEqual([('added', 'n-9')],
                         [(r['action'], r['name']) for r in rep.rows])
        fleet = self.fleet()
        self.assertEqual([], fleet.devices.list(self.ctx, missing=True))
        self.assertEqual(['n-9'], [
            d['name']
            for d in fleet.devices.list(self.ctx, source='static:b.csv')])
        self.assertEqual(4, len(fleet.devices.list(self.ctx, source='static')))

    def test_csv(self):
        self.sync(self.write('a.yaml', GOOD))
        path = self.write('more.csv', (
            'name,type,rack,labels,var:slots,secret:ipmi_pw\n'
            'n-2,host,k2,a;b,"[1, 2]",pw\n'
            'n-3,storage,k1,,text,\n'))
        self.fleet().sync.apply(self.ctx, 'static', self._csv_snapshot(path))
        fleet = self.fleet()
        self.assertEqual(['a', 'b'], fleet.devices.show(
            self.ctx, 'n-2')['labels'])
        got = {r['key']: r['value'] for r in
               fleet.variables.show(self.ctx, 'device', 'n-2')}
        self.assertEqual({'slots': [1, 2], 'ipmi_pw': '******'}, got)
        self.assertEqual('storage', fleet.devices.show(
            self.ctx, 'n-3')['type'])

    def _csv_snapshot(self, path):
        from fleet.plugins.sources import static
        src = static.StaticSource(self.conf, {'path': path})
        snap = src.collect()
        snap.complete = False
        return snap

    def assert_rejected(self, text, *fragments, name='bad.yaml'):
        self.sync(self.write('ok.yaml', GOOD))
        before = self.counts()
        err = self.assertRaises(exception.FleetError, self.sync,
                                self.write(name, text))
        msg = str(err)
        self.assertNotIn('\n', msg)
        for fragment in fragments:
            self.assertIn(fragment, msg)
        self.assertEqual(before, self.counts())
        return msg

    def test_unknown_parent(self):
        self.assert_rejected(GOOD.replace('parent: ch-1', 'parent: ch-9'),
                             "unknown parent device 'ch-9'", 'n-1')

    def test_unknown_rack(self):
        self.assert_rejected(GOOD.replace('rack: k2, serial',
                                          'rack: k7, serial'),
                             "unknown rack 'k7'", 'devices[2]')

    def test_duplicate_name(self):
        self.assert_rejected(GOOD + '  - {name: n-1, rack: k2}\n',
                             "duplicate device name 'n-1'")

    def test_parent_cycle(self):
        text = GOOD.replace('{name: ch-1, type: chassis, rack: k1}',
                            '{name: ch-1, type: chassis, rack: k1, '
                            'parent: n-1}')
        self.assert_rejected(text, 'parent cycle')

    def test_bad_type(self):
        self.assert_rejected(GOOD.replace('type: switch', 'type: toaster'),
                             "unknown device type 'toaster'", 'sw-1')

    def test_malformed_value(self):
        self.assert_rejected(GOOD.replace('labels: [gpu]', 'labels: gpu'),
                             'labels must be a list', 'devices[1]')
        self.assert_rejected(GOOD + '  - {name: x, rack: k1, vars: [1]}\n',
                             'vars must be a mapping')

    def test_malformed_yaml_names_line(self):
        self.assert_rejected(GOOD + 'devices: [\n', 'bad.yaml:',
                             'malformed YAML')

    def test_unknown_field(self):
        self.assert_rejected(GOOD.replace('serial: S-9', 'serail: S-9'),
                             "unknown field 'serail'")

    def test_csv_unknown_column(self):
        self.assert_rejected('name,colour\nx,red\n', "unknown column "
                             "'colour'", name='bad.csv')

    def test_missing_file(self):
        err = self.assertRaises(exception.Invalid, self.sync,
                                os.path.join(self.state_dir, 'nope.yaml'))
        # The service layer names its field; the CLI renders it as --file.
        self.assertEqual('path', err.field)
        self.assertNotIn('--', str(err))

    def test_secret_not_in_change_log(self):
        self.sync(self.write('a.yaml', GOOD))
        log = json.dumps(self.fleet().changes.list(
            self.ctx, limit=None), default=str)
        self.assertNotIn('hunter2', log)
