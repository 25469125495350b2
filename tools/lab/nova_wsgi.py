"""Serve a WSGI app module on 127.0.0.1 with a threading wsgiref server.

Runs inside the nova lab venv::

    python -m tools.lab.nova_wsgi placement.wsgi.api 8778 --noauth
    python -m tools.lab.nova_wsgi nova.wsgi.osapi_compute 8774

The app module must expose ``application``. Config locations come from
the environment (``OS_NOVA_CONFIG_DIR``, ``OS_PLACEMENT_CONFIG_DIR``).
``--noauth`` wraps the app in :mod:`tools.lab.nova_noauth` (for Placement;
Nova gets the filter through its api-paste.ini instead).
"""

import argparse
import importlib
import socketserver
import sys
from wsgiref import simple_server

HOST = '127.0.0.1'


class ThreadingWSGIServer(socketserver.ThreadingMixIn,
                          simple_server.WSGIServer):
    """wsgiref server with a thread per request."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


class QuietHandler(simple_server.WSGIRequestHandler):
    """Request handler that logs one short line per request."""

    def log_message(self, fmt, *args):
        sys.stderr.write('%s\n' % (fmt % args))


def load_app(module_name, noauth):
    """Import the app module with an empty argv (oslo.config parses argv)."""
    sys.argv = [sys.argv[0]]
    app = importlib.import_module(module_name).application
    if noauth:
        from tools.lab import nova_noauth
        app = nova_noauth.wrap(app)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('module')
    parser.add_argument('port', type=int)
    parser.add_argument('--noauth', action='store_true')
    args = parser.parse_args()
    app = load_app(args.module, args.noauth)
    server = ThreadingWSGIServer((HOST, args.port), QuietHandler)
    server.set_app(app)
    print('serving %s on http://%s:%d' % (args.module, HOST, args.port),
          flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
