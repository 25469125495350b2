"""Configuration options of openstack-fleet (oslo.config).

``CONF`` is the global ConfigOpts with every fleet option registered. The
command line parses it (``fleet.cli.common.load_conf``: ``/etc/fleet/
fleet.conf`` and ``~/.config/fleet/fleet.conf`` when present, then
``--config-file``); library users call ``CONF([...], project='fleet')``.
oslo.log's options ([DEFAULT] debug, log_file, log_dir, use_syslog ...)
are registered here; :func:`setup_logging` applies them.

Only oslo.log's option lists are imported here (``oslo_log._options``, the
module oslo-config-generator reads them from): ``oslo_log.log`` costs about
25 ms of every command's start-up and is imported only when a log
destination is configured.
"""

import logging
import weakref

from oslo_config import cfg
from oslo_log import _options as log_options

from fleet.conf import alerts
from fleet.conf import api
from fleet.conf import audit
from fleet.conf import capacity
from fleet.conf import collectors
from fleet.conf import database
from fleet.conf import default
from fleet.conf import inventory
from fleet.conf import notifications
from fleet.conf import remediation
from fleet.conf import secrets
from fleet.conf import telemetry

#: fleet's own ConfigOpts, not oslo.config's global ``cfg.CONF``: fleet's
#: Mistral actions run inside Mistral's executor, whose global CONF holds
#: Mistral's own options (its ``[database]`` among them).
CONF = cfg.ConfigOpts()

#: The option modules, one per group, in sample-configuration order.
MODULES = (default, database, inventory, collectors, telemetry, alerts,
           capacity,
           audit, remediation, notifications, secrets, api)


def register(conf, module):
    """Register one option module's ``group`` (None: [DEFAULT]) and
    ``opts`` in ``conf``."""
    if module.group is not None:
        conf.register_group(module.group)
    conf.register_opts(module.opts, group=module.group)


def register_all(conf):
    """Register oslo.log's and every fleet option module in ``conf``."""
    # What oslo_log.log.register_options registers, without importing it.
    conf.register_cli_opts(log_options.common_cli_opts)
    conf.register_cli_opts(log_options.logging_cli_opts)
    conf.register_opts(log_options.generic_log_opts)
    conf.register_opts(log_options.log_opts)
    for module in MODULES:
        register(conf, module)
    return conf


def load(config_files):
    """A new ConfigOpts with fleet's options, parsed from ``config_files``.

    For code that serves callers with different configurations in one
    process (fleet's Mistral actions); the CLI parses :data:`CONF`.
    """
    conf = register_all(cfg.ConfigOpts())
    conf(args=[], project='fleet', default_config_files=list(config_files),
         default_config_dirs=[])
    return conf


register_all(CONF)


#: Handlers setup_logging added to the root logger (oslo.log's).
_OURS = weakref.WeakSet()


def setup_logging(conf=CONF):
    """Send fleet's logs where the configuration says (oslo.log).

    Only when a destination is configured (log_file, log_dir, syslog or
    journal): a command-line run otherwise keeps its console logging.
    oslo.log replaces the root logger's handlers with its own; the ones the
    command line had (the console, which shows the operator a failed
    command's error, and cliff's ``--log-file``) are put back beside them,
    unless ``use_stderr`` gives oslo.log's own console output instead.
    """
    if not (conf.log_file or conf.log_dir or conf.use_syslog or
            conf.use_journal or conf.log_config_append):
        return
    from oslo_log import log

    root = logging.getLogger()
    before = [h for h in root.handlers if h not in _OURS]
    level = root.level
    log.setup(conf, 'fleet')
    added = [h for h in root.handlers if h not in before]
    # oslo.log sets the root level for its own handlers; keep the
    # console's (cliff's --verbose/--debug) reach by setting it on them.
    for handler in added:
        if handler.level == logging.NOTSET:
            handler.setLevel(root.level)
    _OURS.clear()
    _OURS.update(added)
    if not conf.use_stderr:
        for handler in before:
            if handler not in root.handlers:
                root.addHandler(handler)
        if level:
            root.setLevel(min(level, root.level))
