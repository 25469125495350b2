"""Work around pyghmi's lost-wakeup stall (pyghmi 1.6.19).

pyghmi runs one IO thread for every session of the process. A caller sends
a request, then queues an event for the IO thread to set when a packet
from its BMC arrives (``pyghmi.ipmi.private.session._io_wait``). When the
reply is faster than that hand-over (a fast or near BMC, a busy client),
the IO thread has already moved the reply to the session's packet queue
before the caller's event exists; nothing sets the event and the caller
sleeps until its retry timer (0.5-1 s) although the reply is there. Against
the lab's simulated BMCs one sequential poll of 50 BMCs took 14-16 s
instead of under 1 s.

The fix wraps ``_io_wait``: it returns at once when the caller's reply is
already queued, and caps every wait at :data:`CAP` seconds, so a wakeup
lost in the remaining window (or a reply handled by another thread) costs
at most a few milliseconds. pyghmi's callers loop until their own condition
holds (``awaitresponse``, ``_cmdwait``, ``wait_for_rsp``), so a shorter
wait only means one more turn of their loop.

Remove this module (and its :func:`install` call in
:mod:`fleet.plugins.collectors.ipmi_session`) when pyghmi checks for an
already-queued reply before it waits: the functional test
``test_stall_without_fix`` then stops seeing stalls with the fix
uninstalled, which is the signal.
"""

from pyghmi.ipmi.private import session as _session

#: Longest single wait for a session's own reply, in seconds. A lost
#: wakeup costs at most this.
CAP = 0.005
#: Longest single wait for any packet (pyghmi's event loop, which logins
#: turn). Each turn scans every session of the process, so a login that
#: waits for a dead BMC should not turn it 200 times a second; a lost
#: wakeup at login costs at most this.
LOOP_CAP = 0.05

#: pyghmi's own function, kept to restore it and to call it.
_PYGHMI_IO_WAIT = _session._io_wait


def _capped_io_wait(timeout, myaddr=None, evq=None):
    if myaddr is not None:
        handlers = _session.Session.bmc_handlers.get(myaddr)
        try:
            if handlers and any(s.pktqueue for s in list(handlers.values())):
                return None
        except RuntimeError:  # the IO thread changed the dict meanwhile
            pass
        return _PYGHMI_IO_WAIT(min(timeout, CAP), myaddr, evq)
    return _PYGHMI_IO_WAIT(min(timeout, LOOP_CAP), myaddr, evq)


def install():
    """Wrap pyghmi's ``_io_wait`` (idempotent, process-wide)."""
    _session._io_wait = _capped_io_wait


def uninstall():
    """Restore pyghmi's own ``_io_wait`` (tests and benchmarks)."""
    _session._io_wait = _PYGHMI_IO_WAIT


def installed():
    """True while the wrapper is in place."""
    return _session._io_wait is _capped_io_wait
