"""``/v1/alerts``: alert intake (Alertmanager and generic) and reads.

``POST /v1/alerts/alertmanager`` takes Alertmanager's webhook payload
(version 4), ``POST /v1/alerts`` fleet's generic form (see the alerts
guide). Both answer ``200`` with what was stored::

    {"accepted": 2, "created": 1, "updated": 1, "resolved": 0,
     "alerts": [17, 18],
     "rejected": [{"index": 2, "field": "alerts[2].status",
                   "message": "alerts[2].status: must be firing or resolved"}]}

A bad alert is rejected (logged, counted, named in ``rejected``) and the
valid alerts of the same post are stored; a post of rejected alerts only
is ``400`` with the same ``rejected`` list; a bad post as a whole (not
JSON, no ``alerts`` list, wrong version) is ``400`` naming the field, and
nothing is stored.

``GET /v1/alerts`` filters: ``status`` (firing, resolved, acknowledged,
suppressed, flapping, held, actionable), ``device``, ``severity``,
``name``, ``limit``. ``GET /v1/alerts/{id}`` (id or fingerprint),
``GET /v1/alerts/{id}/history``; ``POST /v1/alerts/{id}/ack``, ``/unack``,
``/resolve`` with an optional ``{"reason": "..."}`` body.
"""

from fleet.api import alerts as alerts_mod
from fleet.api.alerts import metrics
from fleet.common import exception
from fleet.wsgi import errors
from fleet.wsgi import router


def _public(row):
    row = dict(row)
    row.pop('device_id', None)
    return row


def _stored(req, result):
    body = {'accepted': result.accepted, 'created': result.created,
            'updated': result.updated, 'resolved': result.resolved,
            'alerts': result.ids, 'rejected': result.rejected}
    if result.rejected and not result.accepted:
        first = result.rejected[0]
        return errors.response(req.environ, 400, errors.body(
            400, 'invalid', 'every alert of the post was rejected; first: '
            '%s' % first['message'], req.environ.get(
                'openstack.request_id'), field=first['field'],
            rejected=result.rejected))
    return body


def _receive(req, source, method):
    try:
        result = method(req.context, req.json(dict))
    except exception.Invalid:
        metrics.post_rejected(source)
        raise
    return _stored(req, result)


def receive_alertmanager(req):
    """An Alertmanager webhook post (version 4)."""
    return _receive(req, 'alertmanager',
                    req.fleet.alerts.receive_alertmanager)


def receive(req):
    """A post of fleet's generic alert form."""
    return _receive(req, 'generic', req.fleet.alerts.receive)


def list_alerts(req):
    """``{"alerts": [...]}``, most recently seen first."""
    rows = req.fleet.alerts.list(
        req.context,
        status=req.param('status', choices=alerts_mod.STATUS_FILTERS),
        device=req.param('device'), severity=req.param('severity'),
        name=req.param('name'), limit=req.limit())
    return {'alerts': [_public(r) for r in rows]}


def show_alert(req, alert):
    return {'alert': _public(req.fleet.alerts.get(req.context, alert))}


def alert_history(req, alert):
    return {'changes': req.fleet.alerts.history(req.context, alert)}


def _reason(req):
    if not req.body:
        return None
    reason = req.json(dict).get('reason')
    if reason is not None and (not isinstance(reason, str) or
                               len(reason) > 4096):
        raise exception.Invalid('reason', 'must be text of at most 4096 '
                                'characters')
    return reason


def _action(method):
    def handler(req, alert):
        act = getattr(req.fleet.alerts, method)
        return {'alert': _public(act(req.context, alert,
                                     reason=_reason(req)))}
    handler.__name__ = method
    return handler


ROUTES = [
    router.Route('POST', '/v1/alerts/alertmanager', receive_alertmanager),
    router.Route('POST', '/v1/alerts', receive),
    router.Route('GET', '/v1/alerts', list_alerts),
    router.Route('GET', '/v1/alerts/{alert}', show_alert),
    router.Route('GET', '/v1/alerts/{alert}/history', alert_history),
    router.Route('POST', '/v1/alerts/{alert}/ack', _action('acknowledge')),
    router.Route('POST', '/v1/alerts/{alert}/unack',
                 _action('unacknowledge')),
    router.Route('POST', '/v1/alerts/{alert}/resolve', _action('resolve')),
]
