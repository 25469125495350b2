"""OpenStackClient plugin: the ``openstack fleet ...`` commands.

OSC imports this module on every ``openstack`` call, so it imports nothing
heavy: the fleet client (and with it oslo.config, SQLAlchemy) is created in
:func:`make_client`, and the database is opened only when a fleet command
first uses it. Commands are in the ``openstack.fleet.v1`` entry points.
"""

import logging
import os

LOG = logging.getLogger(__name__)

DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_fleet_api_version'
API_NAME = 'fleet'
API_VERSIONS = {
    '1': 'fleet.cli.common.FleetClient',
}


def make_client(instance):
    """Return a lazy fleet client (the database opens on first use)."""
    from fleet.cli import common

    config = instance.get_configuration()
    config_file = config.get('fleet_config_file')
    LOG.debug('fleet client: config file %s', config_file)
    return common.FleetClient(
        config_files=[config_file] if config_file else [],
        actor=os.environ.get(common.ACTOR_ENV))


def build_option_parser(parser):
    """Add the fleet global options to the OSC parser."""
    parser.add_argument(
        '--os-fleet-api-version',
        metavar='<fleet-api-version>',
        default=os.environ.get('OS_FLEET_API_VERSION', DEFAULT_API_VERSION),
        help='Fleet command set version, default=%s '
             '(Env: OS_FLEET_API_VERSION)' % DEFAULT_API_VERSION)
    parser.add_argument(
        '--os-fleet-config-file',
        metavar='<path>',
        default=os.environ.get('FLEET_CONFIG_FILE'),
        help='Fleet configuration file, read after /etc/fleet/fleet.conf '
             'and ~/.config/fleet/fleet.conf (Env: FLEET_CONFIG_FILE)')
    return parser
