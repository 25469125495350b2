"""Work around pyghmi's lock-order deadlock (pyghmi 1.6.19).

pyghmi guards its process-wide session tables with two module locks,
``KEEPALIVE_SESSIONS`` and ``WAITING_SESSIONS``
(``pyghmi.ipmi.private.session``), and takes them in both orders:

- ``Session.send_payload`` holds ``KEEPALIVE_SESSIONS`` and, in
  ``_xmit_packet``, takes ``WAITING_SESSIONS``;
- ``Session.wait_for_rsp`` (and ``awaitresponse``) hold
  ``WAITING_SESSIONS`` while they call ``_timedout()`` on each session
  whose retry timer expired, which retransmits through ``send_payload``
  and takes ``KEEPALIVE_SESSIONS``.

A thread sending a request while another retransmits for a session that
gets no answer deadlocks both; every later pyghmi call of the process
then waits on one of the two locks. A collector that keeps sessions
between sweeps met it after a sweep with dead BMCs: their logins
retransmit from ``wait_for_rsp`` for 5-15 s while the live sessions send,
and the next sweep timed out on every BMC (300 live + 20 dead BMCs: 30 s,
all 320 failed; ``benchmarks/ipmi_sweep.py --dead``).

The fix makes the two names one re-entrant lock, so there is no order to
get wrong; both guard short sections of the same tables, so nothing of
value ran in parallel under them. It must be in place before the first
session exists (a thread could otherwise hold the old lock), which
:mod:`fleet.plugins.collectors.ipmi_session` does on import.

Remove this module (and its :func:`install` call) when pyghmi takes its
locks in one order: the functional test
``test_sweeps_after_dead_bmcs_hit_the_deadline`` then passes without it.
"""

from pyghmi.ipmi.private import session as _session

#: pyghmi's own locks, kept to tell whether the fix is in place.
_KEEPALIVE = _session.KEEPALIVE_SESSIONS
_WAITING = _session.WAITING_SESSIONS


def install():
    """Make pyghmi's two session-table locks one (idempotent)."""
    _session.WAITING_SESSIONS = _KEEPALIVE


def installed():
    """True while both names are the same lock."""
    return _session.WAITING_SESSIONS is _session.KEEPALIVE_SESSIONS


def lock():
    """The lock that guards pyghmi's session tables (a ``RLock``).

    Holding it keeps pyghmi from running any session's retry timer
    (``_timedout``) meanwhile, so a session can be torn down in one piece.
    """
    return _session.KEEPALIVE_SESSIONS
