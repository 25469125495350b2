"""Authentication of fleet-api callers: ``[api] auth_strategy``.

Each strategy is a WSGI middleware that lets an authenticated request on
and puts who called into ``environ['fleet.auth']`` (``actor``, ``roles``,
``project``), from which the request context is built:

``keystone``
    keystonemiddleware ``auth_token`` (options in ``[keystone_authtoken]``)
    validates ``X-Auth-Token``; the user name, roles and project it
    passes on become the context's actor, roles and project.
``token``
    ``Authorization: Bearer <token>`` compared in constant time with the
    content of ``[api] token_file`` (what an Alertmanager webhook's
    ``http_config.authorization.credentials_file`` sends); the actor is
    ``[api] token_actor``.
``noauth``
    no check; actor, roles and project from ``X-User-Name``, ``X-Roles``
    and ``X-Project-Id`` when sent. Only when set explicitly.

A missing or wrong credential gets 401 before any handler runs, so nothing
is written; the credential is never logged or echoed.
"""

import hmac
import logging
import os

from fleet.common import exception
from fleet.wsgi import errors

LOG = logging.getLogger(__name__)

#: environ key holding who called: {'actor', 'roles', 'project'}.
ENVIRON_KEY = 'fleet.auth'


def _identity(actor, roles=(), project=None):
    return {'actor': actor, 'roles': tuple(roles), 'project': project}


def _roles(text):
    return tuple(r.strip() for r in (text or '').split(',') if r.strip())


def read_token(path):
    """The token held in ``path`` (surrounding white space stripped).

    :raises fleet.common.exception.Invalid: not set, missing, unreadable
        or empty (field ``[api] token_file``; never shows the content).
    """
    field = '[api] token_file'
    if not path:
        raise exception.Invalid(
            field, 'not set, and [api] auth_strategy = token needs it',
            'set it to a file holding the bearer token, or choose '
            'another auth_strategy')
    try:
        with open(os.path.expanduser(path), 'rb') as f:
            raw = f.read(65536)
    except OSError as exc:
        raise exception.Invalid(
            field, 'cannot read %s: %s' % (path, exc.strerror),
            'create the file (readable by fleet-api only) holding the '
            'bearer token') from None
    token = raw.strip()
    if not token:
        raise exception.Invalid(field, '%s is empty' % path,
                                'write the bearer token into it')
    return token


class TokenAuth:
    """The ``token`` strategy: a bearer token from a file."""

    def __init__(self, app, token, actor):
        self.app = app
        self._token = token
        self.actor = actor

    def _check(self, header):
        if not header:
            return 'missing'
        scheme, _, given = header.strip().partition(' ')
        if scheme.lower() != 'bearer' or not given.strip():
            return 'not a bearer token'
        # Both sides as bytes: compare_digest refuses non-ASCII str.
        if not hmac.compare_digest(given.strip().encode('utf-8'),
                                   self._token):
            return 'wrong token'
        return None

    def __call__(self, environ, start_response):
        problem = self._check(environ.get('HTTP_AUTHORIZATION'))
        if problem is not None:
            LOG.warning('Rejected %s %s from %s: Authorization %s',
                        environ.get('REQUEST_METHOD'),
                        environ.get('PATH_INFO'),
                        environ.get('REMOTE_ADDR'), problem)
            exc = errors.Unauthorized(
                'Authorization: %s; send "Authorization: Bearer <token>" '
                'with the token of the service\'s [api] token_file'
                % problem)
            return errors.from_fleet_error(environ, exc)(environ,
                                                         start_response)
        environ[ENVIRON_KEY] = _identity(self.actor)
        return self.app(environ, start_response)


class NoAuth:
    """The ``noauth`` strategy: trust the identity headers, if any."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ[ENVIRON_KEY] = _identity(
            environ.get('HTTP_X_USER_NAME') or 'noauth',
            _roles(environ.get('HTTP_X_ROLES')),
            environ.get('HTTP_X_PROJECT_ID'))
        return self.app(environ, start_response)


class KeystoneIdentity:
    """Behind keystonemiddleware: its validated headers -> the identity."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get('HTTP_X_IDENTITY_STATUS', 'Confirmed') != 'Confirmed':
            exc = errors.Unauthorized('X-Auth-Token: missing or invalid; '
                                      'send a valid Keystone token')
            return errors.from_fleet_error(environ, exc)(environ,
                                                         start_response)
        environ[ENVIRON_KEY] = _identity(
            environ.get('HTTP_X_USER_NAME') or
            environ.get('HTTP_X_USER_ID') or 'unknown',
            _roles(environ.get('HTTP_X_ROLES')),
            environ.get('HTTP_X_PROJECT_ID'))
        return self.app(environ, start_response)


def keystone(app, conf):
    """keystonemiddleware auth_token around ``app`` ([keystone_authtoken]
    of ``conf``).
    """
    from keystonemiddleware import auth_token

    return auth_token.AuthProtocol(KeystoneIdentity(app),
                                   {'oslo_config_config': conf})


class PublicOrAuthenticated:
    """Public routes (version discovery) skip ``authenticated``."""

    def __init__(self, app, authenticated, is_public):
        self.app = app
        self.authenticated = authenticated
        self.is_public = is_public

    def __call__(self, environ, start_response):
        if self.is_public(environ.get('PATH_INFO') or '/'):
            environ[ENVIRON_KEY] = _identity('anonymous')
            return self.app(environ, start_response)
        return self.authenticated(environ, start_response)


def wrap(app, conf, is_public):
    """``app`` behind the strategy of ``[api] auth_strategy``.

    :raises fleet.common.exception.Invalid: the strategy cannot work
        (``token`` without a readable, non-empty token file).
    """
    strategy = conf.api.auth_strategy
    if strategy == 'token':
        authenticated = TokenAuth(app, read_token(conf.api.token_file),
                                  conf.api.token_actor)
    elif strategy == 'keystone':
        authenticated = keystone(app, conf)
    else:
        LOG.warning('fleet-api runs with [api] auth_strategy = noauth: '
                    'every caller is trusted')
        authenticated = NoAuth(app)
    return PublicOrAuthenticated(app, authenticated, is_public)
