"""fleet-api: the REST service over the service layer (:mod:`fleet.api`).

- :mod:`fleet.wsgi.app`: :func:`~fleet.wsgi.app.make_app` and the
  middleware pipeline; :data:`~fleet.wsgi.app.RESOURCES` lists the modules
  whose ``ROUTES`` make the API.
- :mod:`fleet.wsgi.router`: routes, the request class, JSON answers.
- :mod:`fleet.wsgi.errors`: the JSON error shape of every 4xx/5xx.
- :mod:`fleet.wsgi.auth`: ``[api] auth_strategy`` (keystone, token, noauth).
- :mod:`fleet.wsgi.root`, :mod:`fleet.wsgi.metrics`, :mod:`fleet.wsgi.v1`:
  the resources (version discovery, ``/metrics``, one module per v1
  resource).
- :mod:`fleet.wsgi.server`: the ``fleet-api`` command (gunicorn);
  :mod:`fleet.wsgi.api`: ``application`` for other WSGI servers.

To add a resource, e.g. alerts: write ``fleet/wsgi/v1/alerts.py`` with

::

    ROUTES = [
        router.Route('POST', '/v1/alerts/alertmanager', receive_webhook),
        router.Route('GET', '/v1/alerts', list_alerts),
        router.Route('GET', '/v1/alerts/{alert}', show_alert),
    ]

and add ``alerts`` to :data:`fleet.wsgi.app.RESOURCES`. A handler takes the
request (``req.context``, ``req.fleet``, ``req.json()``, ``req.param()``)
and the path placeholders; it returns a JSON-able value or
``router.json_response(body, status=201)``, and raises
:class:`fleet.common.exception.FleetError` subclasses for bad input.
"""
