"""``/v1/silences``: Alertmanager-style silences.

``POST /v1/silences`` with ``{"matchers": ["alertname=NodeDown",
"instance=~n1:.*"], "expires": "2h" | "2026-12-01T18:00:00Z",
"comment": "..."}`` answers ``201`` with the silence and how many firing
alerts it suppressed (``alerts``). ``GET /v1/silences`` (``expired=true``
lists expired ones too), ``GET /v1/silences/{id}``,
``DELETE /v1/silences/{id}``.
"""

import webob

from fleet.common import exception
from fleet.wsgi import router


def create_silence(req):
    body = req.json(dict)
    unknown = sorted(set(body) - {'matchers', 'expires', 'comment'})
    if unknown:
        raise exception.Invalid(unknown[0], 'unknown field',
                                'give matchers, expires and comment')
    matchers = body.get('matchers')
    if not isinstance(matchers, list):
        raise exception.Invalid('matchers', 'must be a list of matchers',
                                'e.g. ["alertname=NodeDown"]')
    expires = body.get('expires')
    if not isinstance(expires, str):
        raise exception.Invalid('expires', 'must be a duration such as 2h '
                                'or an ISO 8601 time')
    silence = req.fleet.silences.create(req.context, matchers, expires,
                                        body.get('comment'))
    return router.json_response({'silence': silence}, status=201)


def list_silences(req):
    expired = req.param('expired', choices=('true', 'false'),
                        default='false') == 'true'
    return {'silences': req.fleet.silences.list(req.context,
                                                expired=expired)}


def show_silence(req, silence):
    return {'silence': req.fleet.silences.get(req.context, silence)}


def delete_silence(req, silence):
    req.fleet.silences.delete(req.context, silence)
    return webob.Response(status=204)


ROUTES = [
    router.Route('POST', '/v1/silences', create_silence),
    router.Route('GET', '/v1/silences', list_silences),
    router.Route('GET', '/v1/silences/{silence}', show_silence),
    router.Route('DELETE', '/v1/silences/{silence}', delete_silence),
]
