"""Keystone-less identity for the lab's Nova and Placement APIs.

A tiny WSGI middleware that stands where ``authtoken`` (keystonemiddleware)
would: it fills in the identity headers Keystone would have validated, so a
plain client (openstacksdk with ``auth_type: none``) needs no extra headers.
Headers a client does send are kept, so tests can still act as another
project or with fewer roles.

Used two ways:

* in Nova's api-paste.ini: ``paste.filter_factory =
  tools.lab.nova_noauth:filter_factory``;
* around the Placement app by the lab's WSGI runner (``wrap(app)``), where
  the token ``admin`` makes Placement's own noauth2 grant admin.

Lab use only: it grants admin to anybody who can reach 127.0.0.1.
"""

USER_ID = 'fleet-lab-admin'
PROJECT_ID = 'fleet-lab'
ROLES = 'admin,member,reader'
TOKEN = 'admin'

DEFAULTS = (
    ('HTTP_X_AUTH_TOKEN', TOKEN),
    ('HTTP_X_USER_ID', USER_ID),
    ('HTTP_X_USER_NAME', USER_ID),
    ('HTTP_X_PROJECT_ID', PROJECT_ID),
    ('HTTP_X_PROJECT_NAME', PROJECT_ID),
    ('HTTP_X_ROLES', ROLES),
    ('HTTP_X_IDENTITY_STATUS', 'Confirmed'),
)


class NoAuth:
    """Set the Keystone identity headers a request lacks, then pass it on."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        for key, value in DEFAULTS:
            if not environ.get(key):
                environ[key] = value
        return self.app(environ, start_response)


def wrap(app):
    """Wrap a WSGI app (for Placement, whose pipeline is built in code)."""
    return NoAuth(app)


def filter_factory(global_conf, **local_conf):
    """paste.deploy filter factory (stands in for ``authtoken``)."""
    return NoAuth
