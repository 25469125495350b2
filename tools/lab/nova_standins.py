"""Minimal Glance and Neutron stand-ins for the lab's Nova (stdlib only).

Nova calls Glance when it boots a server (image show, image schema) and
Neutron when it lists, shows or deletes servers (ports, security groups,
networks). The lab has neither, so these two tiny HTTP servers answer just
enough::

    python3 -m tools.lab.nova_standins glance 9292
    python3 -m tools.lab.nova_standins neutron 9696

Glance serves the one image in ``IMAGES``; Neutron answers every list with
an empty list and every single resource with 404. Nothing is stored, and
writes are refused (the lab boots servers with ``networks='none'``).
"""

import argparse
import http.server
import json
import re
import socketserver
import sys
import urllib.parse

HOST = '127.0.0.1'
STAMP = '2026-01-01T00:00:00Z'

IMAGE_ID = '1f4e3d5c-7a1b-4c2d-9e8f-0a1b2c3d4e5f'
IMAGES = {
    IMAGE_ID: {
        'id': IMAGE_ID,
        'name': 'lab-image',
        'status': 'active',
        'visibility': 'public',
        'protected': False,
        'os_hidden': False,
        'owner': 'fleet-lab',
        'container_format': 'bare',
        'disk_format': 'raw',
        'min_disk': 0,
        'min_ram': 0,
        'size': 1048576,
        'virtual_size': 1048576,
        'checksum': None,
        'os_hash_algo': None,
        'os_hash_value': None,
        'tags': [],
        'created_at': STAMP,
        'updated_at': STAMP,
        'file': '/v2/images/%s/file' % IMAGE_ID,
        'schema': '/v2/schemas/image',
        'self': '/v2/images/%s' % IMAGE_ID,
    },
}

# Permissive, like Glance's own: the listed properties accept any value and
# extra image properties must be strings.
IMAGE_SCHEMA = {
    'name': 'image',
    'properties': {key: {} for key in IMAGES[IMAGE_ID]},
    'additionalProperties': {'type': 'string'},
    'links': [
        {'href': '{self}', 'rel': 'self'},
        {'href': '{file}', 'rel': 'enclosure'},
        {'href': '{schema}', 'rel': 'describedby'},
    ],
}


def glance_route(path):
    """(status, body) for a Glance GET."""
    if path in ('/', '/versions'):
        return 300 if path == '/' else 200, {'versions': [{
            'id': 'v2.16', 'status': 'CURRENT',
            'links': [{'rel': 'self', 'href': 'http://%s:9292/v2/' % HOST}],
        }]}
    if path == '/v2/schemas/image':
        return 200, IMAGE_SCHEMA
    if path == '/v2/schemas/images':
        return 200, {'name': 'images',
                     'properties': {'images': {'type': 'array',
                                               'items': IMAGE_SCHEMA}},
                     'links': []}
    if path == '/v2/images':
        return 200, {'images': list(IMAGES.values()),
                     'first': '/v2/images', 'schema': '/v2/schemas/images'}
    match = re.fullmatch(r'/v2/images/([^/]+)', path)
    if match and match.group(1) in IMAGES:
        return 200, IMAGES[match.group(1)]
    return 404, {'message': 'Not found: %s' % path, 'code': '404 Not Found'}


def neutron_route(path):
    """(status, body) for a Neutron GET: empty lists, 404 for items."""
    if path in ('/', ''):
        return 200, {'versions': [{
            'id': 'v2.0', 'status': 'CURRENT',
            'links': [{'rel': 'self',
                       'href': 'http://%s:9696/v2.0/' % HOST}]}]}
    match = re.fullmatch(r'/v2\.0/([a-z_-]+)(?:\.json)?', path)
    if match:
        return 200, {match.group(1).replace('-', '_'): []}
    return 404, {'NeutronError': {'type': 'NotFound',
                                  'message': 'Not found: %s' % path,
                                  'detail': ''}}


class Handler(http.server.BaseHTTPRequestHandler):
    """Dispatch GETs to ``self.server.route``; refuse writes."""

    protocol_version = 'HTTP/1.1'

    def _reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    def _drain(self):
        length = int(self.headers.get('Content-Length') or 0)
        if length:
            self.rfile.read(length)

    def do_GET(self):  # noqa: N802 (http.server naming)
        path = urllib.parse.urlsplit(self.path).path.rstrip('/') or '/'
        self._reply(*self.server.route(path))

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def _refuse(self):
        self._drain()
        self._reply(405, {'message': '%s is not supported by the lab '
                                     'stand-in' % self.command})

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse  # noqa: N815

    def log_message(self, fmt, *args):
        sys.stderr.write('%s\n' % (fmt % args))


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


ROUTES = {'glance': glance_route, 'neutron': neutron_route}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('service', choices=sorted(ROUTES))
    parser.add_argument('port', type=int)
    args = parser.parse_args()
    server = Server((HOST, args.port), Handler)
    server.route = ROUTES[args.service]
    print('%s stand-in on http://%s:%d' % (args.service, HOST, args.port),
          flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
