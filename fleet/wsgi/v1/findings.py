"""``/v1/findings``: what audits found.

``GET /v1/findings`` filters: ``status`` (repeat it; ``all`` for every
status; default every status but resolved), ``rule``, ``policy``,
``device`` (name or UUID), ``severity``, ``limit``. ``GET
/v1/findings/{finding}`` (id or fingerprint) adds its ``history`` from the
change log. ``POST /v1/findings/{finding}/ack`` and ``.../resolve`` move
it (the reason from ``X-Fleet-Reason``); a move its status does not allow
is a 409.
"""

from fleet.api.audit import findings as findings_mod
from fleet.wsgi import router


def list_findings(req):
    """``{"findings": [...]}``, worst severity first, then newest."""
    statuses = req.GET.getall('status')
    status = 'all' if 'all' in statuses else (statuses or None)
    rows = req.fleet.findings.list(
        req.context, status=status, rule=req.param('rule'),
        policy=req.param('policy'), device=req.param('device'),
        severity=req.param('severity', choices=findings_mod.SEVERITIES),
        limit=req.limit())
    return {'findings': rows}


def show_finding(req, finding):
    """``{"finding": {..., "history": [...]}}``."""
    row = req.fleet.findings.show(req.context, finding)
    row['history'] = req.fleet.findings.history(req.context, finding)
    return {'finding': row}


def ack_finding(req, finding):
    """Acknowledge: ``{"finding": {...}}``."""
    return {'finding': req.fleet.findings.ack(req.context, finding)}


def resolve_finding(req, finding):
    """Resolve by hand: ``{"finding": {...}}``."""
    return {'finding': req.fleet.findings.resolve(req.context, finding)}


ROUTES = [
    router.Route('GET', '/v1/findings', list_findings),
    router.Route('GET', '/v1/findings/{finding}', show_finding),
    router.Route('POST', '/v1/findings/{finding}/ack', ack_finding),
    router.Route('POST', '/v1/findings/{finding}/resolve', resolve_finding),
]
