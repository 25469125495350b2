"""Work around pyghmi's lost login-failure reason (pyghmi 1.6.19).

``Session._mark_broken(error)`` (``pyghmi.ipmi.private.session``) first
calls ``logout()``, which clears ``logging`` and sets ``broken``, and only
then stores ``errormsg``. A caller waiting for its login in
``Session.__init__`` on another thread (``while self.logging:
wait_for_rsp()``, then ``raise IpmiException(self.errormsg)``) can run in
between and fail with ``AttributeError: 'Session' object has no attribute
'errormsg'``: a refused password was then reported as an "IPMI error"
instead of "authentication refused" (seen in CI on the lab's wrong-password
BMC).

The fix stores the reason before pyghmi's own ``_mark_broken`` runs.
Remove this module (and its :func:`install` call in
:mod:`fleet.plugins.collectors.ipmi_session`) when pyghmi sets
``errormsg`` before it marks the session broken:
``tests/unit/plugins/collectors/test_ipmi_broken.py`` then passes without
it.
"""

from pyghmi.ipmi.private import session as _session

#: pyghmi's own method, kept to call it and to tell whether we wrapped it.
_PYGHMI_MARK_BROKEN = _session.Session._mark_broken


def _mark_broken(self, error=None):
    self.errormsg = error
    return _PYGHMI_MARK_BROKEN(self, error)


def install():
    """Store the reason before pyghmi marks a session broken (idempotent)."""
    _session.Session._mark_broken = _mark_broken


def installed():
    """True while the wrapper is in place."""
    return _session.Session._mark_broken is _mark_broken
