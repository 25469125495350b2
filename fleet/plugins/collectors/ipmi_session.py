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

import socket
import threading

from pyghmi import exceptions as pyghmi_exc
from pyghmi.ipmi import command as pyghmi_command
from pyghmi.ipmi.private import session as pyghmi_session

from fleet.plugins.collectors import ipmi_stall

# The lost-wakeup workaround must be in place before the first session.
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


class SessionPool:
    """One persistent pyghmi session per device.

    Thread-safe: the sweep's workers ask for sessions concurrently, each
    for a different device.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._sessions = {}   # device_id -> (Credentials, Command)
        self.logins = 0       # sessions opened (for tests and benchmarks)

    def get(self, device_id, creds):
        """A logged-in ``Command`` for ``device_id``.

        :returns: ``(command, fresh)``, ``fresh`` True when it just logged
            in (the caller then reloads what it caches per session).
        :raises Exception: whatever pyghmi raises on login; pass it to
            :func:`classify`.
        """
        with self._lock:
            held = self._sessions.get(device_id)
        if held is not None:
            old_creds, cmd = held
            sess = cmd.ipmi_session
            if old_creds == creds and not sess.broken and sess.logged:
                return cmd, False
            self.drop(device_id)
        forget_login_attempt(creds)
        cmd = pyghmi_command.Command(
            bmc=creds.address, port=creds.port, userid=creds.username,
            password=creds.password, keepalive=True)
        with self._lock:
            self._sessions[device_id] = (creds, cmd)
            self.logins += 1
        return cmd, True

    def drop(self, device_id, logout=False):
        """Forget the session of ``device_id`` (after a failure)."""
        with self._lock:
            held = self._sessions.pop(device_id, None)
        if held is not None and logout:
            _logout(held[1])

    def close(self):
        """Log every session out (best effort, short timeouts)."""
        with self._lock:
            held, self._sessions = list(self._sessions.values()), {}
        for _creds, cmd in held:
            _logout(cmd)

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
    key = (creds.address, creds.username, creds.password, creds.port, None)
    pyghmi_session.Session.initting_sessions.pop(key, None)


def _logout(cmd):
    sess = cmd.ipmi_session
    if sess.broken or not sess.logged:
        return
    try:
        sess.logout()
    except Exception:  # noqa: BLE001 - a BMC gone away cannot log out
        pass
