"""``/v1/devices``: the inventory's devices (read only for now).

``GET /v1/devices`` filters: ``cloud``, ``region``, ``cell``, ``rack``,
``role``, ``type``, ``source``, ``label`` (repeat it: all must match),
``missing`` (true/false), ``limit``. ``GET /v1/devices/{device}`` (name or
UUID) adds the resolved variables, secret values masked.
"""

from fleet.common import exception
from fleet.wsgi import router

FILTERS = ('cloud', 'region', 'cell', 'rack', 'role', 'type', 'source')
_BOOLEANS = {'true': True, '1': True, 'yes': True,
             'false': False, '0': False, 'no': False}


def _public(row):
    """A device dict without the store's internal id."""
    row = dict(row)
    row.pop('id', None)
    return row


def _missing(req):
    text = req.param('missing')
    if text is None:
        return None
    try:
        return _BOOLEANS[text.lower()]
    except KeyError:
        raise exception.Invalid('missing', 'is %r' % text,
                                'give true or false') from None


def list_devices(req):
    """``{"devices": [...]}`` ordered by name."""
    filters = {name: req.param(name) for name in FILTERS}
    rows = req.fleet.devices.list(
        req.context, label=req.GET.getall('label') or None,
        missing=_missing(req), limit=req.limit(), **filters)
    return {'devices': [_public(r) for r in rows]}


def show_device(req, device):
    """``{"device": {..., "labels", "variables": [...]}}``."""
    row = _public(req.fleet.devices.show(req.context, device))
    row['variables'] = req.fleet.variables.resolved(req.context, device)
    return {'device': row}


ROUTES = [
    router.Route('GET', '/v1/devices', list_devices),
    router.Route('GET', '/v1/devices/{device}', show_device),
]
