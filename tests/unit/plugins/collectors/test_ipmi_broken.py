"""pyghmi's failed login must carry its reason to the waiting caller."""

import testtools

from pyghmi.ipmi.private import session as pyghmi_session

from fleet.plugins.collectors import ipmi_broken

_MISSING = object()


def _bare_session():
    """A pyghmi Session with just what ``_mark_broken`` touches."""
    s = object.__new__(pyghmi_session.Session)
    s.bmc, s.userid, s.password, s.port, s.kgo = (
        '192.0.2.1', b'admin', b'secret', 623, None)
    s.broken, s.socket, s.logonwaiters = True, None, []
    s.lastpayload = s.onlogpayload = None
    return s


class TestBrokenSessionReason(testtools.TestCase):

    def setUp(self):
        super().setUp()
        ipmi_broken.install()

    def test_reason_is_set_before_the_session_looks_broken(self):
        # pyghmi's _mark_broken calls logout(), which clears ``logging``
        # and sets ``broken``, before it stores ``errormsg``; a caller
        # waiting in Session.__init__ on another thread then raised
        # AttributeError('errormsg') instead of the BMC's refusal (CI,
        # test_wrong_password).
        s = _bare_session()
        seen = []

        def logout(sessionok=True):
            seen.append(getattr(s, 'errormsg', _MISSING))
            s.logging = False

        s.logout = logout
        s._mark_broken('Incorrect password provided')
        self.assertEqual(['Incorrect password provided'], seen)
        self.assertEqual('Incorrect password provided', s.errormsg)

    def test_install_is_idempotent(self):
        ipmi_broken.install()
        ipmi_broken.install()
        self.assertTrue(ipmi_broken.installed())
        s = _bare_session()
        s.logout = lambda sessionok=True: None
        s._mark_broken('x')
        self.assertEqual('x', s.errormsg)

    def test_a_session_never_marked_broken_has_no_stale_reason(self):
        s = _bare_session()
        self.assertIsNone(getattr(s, 'errormsg', None))
