"""``GET /v1/readings``: the latest telemetry readings, worst first.

Filters: ``device`` (name or UUID), ``metric`` (a name or a kind prefix
such as ``temperature``), ``status`` (ok, warning, critical, unknown),
the placement filters ``cloud``, ``region``, ``cell``, ``rack``, ``role``,
``label``, and ``limit``.
"""

from fleet.common import readings as readings_mod
from fleet.wsgi import router

PLACE = ('cloud', 'region', 'cell', 'rack', 'role')


def list_readings(req):
    """``{"readings": [{device, uuid, metric, value, unit, status, ...}]}``."""
    place = {k: req.param(k) for k in PLACE if req.param(k) is not None}
    labels = req.GET.getall('label')
    if labels:
        place['label'] = labels
    rows = req.fleet.telemetry.latest(
        req.context, device=req.param('device'),
        metric=req.param('metric'),
        status=req.param('status', choices=readings_mod.STATUSES),
        limit=req.limit(), **place)
    for row in rows:
        row['device'] = row.pop('name')
    return {'readings': rows}


ROUTES = [
    router.Route('GET', '/v1/readings', list_readings),
]
