"""Configuration options of openstack-fleet (oslo.config).

``CONF`` is the global ConfigOpts with every fleet option registered. The
command line parses it (``fleet.cli.common.load_conf``: ``/etc/fleet/
fleet.conf`` and ``~/.config/fleet/fleet.conf`` when present, then
``--config-file``); library users call ``CONF([...], project='fleet')``.
oslo.log's options ([DEFAULT] debug, log_file, log_dir, use_syslog ...)
are registered here; :func:`setup_logging` applies them.
"""

from oslo_config import cfg
from oslo_log import log

from fleet.conf import audit
from fleet.conf import collectors
from fleet.conf import database
from fleet.conf import default
from fleet.conf import inventory
from fleet.conf import notifications
from fleet.conf import remediation
from fleet.conf import secrets

CONF = cfg.CONF

#: The option modules, one per group, in sample-configuration order.
MODULES = (default, database, inventory, collectors, audit, remediation,
           notifications, secrets)

log.register_options(CONF)
for _module in MODULES:
    _module.register_opts(CONF)


def setup_logging(conf=CONF):
    """Send fleet's logs where the configuration says (oslo.log).

    Only when a destination is configured (log_file, log_dir, syslog or
    journal): a command-line run otherwise keeps its console logging.
    """
    if conf.log_file or conf.log_dir or conf.use_syslog or conf.use_journal:
        log.setup(conf, 'fleet')
