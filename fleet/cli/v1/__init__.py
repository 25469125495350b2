"""Commands of the ``openstack.fleet.v1`` group, one module per noun."""
