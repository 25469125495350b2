"""The fleet-api WSGI application: :func:`make_app`.

The pipeline, outermost first::

    HTTPProxyToWSGI   X-Forwarded-Proto/Host from a trusted proxy
                      ([oslo_middleware] enable_proxy_headers_parsing;
                      straight through while off, fleet.wsgi.passthrough)
    RequestId         x-openstack-request-id on every answer
    JsonErrors        every 4xx/5xx as a JSON error (fleet.wsgi.errors)
    Healthcheck       GET /healthcheck, no authentication ([healthcheck])
    sizelimit         [api] max_request_body_size -> 413 (straight
                      through for a Content-Length within it)
    auth              [api] auth_strategy (fleet.wsgi.auth); public
                      routes (version discovery) skip it
    FleetApp          the route table -> handler(req, **params)

Adding resources: write a module with a ``ROUTES`` list of
:class:`fleet.wsgi.router.Route` (see :mod:`fleet.wsgi.v1.devices`) and add
the module to :data:`RESOURCES`. Handlers call the service layer with
``req.context`` and never touch the database themselves.
"""

import logging
import threading

import webob.exc

from fleet.api import context as context_mod
from fleet.common import exception
from fleet.wsgi import auth
from fleet.wsgi import errors
from fleet.wsgi import metrics
from fleet.wsgi import root
from fleet.wsgi import router
from fleet.wsgi.v1 import alerts
from fleet.wsgi.v1 import capacity
from fleet.wsgi.v1 import devices
from fleet.wsgi.v1 import findings
from fleet.wsgi.v1 import health
from fleet.wsgi.v1 import readings
from fleet.wsgi.v1 import silences

LOG = logging.getLogger(__name__)

#: Modules whose ``ROUTES`` make the API, in order.
RESOURCES = (root, metrics, devices, readings, health, capacity, alerts,
             silences, findings)

#: The request id prefix of oslo.middleware (the context stores the UUID).
_REQ_PREFIX = 'req-'


def build_router(resources=RESOURCES):
    """A :class:`router.Router` with the routes of ``resources``."""
    table = router.Router()
    for module in resources:
        for route in module.ROUTES:
            table.add(route)
    return table


def request_context(environ):
    """The :class:`RequestContext` of a request: who (``fleet.auth``),
    the request id (oslo.middleware's, without its ``req-`` prefix) and
    the reason of an ``X-Fleet-Reason`` header.
    """
    who = environ.get(auth.ENVIRON_KEY) or {}
    req_id = environ.get('openstack.request_id') or ''
    if req_id.startswith(_REQ_PREFIX):
        req_id = req_id[len(_REQ_PREFIX):]
    return context_mod.RequestContext(
        actor=who.get('actor') or 'unknown',
        reason=environ.get('HTTP_X_FLEET_REASON') or None,
        request_id=req_id or context_mod.new_request_id(),
        roles=tuple(who.get('roles') or ()),
        project=who.get('project'))


class FleetApp:
    """Dispatch to the route table; the service layer opens lazily (in
    each worker process, after the server forks).
    """

    def __init__(self, conf, table, fleet=None):
        self.conf = conf
        self.router = table
        self._fleet = fleet
        self._reacting = False
        self._lock = threading.Lock()

    @property
    def fleet(self):
        """The service layer, opened once per process; its alert reactor
        runs here (``[api] react_to_alerts``), in this worker."""
        if self._fleet is None or not self._reacting:
            with self._lock:
                if self._fleet is None:
                    from fleet import api
                    self._fleet = api.connect(conf=self.conf)
                if not self._reacting:
                    if self.conf.api.react_to_alerts:
                        self._fleet.reactions.start()
                    self._reacting = True
        return self._fleet

    def open(self):
        """Open the service layer, make its services and the intake's
        counters now (a worker that has just started), so that the first
        request does not wait for them; a failure is logged and left to
        the first request to report."""
        from fleet.api.alerts import metrics

        # The intake's counters, at zero from the start.
        metrics.registry()
        try:
            self.fleet.make_services()
        except Exception as exc:  # noqa: BLE001 - requests will say
            LOG.warning('fleet-api: the service layer did not open yet; '
                        'requests will try again: %s', exc)

    def __call__(self, environ, start_response):
        req = router.Request(environ)
        try:
            route, params = self.router.find(req.method, req.path_info)
            req.conf = self.conf
            req.router = self.router
            req.context = request_context(environ)
            req.fleet = self.fleet
            result = route.handler(req, **params)
            if not isinstance(result, webob.Response):
                result = router.json_response(result)
        except exception.FleetError as exc:
            result = errors.from_fleet_error(environ, exc)
        except webob.exc.HTTPException as exc:
            result = errors.from_http_error(
                environ, exc, self.conf.api.max_request_body_size)
        except Exception:  # noqa: BLE001 - every answer is JSON
            result = errors.internal(environ)
        return result(environ, start_response)


#: Where oslo.middleware's healthcheck answers (load balancers, monitors).
HEALTHCHECK_PATH = '/healthcheck'


class Mount:
    """Send requests for the exact paths of ``apps`` to those apps.

    oslo.middleware's healthcheck answers every request it sees, so it is
    mounted at :data:`HEALTHCHECK_PATH` only.
    """

    def __init__(self, app, apps):
        self.app = app
        self.apps = apps

    def __call__(self, environ, start_response):
        path = (environ.get('PATH_INFO') or '/').rstrip('/') or '/'
        return self.apps.get(path, self.app)(environ, start_response)


def make_app(conf=None, fleet=None, resources=RESOURCES, open_now=False):
    """The fleet-api WSGI application for ``conf`` (parsed already).

    :param fleet: a :class:`fleet.api.Fleet` to serve (tests); default
        one opened from ``conf`` on the first request.
    :param resources: the modules whose ``ROUTES`` to serve.
    :param open_now: open the service layer (database, schema check)
        before returning, not on the first request (a server's worker,
        after it forked).
    :raises fleet.common.exception.Invalid: the configuration cannot work
        (``token`` strategy without a token file).
    """
    from oslo_config import cfg
    from oslo_middleware import healthcheck
    from oslo_middleware import request_id

    from fleet.wsgi import passthrough

    if conf is None:
        from fleet.conf import CONF as conf
    table = build_router(resources)
    app = FleetApp(conf, table, fleet=fleet)
    if open_now:
        app.open()
    app = auth.wrap(app, conf, table.is_public)
    # sizelimit reads [oslo_middleware] max_request_body_size; give it a
    # private ConfigOpts holding [api]'s value.
    limit = conf.api.max_request_body_size
    size_conf = cfg.ConfigOpts()
    app = passthrough.SizeLimit(app, size_conf)
    size_conf.set_override('max_request_body_size', limit,
                           group='oslo_middleware')
    app = Mount(app, {HEALTHCHECK_PATH: healthcheck.Healthcheck(None, conf)})
    app = errors.JsonErrors(app, limit=limit)
    app = request_id.RequestId(app)
    app = passthrough.ProxyHeaders(app, conf)
    return app
