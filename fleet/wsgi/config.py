"""Configuration of fleet-api processes: which files, parsed how."""

import os

#: Environment variables naming configuration files.
CONFIG_FILE_ENV = 'FLEET_CONFIG_FILE'
CONFIG_FILES_ENV = 'OS_FLEET_CONFIG_FILES'


def files_from_environ(environ=None):
    """Files named by ``FLEET_CONFIG_FILE`` / ``OS_FLEET_CONFIG_FILES``."""
    environ = os.environ if environ is None else environ
    files = []
    if environ.get(CONFIG_FILE_ENV):
        files.append(environ[CONFIG_FILE_ENV])
    files.extend(p for p in (environ.get(CONFIG_FILES_ENV) or '').split(';')
                 if p.strip())
    return files


def load(args=(), files=(), prog='fleet-api'):
    """Parse ``args`` (``--config-file``, ``--config-dir``) and the default
    files plus ``files``; set up logging. Returns the global CONF.

    :raises oslo_config.cfg.Error: bad option values or files.
    """
    from fleet.cli import common
    from fleet import conf as fleet_conf

    defaults = common.config_files(files)
    fleet_conf.CONF(list(args), project='fleet', prog=prog,
                    default_config_files=defaults, default_config_dirs=[])
    fleet_conf.setup_logging(fleet_conf.CONF)
    return fleet_conf.CONF


def application_from_environ():
    """The app for a WSGI server that imports ``fleet.wsgi.api``."""
    from fleet.wsgi import app

    conf = load(args=[], files=files_from_environ())
    return app.make_app(conf)
