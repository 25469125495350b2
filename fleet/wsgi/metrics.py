"""``GET /metrics``: the readings store in the Prometheus exposition
format, the text ``fleet metric export`` prints
(:meth:`fleet.api.exposition.Exposition.prometheus`), then this process's
notification counters (:func:`fleet.api.notifications.exposition`)."""

import webob

from fleet.wsgi import router

CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'


def export(req):
    from fleet.api import notifications

    text = req.fleet.exposition.prometheus(req.context)
    text += notifications.exposition()
    resp = webob.Response(body=text.encode('utf-8'))
    resp.headers['Content-Type'] = CONTENT_TYPE
    return resp


ROUTES = [
    router.Route('GET', '/metrics', export),
]
