"""Alert reactions: an alert that becomes actionable is audited at once.

The periodic sweep (the ``fleet_sweep`` workbook's cron trigger in
Mistral) audits and resolves the whole fleet every few minutes. An alert
that fleet-api takes in need not wait for it: when an intake post makes
an alert of a known device **actionable** (state ``firing``: past its
repeat threshold, not silenced, acknowledged or flapping), the reactor

1. audits the enabled rules that watch that alert (``auditor: threshold``
   with ``params.alert`` matching its name), which opens their findings;
2. hands the open findings of those rules on those devices to the
   resolver, which decides by each rule's ``mode`` (``notify``,
   ``approve``, ``auto``) under the blast-radius lock, as always.

It runs in one daemon thread per fleet-api worker (:meth:`Reactor.start`,
called by fleet-api only), so a post is answered without waiting for
audits or Mistral; alerts that arrive meanwhile are taken together in the
next round. Elsewhere (the CLI, Mistral actions) :meth:`Reactor.submit`
does nothing: the sweep, or ``fleet audit run`` and ``fleet remediation
resolve``, act on those alerts. ``[api] react_to_alerts = false`` leaves
fleet-api's alerts to the sweep too.
"""

import fnmatch
import logging
import queue
import threading

import sqlalchemy as sa

from fleet.db import models

LOG = logging.getLogger(__name__)

#: (alert name, device id) pairs waiting at most; more are dropped
#: (logged): the sweep still acts on them.
QUEUE_SIZE = 10000


def watching(rules, names):
    """The names of the enabled rules that watch one of the alert names."""
    out = []
    for rule in rules:
        pattern = (rule.get('params') or {}).get('alert')
        if (rule.get('enabled', True) and rule['auditor'] == 'threshold'
                and pattern and any(fnmatch.fnmatchcase(n, pattern)
                                    for n in names)):
            out.append(rule['name'])
    return out


class Reactor:
    """Audit and resolve for alerts that became actionable."""

    def __init__(self, fleet):
        self.fleet = fleet
        self._queue = None
        self._thread = None
        self._lock = threading.Lock()
        #: Rounds run and pairs dropped (a full queue), for tests/metrics.
        self.rounds = 0
        self.dropped = 0

    @property
    def started(self):
        return self._thread is not None

    def start(self):
        """Run reactions in a daemon thread of this process (idempotent)."""
        with self._lock:
            if self._thread is None:
                self._queue = queue.Queue(QUEUE_SIZE)
                self._thread = threading.Thread(
                    target=self._run, name='fleet-reactions', daemon=True)
                self._thread.start()

    def submit(self, ctx, pairs):
        """Queue ``[(alert name, device id)]``; a no-op unless started."""
        if self._queue is None or not pairs:
            return
        for pair in pairs:
            try:
                self._queue.put_nowait((ctx, pair))
            except queue.Full:
                self.dropped += 1
                LOG.warning('reactions: queue full, alert %s on device %s '
                            'left to the sweep', *pair)

    def _run(self):
        while True:
            ctx, pair = self._queue.get()
            pairs = {pair}
            while True:  # what came meanwhile joins this round
                try:
                    pairs.add(self._queue.get_nowait()[1])
                except queue.Empty:
                    break
            try:
                self.react(ctx, sorted(pairs))
            except Exception:  # noqa: BLE001 - the thread must go on
                LOG.exception('reactions: round for %d alerts failed; the '
                              'sweep will act on them', len(pairs))
            finally:
                self.rounds += 1

    def react(self, ctx, pairs):
        """Audit the rules watching ``pairs`` and resolve their findings.

        :param pairs: ``[(alert name, device id)]``.
        :returns: the resolver's decisions (a list; empty when no rule
            watches these alerts).
        """
        names = sorted({name for name, _ in pairs})
        devices = sorted({dev for _, dev in pairs})
        rules = watching(self.fleet.policies.rules(ctx), names)
        if not rules:
            return []
        ctx = ctx.replace(reason=ctx.reason or 'alert %s' % ', '.join(
            names))
        self.fleet.audit.run(ctx, rules=rules)
        f = models.Finding
        with self.fleet.reading() as s:
            ids = list(s.scalars(sa.select(f.id).where(
                f.rule.in_(rules), f.status == 'open',
                f.device_id.in_(devices))))
        if not ids:
            return []
        decisions = self.fleet.resolver.resolve(ctx, findings=ids)
        LOG.info('reactions: alerts %s on %d devices: %d findings, '
                 'decisions %s', ', '.join(names), len(devices), len(ids),
                 ', '.join(sorted({d['decision'] for d in decisions})))
        return decisions
