"""``GET /metrics``: the readings store in the Prometheus exposition
format, the text ``fleet metric export`` prints
(:meth:`fleet.api.exposition.Exposition.prometheus`), then the process
counters: the alert intake's (:mod:`fleet.api.alerts.metrics`) and the
notifications' (:mod:`fleet.api.notifications`).

With ``PROMETHEUS_MULTIPROC_DIR`` set (``fleet-api`` sets it for its
gunicorn workers, :func:`fleet.wsgi.server.main`), the counters are every
worker's added up (prometheus_client's multiprocess mode), so a scrape
answered by any worker sees the same totals.
"""

import os

import webob

from fleet.wsgi import router

CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
#: prometheus_client's multiprocess directory variable.
MULTIPROC_ENV = 'PROMETHEUS_MULTIPROC_DIR'


def counters():
    """The process counters in the exposition format."""
    from fleet.api.alerts import metrics as alert_metrics
    from fleet.api import notifications

    # Made (at zero) before the first alert, so the series are there.
    alert_metrics.registry()
    if os.environ.get(MULTIPROC_ENV):
        import prometheus_client
        from prometheus_client import multiprocess

        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return prometheus_client.generate_latest(registry).decode('utf-8')
    return alert_metrics.exposition() + notifications.exposition()


def export(req):
    text = req.fleet.exposition.prometheus(req.context)
    text += counters()
    resp = webob.Response(body=text.encode('utf-8'))
    resp.headers['Content-Type'] = CONTENT_TYPE
    return resp


ROUTES = [
    router.Route('GET', '/metrics', export),
]
