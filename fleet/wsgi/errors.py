"""JSON errors: every 4xx/5xx answer of fleet-api has one body shape.

::

    {"error": {"status": 404, "code": "not_found", "title": "Not Found",
               "message": "No device named 'node-9'.", "field": "device",
               "hint": "list_devices", "request_id": "req-..."}}

``code``, ``message``, ``field``, ``where`` and ``hint`` come from the
service layer's structured error (:meth:`FleetError.to_dict`); ``title``
is the HTTP reason phrase. :class:`JsonErrors` also rewrites the answers
of the middleware below it (keystonemiddleware's 401, oslo.middleware's
413, a failing healthcheck's 503) into this shape, keeping their headers.
"""

import http
import logging

import webob
import webob.exc

from fleet.common import exception
from fleet.wsgi import router

LOG = logging.getLogger(__name__)

#: environ key set on an answer that already has a fleet JSON error body.
RENDERED = 'fleet.error_rendered'

#: FleetError classes -> HTTP status (first match wins; default 500).
STATUS = (
    (router.MethodNotAllowed, 405),
    (exception.NotFound, 404),
    (exception.LockTimeout, 503),
    (exception.Conflict, 409),
    (exception.Invalid, 400),
    (exception.InvalidInput, 400),
    (exception.PluginNotEnabled, 400),
    (exception.DatabaseUnavailable, 503),
    (exception.SchemaOutOfDate, 503),
    (exception.SourceUnavailable, 502),
)

#: Codes of answers made by HTTP status alone (middleware, webob).
STATUS_CODES = {
    400: 'bad_request', 401: 'unauthorized', 403: 'forbidden',
    404: 'not_found', 405: 'method_not_allowed', 411: 'length_required',
    413: 'request_too_large', 415: 'unsupported_media_type',
    500: 'internal_error', 502: 'bad_gateway', 503: 'service_unavailable',
}


class Unauthorized(exception.FleetError):
    """Missing or wrong credentials (never holds the credential)."""

    code = 'unauthorized'

    def __init__(self, message):
        super().__init__(message, field='Authorization')


def status_of(exc):
    """The HTTP status of a service-layer error."""
    if isinstance(exc, Unauthorized):
        return 401
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def title(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return 'Error'


def body(status, code, message, request_id=None, **fields):
    """The JSON error body; ``fields`` that are None are left out."""
    err = {'status': status, 'code': code, 'title': title(status),
           'message': message}
    err.update({k: v for k, v in fields.items() if v is not None})
    if request_id:
        err['request_id'] = request_id
    return {'error': err}


def response(environ, status, payload, headers=()):
    """A JSON error response marked as rendered in ``environ``."""
    environ[RENDERED] = True
    resp = router.json_response(payload, status=status, headers=headers)
    return resp


def from_fleet_error(environ, exc):
    """The response of a :class:`FleetError` (``to_dict`` fields)."""
    status = status_of(exc)
    d = exc.to_dict()
    fields = {k: d[k] for k in ('field', 'where', 'hint') if k in d}
    headers = []
    if isinstance(exc, router.MethodNotAllowed):
        headers.append(('Allow', ', '.join(exc.allowed)))
    if isinstance(exc, Unauthorized):
        headers.append(('WWW-Authenticate', 'Bearer realm="fleet-api"'))
    if status >= 500:
        LOG.error('%s %s: %s', environ.get('REQUEST_METHOD'),
                  environ.get('PATH_INFO'), exc.message)
    return response(environ, status, body(
        status, d['error'], d['message'], _request_id(environ), **fields),
        headers)


def from_http_error(environ, exc, limit=None):
    """The response of a webob HTTP error (e.g. the body size limit's)."""
    status = exc.code
    message = exc.explanation or title(status)
    field = None
    if status == 413:
        field = 'body'
        message = ('body: larger than the %s bytes of [api] '
                   'max_request_body_size; send a smaller body'
                   % (limit if limit is not None else 'allowed'))
    headers = [(k, v) for k, v in exc.headerlist
               if k.lower() not in ('content-type', 'content-length')]
    return response(environ, status, body(
        status, STATUS_CODES.get(status, 'error'), message,
        _request_id(environ), field=field), headers)


def internal(environ):
    """The response of an unexpected exception (logged, not shown)."""
    LOG.exception('%s %s failed', environ.get('REQUEST_METHOD'),
                  environ.get('PATH_INFO'))
    return response(environ, 500, body(
        500, 'internal_error', 'fleet-api failed to answer this request; '
        'the service log has the details (look for the request id).',
        _request_id(environ)))


def _request_id(environ):
    return environ.get('openstack.request_id')


class JsonErrors:
    """Catch what escapes the application and rewrite non-JSON errors.

    :param limit: ``[api] max_request_body_size`` (for the 413 message).
    """

    def __init__(self, app, limit=None):
        self.app = app
        self.limit = limit

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        try:
            resp = req.get_response(self.app)
        except exception.FleetError as exc:
            resp = from_fleet_error(environ, exc)
        except webob.exc.HTTPException as exc:
            resp = from_http_error(environ, exc, self.limit)
        except Exception:  # noqa: BLE001 - every answer is JSON
            resp = internal(environ)
        if resp.status_code >= 400 and not environ.get(RENDERED):
            resp = self._rewrite(environ, resp)
        return resp(environ, start_response)

    def _rewrite(self, environ, resp):
        """A middleware's own error answer, in the JSON shape."""
        status = resp.status_code
        if status == 413:
            return from_http_error(
                environ, webob.exc.HTTPRequestEntityTooLarge(), self.limit)
        if status == 401:
            message = ('Authorization: missing or invalid credentials; '
                       'send a valid token')
        else:
            message = title(status)
            if resp.content_type == 'text/plain' and resp.content_length \
                    and resp.content_length < 1000:
                message = resp.text.strip() or message
        headers = [(k, v) for k, v in resp.headerlist
                   if k.lower() not in ('content-type', 'content-length')]
        field = 'Authorization' if status == 401 else None
        return response(environ, status, body(
            status, STATUS_CODES.get(status, 'error'), message,
            _request_id(environ), field=field), headers)
