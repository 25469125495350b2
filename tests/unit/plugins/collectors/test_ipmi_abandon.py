"""A login the sweep gave up on before pyghmi registered it must end soon.

The sweep's deadline can strike while a worker is between its own check
(``SessionPool._get``) and pyghmi's registration of the login in
``Session.initting_sessions``: :meth:`SessionPool.abandon` then finds no
login to tear down. Left alone, that login to a dead BMC retransmits until
pyghmi's own retries end (about 20 s) and holds a login slot that long (the
functional test ``test_sweeps_after_dead_bmcs_hit_the_deadline`` saw such
entries at the end of its sweeps). The BMC here is real enough: a UDP port
on 127.0.0.1 that nobody answers on; only the instant of the deadline is
forced, as no real peer can be made to show it.
"""

import socket
import threading
import time

import testtools

from fleet.plugins.collectors import ipmi_session
from fleet.plugins.collectors import ipmi_teardown


def _silent_port():
    """A bound UDP port that never answers (a BMC that went dark)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    return sock


class TestAbandonBeforeLoginRegistered(testtools.TestCase):

    def test_login_started_after_abandon_is_torn_down_within_seconds(self):
        dark = _silent_port()
        self.addCleanup(dark.close)
        creds = ipmi_session.Credentials(
            '127.0.0.1', dark.getsockname()[1], 'admin', 'not-a-secret')
        pool = ipmi_session.SessionPool()
        self.addCleanup(pool.close, 1.0)
        real = ipmi_session.forget_login_attempt
        struck = []

        def deadline_strikes_now(c):
            # The worker passed its given-up check; the deadline strikes
            # before pyghmi has registered the login.
            if not struck:
                struck.append(time.monotonic())
                pool.abandon('dev-1', creds)
            return real(c)

        self.patch(ipmi_session, 'forget_login_attempt',
                   deadline_strikes_now)
        outcome = []

        def worker():
            try:
                pool.get('dev-1', creds)
                outcome.append('logged in')
            except Exception as exc:  # noqa: BLE001 - what pyghmi raised
                outcome.append(exc)
            finally:
                outcome.append(time.monotonic())
                pool.drop('dev-1')

        thread = threading.Thread(target=worker, daemon=True)
        thread.start()
        thread.join(30)
        self.assertEqual(1, len(struck))
        self.assertEqual(2, len(outcome), 'the login never returned')
        self.assertNotEqual('logged in', outcome[0])
        took = outcome[1] - struck[0]
        self.assertLess(took, 3.0, 'the abandoned login went on for %.1f s'
                        % took)
        self.assertEqual([], ipmi_teardown.leftovers([creds]))
