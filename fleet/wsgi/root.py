"""Version discovery: ``GET /`` lists the API versions, ``GET /v1`` the
v1 document with its resources. Both are public."""

from fleet.wsgi import router

VERSIONS = ({'id': 'v1', 'status': 'CURRENT'},)


def _version(req, version):
    doc = dict(version)
    doc['links'] = [{'rel': 'self',
                     'href': req.host_url + '/' + version['id'] + '/'}]
    return doc


def list_versions(req):
    """``{"name", "versions": [...], "default_version"}``."""
    versions = [_version(req, v) for v in VERSIONS]
    return {'name': 'OpenStack Fleet API',
            'description': 'Day-2 fleet management: inventory, telemetry, '
                           'alerts.',
            'versions': versions, 'default_version': versions[-1]}


def show_v1(req):
    """The v1 version document, with the resource paths it serves."""
    doc = _version(req, VERSIONS[0])
    doc['resources'] = sorted({
        '%s %s' % (r.method, r.template) for r in req.router.routes
        if r.template.startswith('/v1/')})
    return {'version': doc}


ROUTES = [
    router.Route('GET', '/', list_versions, public=True),
    router.Route('GET', '/v1', show_v1, public=True),
]
