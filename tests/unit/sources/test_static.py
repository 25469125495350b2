"""The static asset-file source, through fleet.sync.run (its public path)."""

import json
import os
import re
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
            for d in fleet.devices.list(self.ctx, source='static:' + other)])
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


class TestAssetFileEncodings(base.FleetTestCase):
    """Text as real files come (the errors are in tests/unit/hostile)."""

    write = TestStaticSource.write
    sync = TestStaticSource.sync

    def write_bytes(self, name, data):
        path = os.path.join(self.state_dir, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path

    def test_utf8_bom_from_a_spreadsheet(self):
        self.sync(self.write('a.yaml', GOOD))
        path = self.write_bytes(
            'sheet.csv', b'\xef\xbb\xbfname,rack,var:city\r\n'
            b'n-7,k2,Z\xc3\xbcrich\r\n')
        rep = self.sync(path)
        # The BOM is not read as part of the "name" column.
        self.assertEqual([('added', 'n-7')],
                         [(r['action'], r['name']) for r in rep.rows])
        got = {r['key']: r['value'] for r in self.fleet().variables.show(
            self.ctx, 'device', 'n-7')}
        self.assertEqual({'city': 'Z\xfcrich'}, got)

    def test_utf8_bom_yaml_and_utf16(self):
        self.sync(self.write_bytes('a.yaml', b'\xef\xbb\xbf' +
                                   GOOD.encode('utf-8')))
        path = self.write_bytes('b.YML', ('\ufeffdevices: [{name: n-8, rack: '
                                          'k2, vars: {city: "Zürich"}}]\n'
                                          ).encode('utf-16-le'))
        self.sync(path)
        got = {r['key']: r['value'] for r in self.fleet().variables.show(
            self.ctx, 'device', 'n-8')}
        self.assertEqual({'city': 'Zürich'}, got)

    def test_extension_any_case(self):
        rep = self.sync(self.write('A.YAML', GOOD))
        self.assertIn(('device', 'n-1'), {(r['kind'], r['name'])
                                          for r in rep.rows})
        path = self.write('B.Json', json.dumps(
            {'devices': [{'name': 'n-4', 'rack': 'k2'}]}))
        self.sync(path)
        self.assertEqual('k2', self.fleet().devices.show(
            self.ctx, 'n-4')['rack'])

    def test_csv_cells_typed_like_var_set(self):
        self.sync(self.write('a.yaml', GOOD))
        path = self.write('t.csv', (
            'name,rack,var:kernel,var:version,var:cores,var:zip,var:dns\n'
            'n-5,k2,6.10,6.1.0,32,007,"[""1.1.1.1""]"\n'))
        self.sync(path)
        got = {r['key']: r['value'] for r in self.fleet().variables.show(
            self.ctx, 'device', 'n-5')}
        self.assertEqual({'kernel': '6.10', 'version': '6.1.0', 'cores': 32,
                          'zip': '007', 'dns': ['1.1.1.1']}, got)

    def test_yaml_merge_keys_are_not_duplicates(self):
        text = GOOD + ('  - &base {name: n-6, rack: k2, role: compute}\n'
                       '  - {<<: *base, name: n-7}\n')
        self.sync(self.write('a.yaml', text))
        self.assertEqual('compute', self.fleet().devices.show(
            self.ctx, 'n-7')['role'])


class TestAssetFileOwners(base.FleetTestCase):
    """Devices are owned by the file's full path or its declared owner."""

    SITE = textwrap.dedent("""\
        clouds: [{name: prod}]
        regions: [{name: %(region)s, cloud: prod}]
        devices:
          - {name: %(prefix)s-1, region: %(region)s}
          - {name: %(prefix)s-2, region: %(region)s}
        """)

    def site_file(self, site, text=None):
        folder = os.path.join(self.state_dir, site)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, 'assets.yaml')
        with open(path, 'w') as f:
            f.write(text or self.SITE % {'region': site, 'prefix': site})
        return path

    def sync(self, path):
        return self.fleet().sync.run(self.ctx, 'static',
                                     params={'path': path}, conf=self.conf)

    def sources(self):
        return {d['name']: d['source'] for d in self.fleet().devices.list(
            self.ctx)}

    def test_two_sites_same_file_name(self):
        a, b = self.site_file('site-a'), self.site_file('site-b')
        self.sync(a)
        rep = self.sync(b)
        self.assertEqual({'added'}, {r['action'] for r in rep.rows})
        self.assertEqual([], self.fleet().devices.list(self.ctx,
                                                       missing=True))
        self.assertEqual('static:' + os.path.abspath(a),
                         self.sources()['site-a-1'])
        # Each file is still the whole truth for its own devices.
        self.site_file('site-b', self.SITE.replace(
            '  - {name: %(prefix)s-2, region: %(region)s}\n', '') % {
                'region': 'site-b', 'prefix': 'site-b'})
        rep = self.sync(b)
        self.assertEqual([('missing', 'site-b-2')],
                         [(r['action'], r['name']) for r in rep.rows])

    def test_declared_owner_survives_a_move(self):
        text = 'owner: site-a\n' + self.SITE % {
            'region': 'r1', 'prefix': 'n'}
        first = self.site_file('old', text)
        self.sync(first)
        self.assertEqual('static:site-a', self.sources()['n-1'])
        moved = self.site_file('new', text.replace(
            '  - {name: n-2, region: r1}\n', ''))
        rep = self.sync(moved)
        self.assertEqual([('missing', 'n-2')],
                         [(r['action'], r['name']) for r in rep.rows])

    def test_owner_declared_later_adopts_the_devices(self):
        text = self.SITE % {'region': 'r1', 'prefix': 'n'}
        path = self.site_file('a', text)
        self.sync(path)
        self.site_file('a', 'owner: site-a\n' + text)
        self.assertEqual([], self.sync(path).rows)
        self.assertEqual({'static:site-a'}, set(self.sources().values()))
        self.site_file('a', 'owner: site-a\n' + text.replace(
            '  - {name: n-2, region: r1}\n', ''))
        self.assertEqual([('missing', 'n-2')],
                         [(r['action'], r['name'])
                          for r in self.sync(path).rows])

    def test_explicit_empty_device_list_retires_the_devices(self):
        path = self.site_file('a', self.SITE % {'region': 'r1',
                                                'prefix': 'n'})
        self.sync(path)
        self.site_file('a', 'devices: []\n')
        self.assertEqual([('missing', 'n-1'), ('missing', 'n-2')], sorted(
            (r['action'], r['name']) for r in self.sync(path).rows))

    def test_long_path_is_recorded_by_digest(self):
        deep = os.path.join(*(['d' * 20] * 4))
        path = self.site_file(deep, self.SITE % {
            'region': 'r1', 'prefix': 'n'})
        self.sync(path)
        owner = set(self.sources().values())
        self.assertEqual(1, len(owner))
        owner = owner.pop()
        self.assertLessEqual(len(owner), 64)
        self.assertTrue(owner.startswith('static:'), owner)
        self.assertTrue(owner.endswith(':assets.yaml'), owner)
        self.assertEqual([], self.sync(path).rows)

    def test_legacy_owner_adopted_by_the_file_that_lists_it(self):
        # Before: both sites' devices owned by "static:assets.yaml".
        a, b = self.site_file('site-a'), self.site_file('site-b')
        self.sync(a)
        self.sync(b)
        fleet = self.fleet()
        with fleet.engine.begin() as conn:
            conn.execute(sa.update(models.Device).values(
                source='static:assets.yaml'))
        rep = self.sync(a)
        # Site a adopts its own devices and flags none of site b's.
        self.assertEqual([], rep.rows)
        self.assertEqual([], fleet.devices.list(self.ctx, missing=True))
        owners = self.sources()
        self.assertEqual('static:' + os.path.abspath(a), owners['site-a-1'])
        self.assertEqual('static:assets.yaml', owners['site-b-1'])
        log = [(c['object_name'], c['field'], c['old'], c['new'])
               for c in fleet.changes.list(self.ctx, limit=None)
               if c['field'] == 'source']
        self.assertEqual(2, len(log))
        self.assertEqual(('static:assets.yaml', 'static:' +
                          os.path.abspath(a)), log[0][2:])
        self.sync(b)
        self.assertEqual({'static:' + os.path.abspath(a),
                          'static:' + os.path.abspath(b)},
                         set(self.sources().values()))


DOC = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                   'source', 'user', 'asset-file.rst')


class TestDocumentedExamples(base.FleetTestCase):
    """Every example of doc/source/user/asset-file.rst syncs as shown."""

    def included(self):
        with open(DOC, encoding='utf-8') as f:
            text = f.read()
        # Examples live in files the page includes, so this test sees them
        # all: no asset-file example may be written inline.
        for language in ('yaml', 'json', 'text'):
            self.assertNotIn('code-block:: %s' % language, text)
        return [os.path.join(os.path.dirname(DOC), p) for p in re.findall(
            r'^\.\. literalinclude:: (\S+)$', text, re.M)]

    def test_examples_load(self):
        paths = self.included()
        self.assertEqual(['assets.yaml', 'assets.json', 'assets.csv'],
                         [os.path.basename(p) for p in paths])
        fleet = self.fleet()
        for path in paths:
            rep = fleet.sync.run(self.ctx, 'static', params={'path': path},
                                 conf=self.conf)
            self.assertTrue(rep.counts['added'], path)
            self.assertEqual([], fleet.sync.run(
                self.ctx, 'static', params={'path': path},
                conf=self.conf).rows, path)
        dev = fleet.devices.show(self.ctx, 'node-001')
        self.assertEqual(('r12', 'cell1', 'tor-r12', 'static:site-a'),
                         (dev['rack'], dev['cell'], dev['parent'],
                          dev['source']))
        got = {r['key']: r['value'] for r in fleet.variables.resolved(
            self.ctx, 'node-002')}
        self.assertEqual(('6.10', 32, 'pdu-r12-a', ['pool.ntp.org']),
                         (got['kernel'], got['cpus'], got['pdu'],
                          got['ntp_servers']))
        self.assertEqual({'pools': ['fast', 'bulk']}, {
            r['key']: r['value'] for r in fleet.variables.show(
                self.ctx, 'device', 'stor-001')})
