"""OpenStackClient plugin: ``openstack fleet ...``."""
