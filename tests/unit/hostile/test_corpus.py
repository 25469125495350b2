"""The hostile-input corpus (corpus.yaml) on SQLite, PostgreSQL and MariaDB.

Every case runs through the CLI against the same small inventory and must
answer with exactly its one-line error, exit 1 and leave every table as it
was. One test method per case and backend, so a failure names both.
"""

import os
import re

import sqlalchemy as sa
import yaml

from fleet.db import models
from tests.unit.cli import base

CORPUS = os.path.join(os.path.dirname(__file__), 'corpus.yaml')
REPEAT_RE = re.compile(r'\{(.)\*(\d+)\}')


def load_corpus():
    with open(CORPUS, encoding='utf-8') as f:
        cases = yaml.safe_load(f)
    names = [c['name'] for c in cases]
    assert len(names) == len(set(names)), 'case names must be unique'
    return cases


def expand(text, **values):
    """``{X*N}`` to N times X, then ``{file}``, ``{uuid1}`` ..."""
    text = REPEAT_RE.sub(lambda m: m.group(1) * int(m.group(2)), text)
    for key, value in values.items():
        text = text.replace('{%s}' % key, value)
    return text


def dump(fleet):
    """Every row of every fleet table, for before/after comparison."""
    out = {}
    with fleet.engine.connect() as conn:
        for table in models.Base.metadata.sorted_tables:
            rows = conn.execute(sa.select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


class HostileCase(base.CLITestCase):
    """Mixed with a backend; test methods are added from the corpus."""

    def setUp(self):
        super().setUp()
        api = self.make_place(cell='cell1', rack='r1')
        api.regions.create(self.ctx, 'RegionTwo', cloud='c1')
        api.devices.create(self.ctx, 'node-1', rack='r1', serial='SN1',
                           mgmt_address='10.0.0.1')
        api.devices.create(self.ctx, 'node-2', region='RegionOne')
        api.variables.set(self.ctx, 'device', 'node-1', {'kernel': '6.1'})
        self.uuid1 = api.devices.show(self.ctx, 'node-1')['uuid']
        self.api = api

    def run_case(self, case):
        values = {'uuid1': self.uuid1}
        spec = case.get('file')
        if spec:
            path = os.path.join(self.home, spec['name'])
            data = spec['bytes'] if 'bytes' in spec else expand(
                spec['text'], **values).encode('utf-8')
            with open(path, 'wb') as f:
                f.write(data)
            values['file'] = path
        argv = [expand(a, **values) for a in case['argv']]
        before = dump(self.api)
        res = self.fleet_cli(*argv, expect=None)
        self.assertEqual(case.get('code', 1), res.code, res)
        self.assertEqual(expand(case['error'], **values) + '\n', res.err)
        self.assertEqual('', res.out)
        self.assertEqual(before, dump(self.api))
        self.assertFalse(os.path.exists('pwned'))


def _add_tests(cls):
    for case in load_corpus():
        def test(self, case=case):
            self.run_case(case)
        test.__name__ = 'test_' + case['name']
        test.__doc__ = case.get('doc')
        setattr(cls, test.__name__, test)
    return cls


@_add_tests
class TestHostileSQLite(HostileCase):
    backend = 'sqlite'


@_add_tests
class TestHostilePostgreSQL(HostileCase):
    backend = 'postgresql'


@_add_tests
class TestHostileMariaDB(HostileCase):
    backend = 'mysql'
