"""fleet/api/resolve.py: one order, for one device, many, the whole fleet.

Run on SQLite, PostgreSQL and MariaDB (the parent chain is a recursive
CTE, which each backend runs itself).
"""

import contextlib
import json

import sqlalchemy as sa

from fleet.api import resolve
from tests import base
from tests.unit.api import scenarios

CTX = scenarios.CTX


@contextlib.contextmanager
def counting(engine):
    """Count the SQL statements run on ``engine`` inside the block."""
    seen = []

    def before(conn, cursor, statement, params, context, executemany):
        seen.append(statement)
    sa.event.listen(engine, 'before_cursor_execute', before)
    try:
        yield seen
    finally:
        sa.event.remove(engine, 'before_cursor_execute', before)


def build_deep(fleet):
    """build_tree plus a chain blade-1 -> chassis-1, node-3 -> blade-1.

    Variables at every level; ``g`` set on the grandparent only, so that
    node-3 gets it through a parent without it; secrets at two levels.
    """
    scenarios.build_tree(fleet)
    fleet.devices.create(CTX, 'blade-1', type='chassis', rack='k1',
                         parent='chassis-1')
    fleet.devices.create(CTX, 'node-3', rack='k1', parent='blade-1')
    v = fleet.variables
    v.set(CTX, 'defaults', None, {k: 'defaults' for k in 'abcdefgh'})
    v.set(CTX, 'cloud', 'prod', {k: 'cloud' for k in 'bcdefgh'})
    v.set(CTX, 'region', 'r1', {k: 'region' for k in 'cdefgh'})
    v.set(CTX, 'cell', 'c1', {k: 'cell' for k in 'defgh'}, region='r1')
    v.set(CTX, 'rack', 'k1', {k: 'rack' for k in 'efgh'})
    v.set(CTX, 'device', 'chassis-1', {'f': 'chassis', 'g': 'chassis'})
    v.set(CTX, 'device', 'blade-1', {'f': 'blade'})
    v.set(CTX, 'device', 'node-3', {'h': 'node-3', 'n': [1, {'x': None}]})
    v.set(CTX, 'rack', 'k1', {'bmc_username': 'admin'})
    v.set(CTX, 'rack', 'k1', {'bmc_password': 'rack-pw'}, secret=True)
    v.set(CTX, 'device', 'chassis-1', {'bmc_password': 'chassis-pw'},
          secret=True)


class ResolveScenarios:

    def ids(self, fleet):
        return {d['name']: d['id'] for d in self.devices(fleet)}

    def devices(self, fleet):
        from fleet.db import models
        with fleet.reading() as s:
            return [{'id': i, 'name': n} for i, n in s.execute(
                sa.select(models.Device.id, models.Device.name))]

    def test_order_and_blame_through_parents(self):
        fleet = self.fleet()
        build_deep(fleet)
        got = {r['key']: (r['value'], r['level']) for r in
               fleet.variables.resolved(CTX, 'node-3', blame=True)}
        self.assertEqual({
            'a': ('defaults', 'defaults'), 'b': ('cloud', 'cloud prod'),
            'c': ('region', 'region r1'), 'd': ('cell', 'cell c1'),
            'e': ('rack', 'rack k1'),
            # Nearest parent first; a parent without the key is skipped.
            'f': ('blade', 'parent blade-1'),
            'g': ('chassis', 'parent chassis-1'),
            'h': ('node-3', 'device node-3'),
            'n': ([1, {'x': None}], 'device node-3'),
            'bmc_username': ('admin', 'rack k1'),
            'bmc_password': ('******', 'parent chassis-1')}, got)
        # node-2: no rack, cell or parent.
        got = {r['key']: r['level'] for r in
               fleet.variables.resolved(CTX, 'node-2', blame=True)}
        self.assertEqual('region r1', got['h'])
        self.assertNotIn('bmc_password', got)

    def test_single_bulk_and_exports_agree(self):
        fleet = self.fleet()
        build_deep(fleet)
        ids = self.ids(fleet)
        with fleet.reading() as s:
            keyring = fleet.keyring
            one = {name: resolve.resolve(s, [i], keyring=keyring)[i]
                   for name, i in ids.items()}
            bulk = resolve.resolve(s, list(ids.values()), batch=2,
                                   keyring=keyring)
            wide = dict(resolve.fleet_wide(s, keyring))
        plain = fleet.exporter.resolved_all(CTX, include_secrets=True)
        hostvars = json.loads(fleet.exporter.ansible(
            CTX, include_secrets=True))['_meta']['hostvars']
        for name, dev_id in ids.items():
            want = {k: json.loads(r.text) for k, r in one[name].items()}
            self.assertEqual(want, {k: json.loads(r.text) for k, r in
                                    bulk[dev_id].items()}, name)
            self.assertEqual(want, {k: json.loads(t) for k, t in
                                    wide[name].items()}, name)
            self.assertEqual(want, plain[name], name)
            exported = {k: v for k, v in hostvars[name].items()
                        if not k.startswith('fleet_') and
                        k != 'ansible_host'}
            self.assertEqual(want, exported, name)
        self.assertEqual('chassis-pw', plain['node-3']['bmc_password'])
        self.assertNotIn('bmc_password', fleet.exporter.resolved_all(
            CTX)['node-3'])

    def test_secrets_for_many_devices_in_one_query(self):
        fleet = self.fleet()
        build_deep(fleet)
        for i in range(40):
            fleet.devices.create(CTX, 'bmc-%02d' % i, type='bmc',
                                 rack='k1', parent='blade-1')
        fleet.devices.create(CTX, 'bmc-solo', type='bmc', rack='k1')
        fleet.variables.set(CTX, 'device', 'bmc-07',
                            {'bmc_password': 'own-pw'}, secret=True)
        ids = self.ids(fleet)
        wanted = sorted(ids.values()) + [10 ** 9]   # one unknown id
        with counting(fleet.engine) as statements:
            got = fleet.variables.secrets(
                CTX, wanted, ['bmc_username', 'bmc_password', 'nothing'])
        self.assertEqual(1, len(statements), statements)
        self.assertEqual({'bmc_username': 'admin',
                          'bmc_password': 'own-pw'}, got[ids['bmc-07']])
        self.assertEqual({'bmc_username': 'admin',
                          'bmc_password': 'chassis-pw'}, got[ids['bmc-08']])
        self.assertEqual({'bmc_username': 'admin',
                          'bmc_password': 'rack-pw'}, got[ids['bmc-solo']])
        self.assertEqual('chassis-pw',
                         got[ids['chassis-1']]['bmc_password'])
        self.assertEqual({}, got[ids['node-2']])
        self.assertEqual({}, got[10 ** 9])
        # The same answer, one device at a time.
        for name in ('bmc-07', 'bmc-08', 'node-3'):
            self.assertEqual(got[ids[name]]['bmc_password'],
                             fleet.variables.secret_value(
                                 CTX, name, 'bmc_password'))
        # Batches: one statement per batch_size devices.
        fleet.batch_size = 10
        with counting(fleet.engine) as statements:
            again = fleet.variables.secrets(
                CTX, wanted, ['bmc_username', 'bmc_password', 'nothing'])
        self.assertEqual(len(range(0, len(wanted), 10)), len(statements))
        self.assertEqual(got, again)

    def test_secret_value_of_unset_key_is_not_found(self):
        from fleet.common import exception
        fleet = self.fleet()
        build_deep(fleet)
        err = self.assertRaises(exception.NotFound,
                                fleet.variables.secret_value, CTX,
                                'node-2', 'bmc_password')
        self.assertIn('bmc_password', str(err))

    def test_chains_follow_order(self):
        """The in-memory merge puts levels in ORDER, nearest last."""
        layers = resolve.layers([
            ('defaults', 0, 'k', 'defaults'), ('cloud', 1, 'k', 'cloud'),
            ('region', 2, 'k', 'region'), ('cell', 3, 'k', 'cell'),
            ('rack', 4, 'k', 'rack'), ('device', 5, 'k', 'parent'),
            ('device', 6, 'k', 'device')])
        chains = resolve.Chains(layers, {2: 1}, {6: 5, 5: None})
        placed = resolve.Placed(6, 4, 3, 2, 5)
        self.assertEqual({'k': 'device'}, chains.device(placed))
        for drop, want in (('device', 'parent'), ('parent', 'rack'),
                           ('rack', 'cell'), ('cell', 'region'),
                           ('region', 'cloud'), ('cloud', 'defaults')):
            if drop in ('device', 'parent'):
                layers['device'].pop(6 if drop == 'device' else 5)
            else:
                layers[drop].clear()
            chains = resolve.Chains(layers, {2: 1}, {6: 5, 5: None})
            self.assertEqual({'k': want}, chains.device(placed), drop)


class TestResolveSQLite(ResolveScenarios, base.FleetTestCase):
    backend = 'sqlite'


class TestResolvePostgreSQL(ResolveScenarios, base.FleetTestCase):
    backend = 'postgresql'


class TestResolveMariaDB(ResolveScenarios, base.FleetTestCase):
    backend = 'mysql'
