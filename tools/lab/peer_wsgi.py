"""Serve an OpenStack API's WSGI app for the lab (Neutron, Cinder).

Runs inside the peer's venv::

    python -m tools.lab.peer_wsgi neutron.wsgi.api 9697
    python -m tools.lab.peer_wsgi cinder.wsgi.api 8776 \\
        --token admin:fleet-lab -- --config-file /path/cinder.conf

The app module is imported with ``sys.argv`` set to the arguments after
``--`` only: both services parse argv with oslo.config, and this runner's
own arguments would otherwise be taken for theirs. ``--token`` adds an
``X-Auth-Token`` to requests that have none: Cinder's noauth answers a
token-less request with 204 and no body, which breaks keystoneauth's
version discovery. Served by the threading wsgiref server of
:mod:`tools.lab.nova_wsgi`, on 127.0.0.1 only.
"""

import argparse
import importlib
import sys

from tools.lab import nova_wsgi


class DefaultToken:
    """Give token-less requests ``X-Auth-Token: <token>``."""

    def __init__(self, app, token):
        self.app = app
        self.token = token

    def __call__(self, environ, start_response):
        if not environ.get('HTTP_X_AUTH_TOKEN'):
            environ['HTTP_X_AUTH_TOKEN'] = self.token
        return self.app(environ, start_response)


def main():
    argv = sys.argv[1:]
    app_argv = []
    if '--' in argv:
        cut = argv.index('--')
        argv, app_argv = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('module')
    parser.add_argument('port', type=int)
    parser.add_argument('--token', help='X-Auth-Token for requests without')
    args = parser.parse_args(argv)
    sys.argv = [args.module] + app_argv
    app = importlib.import_module(args.module).application
    if args.token:
        app = DefaultToken(app, args.token)
    server = nova_wsgi.ThreadingWSGIServer((nova_wsgi.HOST, args.port),
                                           nova_wsgi.QuietHandler)
    server.set_app(app)
    print('serving %s on http://%s:%d' % (args.module, nova_wsgi.HOST,
                                          args.port), flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
