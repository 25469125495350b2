"""openstack-fleet: Day-2 fleet management for OpenStack clouds."""
