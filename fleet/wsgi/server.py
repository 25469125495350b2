"""``fleet-api``: the fleet-api service under gunicorn.

::

    fleet-api --config-file /etc/fleet/fleet.conf

Listens on ``[api] host``:``[api] port`` with ``[api] workers`` worker
processes. fleet-api's own command line takes oslo.config's options
(``--config-file``, ``--config-dir``); gunicorn is configured from
``[api]`` and never parses the command line. A configuration that cannot
work (the ``token`` strategy without a readable token file) stops the
start with one line naming the option, exit code 2. ``SIGHUP`` restarts
the workers (after a token change), ``SIGTERM`` stops gracefully. The
workers' counters are added up for ``/metrics`` (:func:`metrics_dir`).
"""

import logging
import os
import shutil
import sys

LOG = logging.getLogger(__name__)


def gunicorn_options(conf):
    """gunicorn settings from ``[api]``."""
    host = conf.api.host
    if ':' in host and not host.startswith('['):
        host = '[%s]' % host
    return {
        'bind': '%s:%d' % (host, conf.api.port),
        'workers': conf.api.workers,
        'timeout': conf.api.worker_timeout,
        'proc_name': 'fleet-api',
        # gunicorn 25+ would otherwise create ~/.gunicorn/gunicorn.ctl.
        'control_socket_disable': True,
        'accesslog': '-',
    }


def metrics_dir(conf):
    """Set up prometheus_client's multiprocess mode for the workers, so
    that ``/metrics`` adds up every worker's counters: a fresh directory
    ``<state_dir>/fleet-api-metrics-<port>`` (mode 0700) in
    ``PROMETHEUS_MULTIPROC_DIR``, unless that is set already (then the
    caller owns it). Returns the directory, or None when it cannot be
    made (each worker then serves its own counters; said in the log)."""
    from fleet.wsgi import metrics

    given = os.environ.get(metrics.MULTIPROC_ENV)
    if given:
        return given
    if 'prometheus_client.values' in sys.modules:
        LOG.warning('fleet-api: prometheus_client loaded before the '
                    'workers started; /metrics shows one worker\'s '
                    'counters')
        return None
    path = os.path.join(conf.state_dir, 'fleet-api-metrics-%d'
                        % conf.api.port)
    try:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, mode=0o700)
    except OSError as exc:
        LOG.warning('fleet-api: no directory for the workers\' counters '
                    '(%s); /metrics shows one worker\'s counters', exc)
        return None
    os.environ[metrics.MULTIPROC_ENV] = path
    return path


def _application_class():
    from gunicorn.app import base

    class FleetAPIServer(base.BaseApplication):
        """gunicorn with fleet's app; never reads sys.argv."""

        def __init__(self, conf, options):
            self.conf = conf
            self.options = options
            super().__init__()

        def load_config(self):
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            from fleet.wsgi import app
            # In the worker, after the fork: open the database now, so
            # that the first post after a (re)start does not wait.
            return app.make_app(self.conf, open_now=True)

    return FleetAPIServer


def main(argv=None):
    """Run ``fleet-api``; returns the exit code when gunicorn stops."""
    from oslo_config import cfg

    from fleet.common import exception
    from fleet.wsgi import app
    from fleet.wsgi import config

    args = sys.argv[1:] if argv is None else argv
    try:
        has_file = any(a.startswith('--config-file') for a in args)
        conf = config.load(args, files=() if has_file else
                           config.files_from_environ())
        # Values are checked when read: read [api] now, not in a worker.
        options = gunicorn_options(conf)
        conf.api.auth_strategy
    except Exception as exc:  # noqa: BLE001 - one line, exit 2
        sys.stderr.write('fleet-api: %s\n' % exc)
        return 2
    if not (conf.log_file or conf.log_dir or conf.use_syslog or
            conf.use_journal or conf.log_config_append):
        logging.basicConfig(
            level=logging.DEBUG if conf.debug else logging.INFO,
            format='%(asctime)s %(process)d %(levelname)s %(name)s '
                   '%(message)s')
        logging.getLogger('alembic').setLevel(logging.WARNING)
    # Before anything may load prometheus_client (its mode is chosen on
    # import).
    metrics_dir(conf)
    try:
        # Check the configuration once before gunicorn forks workers that
        # would each fail the same way.
        app.make_app(conf)
    except (exception.FleetError, cfg.Error) as exc:
        sys.stderr.write('fleet-api: %s\n' % exc)
        return 2
    LOG.info('fleet-api listening on %s (%d workers, auth_strategy %s)',
             options['bind'], options['workers'], conf.api.auth_strategy)
    _application_class()(conf, options).run()
    return 0


if __name__ == '__main__':
    sys.exit(main())
