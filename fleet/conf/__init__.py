"""Configuration options of openstack-fleet (oslo.config).

``CONF`` is the global ConfigOpts; :func:`fleet.conf.setup` parses files
(default ``/etc/fleet/fleet.conf`` and ``~/.config/fleet/fleet.conf`` when
present) and sets up logging.
"""

from oslo_config import cfg

from fleet.conf import database
from fleet.conf import default
from fleet.conf import inventory

CONF = cfg.CONF

database.register_opts(CONF)
default.register_opts(CONF)
inventory.register_opts(CONF)
