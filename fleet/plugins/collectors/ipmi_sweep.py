"""A bounded pool of workers with a deadline per job.

:func:`run` hands jobs to at most ``workers`` threads. Each job has
``timeout`` seconds from the moment a worker starts it; a job still
running then is given up: its outcome becomes ``on_timeout(key)``, the
sweep goes on, and a fresh thread takes the stuck worker's place so the
pool keeps its width. The stuck thread ends when its blocking call
returns (pyghmi gives up on a silent BMC after 5-15 s); what it returns
then is dropped. :class:`Stuck` remembers keys whose job is still running
from an earlier sweep, so the next sweep does not pile a second thread
onto the same dead BMC.
"""

import collections
import threading
import time


class Stuck:
    """Keys whose given-up job has not returned yet (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._keys = set()

    def add(self, key):
        with self._lock:
            self._keys.add(key)

    def discard(self, key):
        with self._lock:
            self._keys.discard(key)

    def __contains__(self, key):
        with self._lock:
            return key in self._keys

    def __len__(self):
        with self._lock:
            return len(self._keys)


def run(jobs, work, workers, timeout, on_timeout, stuck=None,
        on_late=None, on_stuck=None):
    """Run ``work(key, arg)`` for every ``(key, arg)`` of ``jobs``.

    :param workers: the most jobs running at once.
    :param timeout: seconds a job may run once started.
    :param on_timeout: ``on_timeout(key)`` gives the outcome of a job given
        up at its deadline.
    :param stuck: a :class:`Stuck` shared between sweeps; a key found in it
        is not started again (its outcome is ``on_timeout(key)``).
    :param on_stuck: ``on_stuck(key)`` gives the outcome of a key found in
        ``stuck`` (default: ``on_timeout``).
    :param on_late: ``on_late(key, outcome)``, called in the stuck thread
        when a given-up job finally returns (e.g. to drop its session).
    :returns: ``{key: outcome}`` with every key of ``jobs``.
    """
    stuck = stuck if stuck is not None else Stuck()
    on_stuck = on_stuck or on_timeout
    pending = collections.deque()
    results = {}
    for key, arg in jobs:
        if key in stuck:
            results[key] = on_stuck(key)
        else:
            pending.append((key, arg))
    total = len(results) + len(pending)
    cond = threading.Condition()
    running = {}           # key -> deadline
    given_up = set()

    def worker():
        while True:
            with cond:
                if not pending:
                    return
                key, arg = pending.popleft()
                running[key] = time.monotonic() + timeout
            outcome = work(key, arg)
            with cond:
                if key in given_up:
                    late = True
                else:
                    late = False
                    running.pop(key, None)
                    results[key] = outcome
                    cond.notify()
            if late:
                stuck.discard(key)
                if on_late is not None:
                    on_late(key, outcome)
                return          # a replacement already took this slot

    def start():
        threading.Thread(target=worker, daemon=True,
                         name='fleet-ipmi-worker').start()

    with cond:
        for _ in range(min(workers, len(pending))):
            start()
        while len(results) < total:
            now = time.monotonic()
            expired = [k for k, d in running.items() if d <= now]
            for key in expired:
                del running[key]
                given_up.add(key)
                stuck.add(key)
                results[key] = on_timeout(key)
                if pending:
                    start()
            if len(results) >= total:
                break
            soonest = min(running.values(), default=now + 1.0)
            cond.wait(max(0.001, min(1.0, soonest - now)))
    return results
