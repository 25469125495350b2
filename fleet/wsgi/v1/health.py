"""``GET /v1/health``: status counts and worst devices per group.

``by`` (region, cell, rack, role; default region), ``worst`` (devices
named per group, default 3) and the placement filters of
``/v1/readings``.
"""

from fleet.api import health as health_mod
from fleet.wsgi import router

PLACE = ('cloud', 'region', 'cell', 'rack', 'role')


def show_health(req):
    """``{"health": [{group, devices, ok, warning, critical, unknown,
    status, worst}]}``, worst group first.
    """
    place = {k: req.param(k) for k in PLACE if req.param(k) is not None}
    labels = req.GET.getall('label')
    if labels:
        place['label'] = labels
    groups = req.fleet.health.report(
        req.context, by=req.param('by', choices=health_mod.GROUPINGS,
                                  default='region'),
        worst=req.int_param('worst', default=3, maximum=100), **place)
    return {'health': groups}


ROUTES = [
    router.Route('GET', '/v1/health', show_health),
]
