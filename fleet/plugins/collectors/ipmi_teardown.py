"""Make pyghmi forget a session the collector gave up on.

pyghmi keeps every session of the process in class-level tables of
``pyghmi.ipmi.private.session.Session``: ``bmc_handlers`` (where replies
are routed), ``waiting_sessions`` (retry timers), ``keepalive_sessions``
and ``initting_sessions`` (logins). Whichever thread next runs pyghmi's
event loop services all of them, so a login to a dead BMC that the sweep
gave up on at its deadline goes on retransmitting for 5-15 s from other
BMCs' threads, holds one of the collector's login slots all that time,
and stays routed after that. :func:`tear_down` ends such a session at
once: the thread still blocked in pyghmi for it wakes up with an
``IpmiException`` and the tables no longer name it. :func:`leftovers`
says what pyghmi still holds for some BMCs (tests, benchmarks).

It uses pyghmi's own ``Session._mark_broken`` under the session-table lock
(:func:`.ipmi_locks.lock`), so no retry timer runs half-way through, and
corrects pyghmi 1.6.19's ``logout()``, which lowers the use count of the
session's socket twice: left alone, the counts drift below zero and pyghmi
puts every new session on the same socket instead of 64 at most.
"""

from pyghmi.ipmi.private import session as pyghmi_session

from fleet.plugins.collectors import ipmi_locks

Session = pyghmi_session.Session


def login_key(creds):
    """pyghmi's ``initting_sessions`` key for a login with ``creds``.

    ``creds`` is ``(address, port, username, password)``; pyghmi keys the
    table with the arguments as given (text) and no Kg.
    """
    address, port, username, password = creds
    return (address, username, password, int(port), None)


def logging_in(creds):
    """The session of a login with ``creds`` that is still under way."""
    sess = Session.initting_sessions.get(login_key(creds))
    if sess is None or getattr(sess, 'broken', True) or \
            getattr(sess, 'logged', 0):
        return None
    return sess


def tear_down(sess, reason='given up by the collector', creds=None):
    """End ``sess`` and take it out of pyghmi's tables.

    No logout is sent: the BMC did not answer in time, and a logout would
    queue behind the request that is still waiting. A thread blocked in
    pyghmi for this session returns (its login or command raises
    ``IpmiException``) on its next wakeup, within milliseconds.

    :param sess: a ``pyghmi.ipmi.private.session.Session``.
    :param reason: what the blocked login raises.
    :param creds: the credentials of a login, to drop its
        ``initting_sessions`` entry too.
    :returns: True when the session was torn down, False when it was not
        set up far enough yet (no packet sent) to be.
    """
    if getattr(sess, 'socket', None) is None or \
            not hasattr(sess, 'allsockaddrs'):
        return False
    with ipmi_locks.lock():
        sess.logged = 0
        sess._mark_broken(reason)
        # pyghmi's logout() lowered the socket's use count twice.
        if sess.socket in Session.socketpool:
            Session.socketpool[sess.socket] += 1
        myport = sess.socket.getsockname()[1]
        for sockaddr in getattr(sess, 'allsockaddrs', ()):
            ports = Session.bmc_handlers.get(sockaddr)
            if ports and ports.get(myport) is sess:
                del ports[myport]
                if not ports:
                    del Session.bmc_handlers[sockaddr]
        Session.waiting_sessions.pop(sess, None)
        Session.keepalive_sessions.pop(sess, None)
        if creds is not None and \
                Session.initting_sessions.get(login_key(creds)) is sess:
            del Session.initting_sessions[login_key(creds)]
        sess.pktqueue.clear()
        while sess.evq:
            sess.evq.popleft().set()
    return True


def leftovers(creds_list):
    """What pyghmi still holds for the BMCs of ``creds_list``.

    :param creds_list: ``(address, port, username, password)`` tuples.
    :returns: sorted ``"<table> <address>:<port>"`` strings, one per live
        entry (broken sessions that pyghmi drops on its next look are
        not counted).
    """
    wanted = {(c[0], int(c[1])) for c in creds_list}
    found = set()

    def note(table, sess):
        where = (getattr(sess, 'bmc', None), getattr(sess, 'port', None))
        if where in wanted:
            found.add('%s %s:%s' % ((table,) + where))

    with ipmi_locks.lock():
        for ports in list(Session.bmc_handlers.values()):
            for sess in list(ports.values()):
                if not sess.broken:
                    note('bmc_handlers', sess)
        for sess in list(Session.waiting_sessions):
            note('waiting_sessions', sess)
        for sess in list(Session.keepalive_sessions):
            note('keepalive_sessions', sess)
        for sess in list(Session.initting_sessions.values()):
            if not getattr(sess, 'broken', True):
                note('initting_sessions', sess)
    return sorted(found)
