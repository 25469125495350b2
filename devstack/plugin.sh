#!/bin/bash
#
# plugin.sh - DevStack plugin of openstack-fleet
#
# Only dispatches on the phase; the work is in lib/fleet.
#
# Enable in local.conf:
#
#   enable_plugin openstack-fleet https://opendev.org/openstack/openstack-fleet

# Save trace setting
_XTRACE_FLEET_PLUGIN=$(set +o | grep xtrace)
set -o xtrace

# shellcheck source=devstack/lib/fleet
source "$FLEET_DIR/devstack/lib/fleet"

if is_service_enabled fleet; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing openstack-fleet"
        install_fleet
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring openstack-fleet"
        configure_fleet
        echo_summary "Initializing the openstack-fleet database"
        init_fleet
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_fleet
    fi
fi

# Restore xtrace
$_XTRACE_FLEET_PLUGIN
