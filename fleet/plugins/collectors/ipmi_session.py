"""Persistent pyghmi sessions, one per BMC, and what their failures mean.

A :class:`SessionPool` keeps one logged-in ``pyghmi.ipmi.command.Command``
per device between sweeps (pyghmi's IO thread sends the keepalives), so a
sweep costs the readings' round trips, not a login each time. A session
whose credentials changed, that pyghmi marked broken, or that failed a
command is dropped and opened again on the next use.

:func:`classify` turns an exception into the one-line reason a reading
carries (``authentication refused ...``, ``unreachable ...``,
``timeout ...``) and never includes the password: the text is built here,
and whatever pyghmi said is scrubbed of the password before it is quoted.
"""

import contextlib
import logging
import socket
import threading
import time

from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi import command as pyghmi_command
from pyghmi.ipmi.private import session as pyghmi_session

from fleet.plugins.collectors import ipmi_broken
from fleet.plugins.collectors import ipmi_locks
from fleet.plugins.collectors import ipmi_stall
from fleet.plugins.collectors import ipmi_teardown

LOG = logging.getLogger(__name__)

# The pyghmi workarounds must be in place before the first session.
ipmi_broken.install()
ipmi_locks.install()
ipmi_stall.install()

#: pyghmi login errors that mean the BMC refused the credentials.
_AUTH_ERRORS = (
    'incorrect password', 'unauthorized name', 'unauthorized role',
    'invalid integrity check', 'invalid rakp4 integrity', 'insufficient',
    'unauthorized guid', 'privilege',
)

MASK = '***'


class BmcError(Exception):
    """A BMC could not be read; ``str()`` is the reason, safe to show."""


class Credentials(tuple):
    """``(address, port, username, password)``; the password never shows.

    ``repr()`` and ``str()`` mask the password, so a credentials tuple
    that ends up in a log line or a traceback does not leak it.
    """

    def __new__(cls, address, port, username, password):
        return super().__new__(cls, (address, int(port), username, password))

    address = property(lambda self: self[0])
    port = property(lambda self: self[1])
    username = property(lambda self: self[2])
    password = property(lambda self: self[3])

    def __repr__(self):
        return 'Credentials(%r, %d, %r, %s)' % (
            self[0], self[1], self[2], MASK)

    __str__ = __repr__

    @property
    def where(self):
        """``address:port`` for messages."""
        return '%s:%d' % (self[0], self[1])


def scrub(text, password):
    """``text`` with every occurrence of ``password`` masked."""
    text = '' if text is None else str(text)
    if password:
        text = text.replace(str(password), MASK)
    return text


def classify(exc, creds):
    """The reason, one line without the password, for a failure.

    :param exc: what pyghmi (or the socket layer) raised.
    :param creds: the :class:`Credentials` that were used.
    """
    if isinstance(exc, BmcError):
        return scrub(exc, creds.password)
    text = scrub(exc.args[0] if exc.args else '', creds.password).strip()
    low = text.lower()
    if any(word in low for word in _AUTH_ERRORS):
        return 'authentication refused by %s (%s)' % (creds.where, text)
    if isinstance(exc, (socket.gaierror, OSError)) or 'unable to transmit' \
            in low:
        return 'unreachable: %s (%s)' % (
            creds.where, text or type(exc).__name__)
    if isinstance(exc, pyghmi_exc.IpmiException) and (
            not text or text == 'timeout'):
        return 'unreachable: no IPMI answer from %s' % creds.where
    if 'no longer connected' in low or 'timeout' in low:
        return 'timeout: %s stopped answering (%s)' % (creds.where, text)
    return 'IPMI error from %s: %s' % (
        creds.where, text or type(exc).__name__)


#: Logins at once. pyghmi's login loop scans every session of the process
#: on each packet, so many concurrent logins starve its IO thread (64 at
#: once against 1,000 BMCs: a quarter of them timed out).
LOGINS_AT_ONCE = 8
_logins = threading.BoundedSemaphore(LOGINS_AT_ONCE)

#: A session idle this long (seconds) gets a keepalive.
KEEPALIVE_IDLE = 15.0
#: Seconds between two looks of the keepalive thread.
KEEPALIVE_TICK = 5.0

#: How often, and how many times, :meth:`SessionPool.abandon` looks again
#: for a given-up login that pyghmi had not registered yet.
ABANDON_LOOK = 0.05
ABANDON_LOOKS = 100


class _Held:
    __slots__ = ('creds', 'cmd', 'lock', 'used')

    def __init__(self, creds, cmd):
        self.creds, self.cmd = creds, cmd
        self.lock = threading.Lock()
        self.used = time.monotonic()


class SessionPool:
    """One persistent pyghmi session per device.

    Thread-safe: the sweep's workers ask for sessions concurrently, each
    for a different device.

    A BMC drops a session left idle for about 30 s, and pyghmi then spends
    many seconds retrying on the next command (measured: after 40 s idle
    every lab BMC missed a 10 s deadline). pyghmi sends keepalives only
    from its event loop, which a synchronous caller does not run between
    sweeps; so a daemon thread sends each session idle for
    :data:`KEEPALIVE_IDLE` seconds a ``Get Device ID``, the command pyghmi
    itself keeps sessions alive with. A session whose keepalive fails is
    dropped and logged in again by the next sweep.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._sessions = {}   # device_id -> _Held
        self.logins = 0       # sessions opened (for tests and benchmarks)
        self.keepalives = 0   # keepalives sent (for tests)
        self._keepalive = None
        self._closed = threading.Event()
        self._given_up = set()   # device ids abandoned at their deadline

    @contextlib.contextmanager
    def session(self, device_id, creds):
        """A logged-in ``Command`` for ``device_id``, held while in use.

        :returns: (as context) ``(command, fresh)``, ``fresh`` True when it
            just logged in (the caller then reloads what it caches per
            session).
        :raises Exception: whatever pyghmi raises on login; pass it to
            :func:`classify`.
        """
        held = self._get(device_id, creds)
        with held.lock:
            try:
                yield held.cmd, held.used is None
            finally:
                held.used = time.monotonic()

    def get(self, device_id, creds):
        """``(command, fresh)`` for ``device_id`` (not held; tests)."""
        held = self._get(device_id, creds)
        fresh = held.used is None
        held.used = time.monotonic()
        return held.cmd, fresh

    def _get(self, device_id, creds):
        with self._lock:
            held = self._sessions.get(device_id)
        if held is not None:
            sess = held.cmd.ipmi_session
            if held.creds == creds and not sess.broken and sess.logged:
                return held
            self.drop(device_id, logout=True)
        with _logins:
            self._check_given_up(device_id)
            forget_login_attempt(creds)
            held = _Held(creds, pyghmi_command.Command(
                bmc=creds.address, port=creds.port, userid=creds.username,
                password=creds.password, keepalive=True))
        if device_id in self._given_up:
            # Logged in after the sweep gave up on it: nobody waits.
            _forget(held.cmd.ipmi_session, creds)
            self._check_given_up(device_id)
        # This pool keeps its sessions alive itself (see the class
        # docstring). pyghmi's own keepalive is sent asynchronously from
        # whichever thread next runs its event loop (another BMC's login)
        # and leaves the session busy until someone handles the reply,
        # which can be longer than a sweep's deadline: take the session
        # out of it.
        pyghmi_session.Session.keepalive_sessions.pop(
            held.cmd.ipmi_session, None)
        held.used = None
        with self._lock:
            self._sessions[device_id] = held
            self.logins += 1
            if self._keepalive is None:
                self._keepalive = threading.Thread(
                    target=self._keep_alive, daemon=True,
                    name='fleet-ipmi-keepalive')
                self._keepalive.start()
        return held

    def _keep_alive(self):
        while not self._closed.wait(KEEPALIVE_TICK):
            with self._lock:
                items = list(self._sessions.items())
            for device_id, held in items:
                if self._closed.is_set():
                    return
                if held.used is None or \
                        time.monotonic() - held.used < KEEPALIVE_IDLE:
                    continue
                if not held.lock.acquire(blocking=False):
                    continue        # a sweep is using it
                try:
                    rsp = held.cmd.ipmi_session.raw_command(netfn=6,
                                                            command=1)
                    ok = 'error' not in rsp
                except Exception:  # noqa: BLE001 - the BMC went away
                    ok = False
                finally:
                    held.used = time.monotonic()
                    held.lock.release()
                self.keepalives += 1
                if not ok:
                    self.drop(device_id)

    def _check_given_up(self, device_id):
        if device_id in self._given_up:
            raise BmcError('given up at the deadline')

    def abandon(self, device_id, creds):
        """Give up on ``device_id`` whose read passed its deadline.

        Its session (or its login under way) is torn down
        (:func:`.ipmi_teardown.tear_down`): pyghmi forgets it, the thread
        still blocked on it returns within milliseconds and frees its
        login slot, and a login not started yet is not started. A login
        that pyghmi has not registered yet (the deadline struck between
        the worker's check and pyghmi's first packet) is looked for again
        every :data:`ABANDON_LOOK` s for :data:`ABANDON_LOOKS` looks, so
        it ends within a fraction of a second instead of pyghmi's own
        retries (5-20 s). The next :meth:`drop` (the thread's own, when it
        returns) clears the mark.
        """
        self._given_up.add(device_id)
        with self._lock:
            held = self._sessions.pop(device_id, None)
        if held is not None:
            _forget(held.cmd.ipmi_session, creds)
        elif not self._end_login(device_id, creds):
            threading.Thread(target=self._end_login_later,
                             args=(device_id, creds), daemon=True,
                             name='fleet-ipmi-abandon').start()

    def _end_login(self, device_id, creds):
        """Tear down the login under way of a given-up ``device_id``;
        True when nothing is left to do (done, or its thread returned)."""
        if device_id not in self._given_up:
            return True
        sess = ipmi_teardown.logging_in(creds)
        return sess is not None and _forget(sess, creds)

    def _end_login_later(self, device_id, creds):
        for _ in range(ABANDON_LOOKS):
            if self._closed.wait(ABANDON_LOOK) or \
                    self._end_login(device_id, creds):
                return

    def drop(self, device_id, logout=False):
        """Forget the session of ``device_id`` (after a failure).

        pyghmi forgets it too: with ``logout`` it is logged out (the BMC
        answered), otherwise torn down without a word to the BMC.
        """
        self._given_up.discard(device_id)
        with self._lock:
            held = self._sessions.pop(device_id, None)
        if held is None:
            return
        if logout:
            _logout(held.cmd)
        if not held.cmd.ipmi_session.broken:
            _forget(held.cmd.ipmi_session, held.creds)

    def close(self, timeout=10.0):
        """Log every session out, giving up after ``timeout`` seconds.

        Best effort: a BMC that stopped answering cannot log out, and
        pyghmi's logout of a session it still thinks alive can block, so
        the logouts run in a daemon thread that is left behind.
        """
        self._closed.set()
        with self._lock:
            held, self._sessions = list(self._sessions.values()), {}

        def logout_all():
            for one in held:
                _logout(one.cmd)

        thread = threading.Thread(target=logout_all, daemon=True,
                                  name='fleet-ipmi-logout')
        thread.start()
        thread.join(timeout)

    def __len__(self):
        return len(self._sessions)


def forget_login_attempt(creds):
    """Make pyghmi forget its earlier login attempt with ``creds``.

    pyghmi 1.6.19 keeps each login attempt in ``Session.initting_sessions``
    under a key with the password as given (text) but deletes it under the
    encoded password (bytes), so the entry stays; and it looks for a
    logged-in session to share by comparing the encoded password with the
    text one, which never matches. The next ``Command`` with the same
    credentials is handed that old session object: a broken one (the BMC
    refused the password, or was down once) makes the caller wait for its
    expiry instead of trying again, a logged-in one makes it wait forever
    for a login that already finished. Dropping the entry makes pyghmi open
    a new session, as it means to. Remove this when pyghmi deletes the
    entry it made (the functional test ``test_wrong_password`` logs in twice
    with the same wrong password, ``test_sessions_persist`` opens a second
    collector on the same BMCs).
    """
    pyghmi_session.Session.initting_sessions.pop(
        ipmi_teardown.login_key(creds), None)


def _forget(sess, creds):
    """Tear ``sess`` down (:mod:`.ipmi_teardown`); never raises. True when
    it was (False: not set up far enough yet, or it failed)."""
    try:
        return ipmi_teardown.tear_down(sess, creds=creds)
    except Exception:  # noqa: BLE001 - the sweep must go on
        LOG.exception('ipmi: could not end the session of %s', creds.where)
        return False


def _logout(cmd):
    sess = cmd.ipmi_session
    if sess.broken or not sess.logged:
        return
    try:
        sess.logout()
    except Exception:  # noqa: BLE001 - a BMC gone away cannot log out
        pass
