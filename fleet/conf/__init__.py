"""Configuration options of openstack-fleet (oslo.config).

``CONF`` is the global ConfigOpts with every fleet option registered. The
command line parses it (``fleet.cli.common.load_conf``: ``/etc/fleet/
fleet.conf`` and ``~/.config/fleet/fleet.conf`` when present, then
``--config-file``); library users call ``CONF([...], project='fleet')``.
"""

from oslo_config import cfg

from fleet.conf import database
from fleet.conf import default
from fleet.conf import inventory

CONF = cfg.CONF

database.register_opts(CONF)
default.register_opts(CONF)
inventory.register_opts(CONF)
