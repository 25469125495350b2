"""One notifier's delivery: a bounded queue drained by a daemon thread.

:class:`Worker` is what keeps a notifier from ever slowing the caller
that commits: :meth:`Worker.put` never waits (an event that finds the
queue full is dropped and counted), the thread delivers the events one by
one and retries an event whose target did not take it (the notifier raised
:class:`~fleet.common.exception.SourceUnavailable`) with exponential
backoff, then drops it and counts it. Any other exception from the
notifier is a permanent refusal (a 4xx from a webhook): dropped at once.
Each notifier has its own worker, so a dead webhook delays only itself.
"""

import logging
import queue
import threading
import time

from fleet.common import exception

LOG = logging.getLogger('fleet.notifications')

#: Why an event was dropped (the ``reason`` label of the counter).
QUEUE_FULL = 'queue_full'
RETRIES_EXHAUSTED = 'retries_exhausted'
REJECTED = 'rejected'
SHUTDOWN = 'shutdown'


class Policy:
    """Retries and limits of a worker (``[notifications]`` options)."""

    def __init__(self, queue_size=10000, max_retries=5, retry_interval=1.0,
                 retry_max_interval=30.0):
        self.queue_size = queue_size
        self.max_retries = max_retries
        self.retry_interval = retry_interval
        self.retry_max_interval = retry_max_interval

    @classmethod
    def from_conf(cls, group):
        return cls(queue_size=group.queue_size,
                   max_retries=group.max_retries,
                   retry_interval=group.retry_interval,
                   retry_max_interval=group.retry_max_interval)

    def delay(self, attempt):
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        return min(self.retry_interval * 2 ** (attempt - 1),
                   self.retry_max_interval)


class Worker:
    """Deliver events to one notifier from a daemon thread.

    :param notifier: a :class:`fleet.plugins.notifiers.base.Notifier`.
    :param counters: ``callable(notifier_name, outcome, reason=None)``
        called once per event sent (``'sent'``), retried (``'retried'``)
        or dropped (``'dropped'``).
    """

    def __init__(self, notifier, policy, counters):
        self.notifier = notifier
        self.name = notifier.name
        self.policy = policy
        self._count = counters
        self._queue = queue.Queue(maxsize=policy.queue_size)
        self._stop = threading.Event()
        self._idle = threading.Condition()
        self._pending = 0
        self._last_drop_log = 0.0
        self._thread = threading.Thread(
            target=self._run, name='fleet-notifier-%s' % self.name,
            daemon=True)
        self._thread.start()

    # -- the caller's side ----------------------------------------------------
    def put(self, event_type, payload):
        """Queue one event; never waits. :returns: False if dropped."""
        if self._stop.is_set():
            self._dropped(event_type, SHUTDOWN)
            return False
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait((event_type, payload))
        except queue.Full:
            self._done()
            self._dropped(event_type, QUEUE_FULL)
            return False
        return True

    @property
    def pending(self):
        """Events queued or being delivered."""
        return self._pending

    def flush(self, timeout):
        """Wait up to ``timeout`` seconds for the queue to empty.

        :returns: True when everything queued was delivered or dropped.
        """
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self, timeout):
        """Flush for up to ``timeout`` s, then stop; what is left is
        dropped (reason ``shutdown``) and counted.

        :returns: how many events were dropped.
        """
        self.flush(timeout)
        self._stop.set()
        left = 0
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                continue
            event_type, _payload = item
            left += 1
            self._done()
            self._dropped(event_type, SHUTDOWN, quiet=True)
        if left:
            LOG.warning('notifier %s: %d event(s) not delivered within '
                        'flush_timeout (%.1f s) were dropped', self.name,
                        left, timeout)
        try:
            self._queue.put_nowait(None)  # wake the thread: it ends
        except queue.Full:
            pass
        self._thread.join(min(timeout, 1.0) if timeout else 0.1)
        return left

    # -- the thread's side ----------------------------------------------------
    def _run(self):
        while not self._stop.is_set():
            try:
                item = self._queue.get(timeout=5.0)
            except queue.Empty:
                continue
            if item is None:
                break
            event_type, payload = item
            try:
                self._deliver(event_type, payload)
            finally:
                self._done()

    def _deliver(self, event_type, payload):
        attempt = 0
        while True:
            try:
                self.notifier.notify(event_type, payload)
            except exception.SourceUnavailable as exc:
                attempt += 1
                if attempt > self.policy.max_retries:
                    LOG.warning('notifier %s: dropped %s after %d retries: '
                                '%s', self.name, event_type,
                                self.policy.max_retries, exc)
                    self._count(self.name, 'dropped', RETRIES_EXHAUSTED)
                    return
                self._count(self.name, 'retried')
                delay = self.policy.delay(attempt)
                LOG.info('notifier %s: %s not delivered (%s); retry %d of '
                         '%d in %.1f s', self.name, event_type, exc, attempt,
                         self.policy.max_retries, delay)
                if self._stop.wait(delay):
                    self._count(self.name, 'dropped', SHUTDOWN)
                    return
            except Exception as exc:  # noqa: BLE001 - a refusal: never retry
                LOG.warning('notifier %s: dropped %s, refused: %s',
                            self.name, event_type, _one_line(exc))
                self._count(self.name, 'dropped', REJECTED)
                return
            else:
                self._count(self.name, 'sent')
                return

    def _done(self):
        with self._idle:
            self._pending -= 1
            if not self._pending:
                self._idle.notify_all()

    def _dropped(self, event_type, reason, quiet=False):
        self._count(self.name, 'dropped', reason)
        now = time.monotonic()
        if not quiet and now - self._last_drop_log >= 1.0:
            # At most one line a second while a queue overflows.
            self._last_drop_log = now
            LOG.warning('notifier %s: dropped %s (%s)', self.name,
                        event_type, reason)


def _one_line(exc):
    lines = str(exc).strip().splitlines()
    return '%s: %s' % (type(exc).__name__, lines[0]) if lines else \
        type(exc).__name__
