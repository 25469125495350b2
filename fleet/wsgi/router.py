"""The route table of fleet-api and the request/response helpers.

A route is an HTTP method, a path template and a handler::

    ROUTES = [
        router.Route('GET', '/v1/devices', list_devices),
        router.Route('GET', '/v1/devices/{device}', show_device),
    ]

Placeholders (``{device}``) match one path segment, unquoted, and reach the
handler as keyword arguments: ``show_device(req, device)``. ``req`` is a
:class:`Request` (a webob request) whose ``context`` (the
:class:`fleet.api.context.RequestContext` of the call: actor, roles,
project, request id), ``fleet`` (the service layer) and ``conf`` are set.
A handler returns a JSON-able value (sent as ``200 application/json``) or
a :class:`webob.Response` (:func:`json_response` for another status); it
raises :class:`fleet.common.exception.FleetError` for bad input and
missing objects, which reach the caller as a JSON error
(:mod:`fleet.wsgi.errors`). A ``public`` route needs no authentication
(version discovery only).
"""

import json
import re
import urllib.parse

import webob

from fleet.common import exception

_PLACEHOLDER = re.compile(r'\{([a-z_][a-z0-9_]*)\}')


class Route:
    """One ``method`` + ``template`` -> ``handler(req, **params)``."""

    def __init__(self, method, template, handler, public=False):
        self.method = method.upper()
        self.template = template
        self.handler = handler
        self.public = public
        pattern = _PLACEHOLDER.sub(r'(?P<\1>[^/]+)', re.escape(
            template).replace(r'\{', '{').replace(r'\}', '}'))
        self.regex = re.compile(pattern + r'\Z')

    def match(self, path):
        """The unquoted placeholder values when ``path`` matches, or None."""
        m = self.regex.match(path)
        if m is None:
            return None
        return {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}

    def __repr__(self):
        return 'Route(%s %s)' % (self.method, self.template)


class MethodNotAllowed(exception.FleetError):
    code = 'method_not_allowed'

    def __init__(self, method, path, allowed):
        super().__init__('%s is not allowed on %s; use %s.'
                         % (method, path, ', '.join(allowed)),
                         field='method', value=method)
        self.allowed = allowed


class Router:
    """Dispatch a request to the first route whose template matches."""

    def __init__(self, routes=()):
        self.routes = []
        for route in routes:
            self.add(route)

    def add(self, route):
        """Add ``route``; a second handler for one method and path is a
        programming error.
        """
        for known in self.routes:
            if (known.template == route.template and
                    known.method == route.method):
                raise ValueError('route %s %s registered twice'
                                 % (route.method, route.template))
        self.routes.append(route)

    def find(self, method, path):
        """``(route, params)`` for ``method`` and ``path``.

        :raises fleet.common.exception.NotFound: no route has that path.
        :raises MethodNotAllowed: the path exists for other methods only.
        """
        path = path.rstrip('/') or '/'
        allowed = []
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method or (method == 'HEAD' and
                                          route.method == 'GET'):
                return route, params
            allowed.append(route.method)
        if allowed:
            raise MethodNotAllowed(method, path, sorted(set(allowed)))
        raise exception.NotFound('resource', path, key='at', field='path')

    def is_public(self, path):
        """True when every route matching ``path`` is public."""
        path = path.rstrip('/') or '/'
        hits = [r for r in self.routes if r.match(path) is not None]
        return bool(hits) and all(r.public for r in hits)


class Request(webob.Request):
    """A webob request with the fleet call's ``context``, ``fleet``,
    ``conf`` and ``router`` (set by :class:`fleet.wsgi.app.FleetApp`).
    """

    context = None
    fleet = None
    conf = None
    router = None
    #: The body is read whole (JSON) and bounded by ``[api]
    #: max_request_body_size`` before it gets here: never through a
    #: temporary file, which webob uses above 10 KiB otherwise (an
    #: Alertmanager post of 100 alerts is ~35 KiB).
    request_body_tempfile_limit = 1 << 62

    def json(self, want=dict):
        """The JSON body, which must be a ``want`` (dict, list ...).

        :raises fleet.common.exception.Invalid: no body, not JSON, not
            UTF-8, or another type (field ``body``).
        """
        ctype = (self.content_type or '').lower()
        if ctype and ctype != 'application/json':
            raise exception.Invalid(
                'Content-Type', 'is %r' % ctype,
                'send the body as application/json')
        raw = self.body
        if not raw:
            raise exception.Invalid('body', 'is empty',
                                    'send a JSON %s' % _type_name(want))
        try:
            value = json.loads(raw.decode('utf-8'))
        except UnicodeDecodeError:
            raise exception.Invalid('body', 'is not UTF-8 text',
                                    'send JSON in UTF-8') from None
        except ValueError as exc:
            raise exception.Invalid(
                'body', 'is not valid JSON (%s at line %d column %d)'
                % (exc.msg, exc.lineno, exc.colno),
                'send a complete JSON %s' % _type_name(want)) from None
        if want is not None and not isinstance(value, want):
            raise exception.Invalid(
                'body', 'is a JSON %s' % _json_type(value),
                'send a JSON %s' % _type_name(want))
        return value

    def param(self, name, choices=None, default=None):
        """One query parameter (given at most once), or ``default``."""
        values = self.GET.getall(name)
        if not values:
            return default
        if len(values) > 1:
            raise exception.Invalid(name, 'given %d times' % len(values),
                                    'give it once')
        value = values[0]
        if choices is not None and value not in choices:
            raise exception.Invalid(name, 'unknown value %r' % (value,),
                                    'use one of %s' % ', '.join(choices),
                                    value=value)
        return value

    def int_param(self, name, default=None, minimum=0, maximum=None):
        """An integer query parameter within [minimum, maximum]."""
        text = self.param(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise exception.Invalid(name, 'is not an integer: %r' % (text,),
                                    'give a whole number') from None
        if value < minimum or (maximum is not None and value > maximum):
            raise exception.Invalid(
                name, '%d is out of range' % value,
                'give %d to %s' % (minimum, maximum if maximum is not None
                                   else 'any'))
        return value

    def limit(self):
        """The ``limit`` parameter, at most ``[api] max_limit`` (default)."""
        most = self.conf.api.max_limit
        return self.int_param('limit', default=most, minimum=1,
                              maximum=most)


def _type_name(want):
    return {dict: 'object', list: 'array'}.get(want, getattr(
        want, '__name__', 'value'))


def _json_type(value):
    for kind, name in ((dict, 'object'), (list, 'array'), (str, 'string'),
                       (bool, 'boolean'), (int, 'number'), (float, 'number')):
        if isinstance(value, kind):
            return name
    return 'null'


def _default(value):
    """JSON for what the service layer returns (datetimes, tuples)."""
    if hasattr(value, 'isoformat'):
        text = value.isoformat()
        # Stored times are naive UTC.
        if getattr(value, 'tzinfo', True) is None:
            text += 'Z'
        return text
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def dumps(value):
    """JSON text of ``value`` (times as ISO 8601 UTC)."""
    return json.dumps(value, default=_default, sort_keys=True)


def json_response(body, status=200, headers=None):
    """A webob response with ``body`` as JSON."""
    resp = webob.Response(status=status, content_type='application/json',
                          charset='utf-8')
    resp.text = dumps(body)
    for name, value in headers or ():
        resp.headers[name] = value
    return resp
