"""The bounded pool with a deadline per job (fleet...collectors.ipmi_sweep)."""

import threading
import time

import testtools

from fleet.plugins.collectors import ipmi_sweep


class TestRun(testtools.TestCase):

    def test_every_job_runs_at_most_workers_at_once(self):
        lock = threading.Lock()
        active = [0, 0]

        def work(key, arg):
            with lock:
                active[0] += 1
                active[1] = max(active[1], active[0])
            time.sleep(0.02)
            with lock:
                active[0] -= 1
            return arg * 2

        jobs = [(i, i) for i in range(20)]
        out = ipmi_sweep.run(jobs, work, 4, 5.0, lambda k: 'late')
        self.assertEqual({i: i * 2 for i in range(20)}, out)
        self.assertLessEqual(active[1], 4)

    def test_stuck_job_is_given_up_and_the_pool_keeps_its_width(self):
        release = threading.Event()
        late = []

        def work(key, arg):
            if key == 'stuck':
                release.wait(10)
            return 'done'

        stuck = ipmi_sweep.Stuck()
        jobs = [('stuck', None)] + [(i, None) for i in range(10)]
        started = time.monotonic()
        out = ipmi_sweep.run(jobs, work, 1, 0.3, lambda k: 'timeout',
                             stuck=stuck,
                             on_late=lambda k, o: late.append((k, o)))
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertEqual('timeout', out['stuck'])
        self.assertEqual(['done'] * 10, [out[i] for i in range(10)])
        self.assertIn('stuck', stuck)
        # A second sweep does not start it again while it is stuck.
        again = ipmi_sweep.run([('stuck', None)], work, 1, 0.3,
                               lambda k: 'timeout',
                               stuck=stuck, on_stuck=lambda k: 'earlier')
        self.assertEqual({'stuck': 'earlier'}, again)
        release.set()
        for _ in range(100):
            if late:
                break
            time.sleep(0.02)
        self.assertEqual([('stuck', 'done')], late)
        self.assertNotIn('stuck', stuck)

    def test_no_jobs(self):
        self.assertEqual({}, ipmi_sweep.run([], None, 4, 1.0, None))
