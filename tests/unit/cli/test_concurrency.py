"""Two ``fleet inventory sync`` processes at once, on every backend.

Real processes, so nothing is shared but the database: the first load must
not fail with a raw SQL error, and a change synced twice at the same time
is reported and recorded by one run only.
"""

import os
import re
import threading

from tests.unit.api import concurrency
from tests.unit.cli import base

N = 300


class ConcurrentCLIScenarios:

    def setUp(self):
        super().setUp()
        self.path = os.path.join(self.home, 'assets.yaml')

    def write(self, kernel):
        with open(self.path, 'w') as f:
            f.write(concurrency.assets(N, kernel))

    def both(self):
        results = [None, None]

        def run(i):
            results[i] = self.script('fleet', 'inventory', 'sync', 'static',
                                     '--file', self.path, '-q', '-f',
                                     'value', expect=None)

        threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        return results

    def summary(self, result):
        self.assertEqual(0, result.code, result)
        found = re.match(r'static: (\d+) added, (\d+) changed, ',
                         result.err)
        self.assertIsNotNone(found, result.err)
        return int(found.group(1)), int(found.group(2))

    def test_two_processes_load_then_change_once(self):
        self.write('6.1')
        first = self.both()
        for res in first:
            self.assertNotIn('Traceback', res.err)
            self.assertNotIn('INSERT', res.err)
        # One run adds the devices, their cloud, region and rack.
        self.assertEqual([(0, 0), (N + 3, 0)], sorted(
            self.summary(r) for r in first))
        self.write('6.6')
        second = self.both()
        self.assertEqual([(0, 0), (0, N)], sorted(
            self.summary(r) for r in second))
        changes = [c for c in self.fleet().changes.list(self.ctx, limit=None)
                   if c['field'] == 'vars.kernel' and c['new'] == '6.6']
        self.assertEqual(N, len(changes))


class TestConcurrentCLISQLite(ConcurrentCLIScenarios, base.CLITestCase):
    backend = 'sqlite'


class TestConcurrentCLIPostgreSQL(ConcurrentCLIScenarios, base.CLITestCase):
    backend = 'postgresql'


class TestConcurrentCLIMariaDB(ConcurrentCLIScenarios, base.CLITestCase):
    backend = 'mysql'
