"""Publishing events to the enabled notifiers, never in the caller's way.

:class:`Notifications` is ``Fleet.notifications``. After a transaction
commits, :meth:`fleet.api.store.Fleet.transaction` hands it the events of
:func:`fleet.api.events.from_transaction`; each enabled notifier
(``[notifications] enabled_notifiers``, loaded through
:mod:`fleet.plugins.loader`) gets them through its own
:class:`fleet.api.notify_worker.Worker` (a bounded queue and a daemon
thread). Nothing is loaded, and no thread started, until the first event;
with no notifier enabled publishing costs nothing.

Counts: :meth:`Notifications.stats` for this instance, and the process's
prometheus_client counters ``fleet_notifications_sent_total{notifier}``,
``fleet_notifications_retried_total{notifier}`` and
``fleet_notifications_dropped_total{notifier,reason}`` in a registry of
their own, :func:`metrics` (fleet-api's ``/metrics`` serves them,
:func:`exposition`).

A short-lived process (a CLI command) delivers what it queued before it
exits: :meth:`Notifications.close` (``Fleet.close()``) and an ``atexit``
hook wait up to ``[notifications] flush_timeout`` seconds.
"""

import atexit
import collections
import logging
import threading
import weakref

LOG = logging.getLogger('fleet.notifications')

_LIVE = weakref.WeakSet()
_METRICS = {}
_METRICS_LOCK = threading.Lock()


def metrics():
    """The process's prometheus_client counters (made on first use)."""
    with _METRICS_LOCK:
        if not _METRICS:
            import prometheus_client

            registry = prometheus_client.CollectorRegistry()
            _METRICS['registry'] = registry
            _METRICS['sent'] = prometheus_client.Counter(
                'fleet_notifications_sent', 'Events a notifier delivered.',
                ['notifier'], registry=registry)
            _METRICS['retried'] = prometheus_client.Counter(
                'fleet_notifications_retried',
                'Deliveries a notifier retried after its target did not '
                'take the event.', ['notifier'], registry=registry)
            _METRICS['dropped'] = prometheus_client.Counter(
                'fleet_notifications_dropped',
                'Events a notifier never delivered: queue full, retries '
                'exhausted, refused by the target, or left at exit.',
                ['notifier', 'reason'], registry=registry)
        return _METRICS


def exposition():
    """The counters in the Prometheus text format; '' before the first
    event of the process (fleet-api's ``/metrics`` appends it)."""
    if not _METRICS:
        return ''
    from prometheus_client import exposition as text

    return text.generate_latest(_METRICS['registry']).decode('utf-8')


class Notifications:
    """The notifiers of one :class:`fleet.api.store.Fleet`.

    :param conf: the ConfigOpts (``[notifications]``, the plugins'
        groups); None disables notifications.
    :param notifiers: ``{name: Notifier}`` to use instead of loading the
        enabled ones (tests).
    :param manager: a stevedore manager the loader picks the enabled
        notifiers from instead of scanning entry points (tests).
    """

    def __init__(self, conf, notifiers=None, manager=None):
        self.conf = conf
        self._given = notifiers
        self._manager = manager
        self._workers = None
        self._lock = threading.Lock()
        self._stats = collections.defaultdict(collections.Counter)
        self._closed = False
        self._load_error = None

    @property
    def enabled(self):
        """True when at least one notifier is enabled (or given)."""
        if self._given is not None:
            return bool(self._given)
        return bool(self.conf is not None and
                    self.conf.notifications.enabled_notifiers)

    def publish(self, events):
        """Queue ``[(event_type, payload)]`` for every notifier; never
        blocks and never raises (a failure is logged and counted)."""
        if not events or not self.enabled:
            return
        if self._closed:
            LOG.warning('notifications: %d event(s) published after close '
                        'were dropped', len(events))
            self._count('(closed)', 'dropped', 'shutdown', len(events))
            return
        if self._load_error is None:
            try:
                workers = self._start()
            except Exception as exc:  # noqa: BLE001 - the commit stands
                # Said once; loading is not tried again by this process.
                self._load_error = exc
                LOG.error('notifications: could not load the notifiers; '
                          'events are dropped until the configuration is '
                          'fixed: %s', exc)
        if self._load_error is not None:
            self._count('(loader)', 'dropped', 'load_error', len(events))
            return
        for worker in workers:
            for event_type, payload in events:
                worker.put(event_type, payload)

    def stats(self):
        """``{notifier: {'sent', 'retried', 'dropped', 'pending'}}`` of
        this instance; ``dropped_by_reason`` details the drops."""
        result = {}
        for name, counts in sorted(self._stats.items()):
            result[name] = {
                'sent': counts['sent'], 'retried': counts['retried'],
                'dropped': sum(v for k, v in counts.items()
                               if k.startswith('dropped:')),
                'dropped_by_reason': {k.split(':', 1)[1]: v
                                      for k, v in counts.items()
                                      if k.startswith('dropped:')},
                'pending': 0}
        for worker in self._workers or ():
            entry = result.setdefault(worker.name, {
                'sent': 0, 'retried': 0, 'dropped': 0,
                'dropped_by_reason': {}, 'pending': 0})
            entry['pending'] = worker.pending
        return result

    def flush(self, timeout=None):
        """Wait up to ``timeout`` s (default ``[notifications]
        flush_timeout``) for every queue to empty.

        :returns: True when nothing is left pending.
        """
        import time

        timeout = self._flush_timeout() if timeout is None else timeout
        deadline = time.monotonic() + timeout
        done = True
        for worker in self._workers or ():
            left = max(0.0, deadline - time.monotonic())
            done = worker.flush(left) and done
        return done

    def close(self, timeout=None):
        """Deliver what is queued (at most ``timeout`` s, default
        ``[notifications] flush_timeout``), then stop the threads; what is
        left is dropped, logged and counted. Idempotent."""
        import time

        with self._lock:
            if self._closed:
                return
            self._closed = True
            workers, self._workers = self._workers or [], []
        timeout = self._flush_timeout() if timeout is None else timeout
        deadline = time.monotonic() + timeout
        for worker in workers:
            worker.flush(max(0.0, deadline - time.monotonic()))
        for worker in workers:
            worker.stop(max(0.0, deadline - time.monotonic()))
        for worker in workers:
            close = getattr(worker.notifier, 'close', None)
            if close is not None:
                try:
                    close()
                except Exception as exc:  # noqa: BLE001
                    LOG.warning('notifier %s: close failed: %s',
                                worker.name, exc)
        _LIVE.discard(self)
        # Keep stats() answering after close.
        self._workers = None

    # -- internals ------------------------------------------------------------
    def _flush_timeout(self):
        if self.conf is None:
            return 5.0
        return self.conf.notifications.flush_timeout

    def _start(self):
        if self._workers is not None:
            return self._workers
        with self._lock:
            if self._workers is not None:
                return self._workers
            if self._closed:
                raise RuntimeError('notifications are closed')
            from fleet.api import notify_worker

            notifiers = self._given
            if notifiers is None:
                from fleet.plugins import loader

                notifiers = loader.load_enabled(
                    'notifiers', self.conf, manager=self._manager,
                    library_conf=self.conf)
            metrics()
            policy = notify_worker.Policy.from_conf(
                self.conf.notifications) if self.conf is not None else \
                notify_worker.Policy()
            workers = []
            for name, notifier in notifiers.items():
                if getattr(notifier, 'name', None) is None:
                    notifier.name = name
                workers.append(notify_worker.Worker(notifier, policy,
                                                    self._count))
            self._workers = workers
            _LIVE.add(self)
            _register_atexit()
            return workers

    def _count(self, name, outcome, reason=None, n=1):
        key = outcome if reason is None else '%s:%s' % (outcome, reason)
        with _METRICS_LOCK:
            self._stats[name][key] += n
        counters = metrics()
        if outcome == 'dropped':
            counters['dropped'].labels(notifier=name,
                                       reason=reason or '').inc(n)
        else:
            counters[outcome].labels(notifier=name).inc(n)


_ATEXIT = []


def _register_atexit():
    if not _ATEXIT:
        _ATEXIT.append(True)
        atexit.register(close_all)


def close_all():
    """Close every live :class:`Notifications` (run at exit)."""
    for notifications in list(_LIVE):
        notifications.close()
