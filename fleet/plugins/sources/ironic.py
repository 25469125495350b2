"""``ironic``: bare-metal nodes from Ironic become devices.

Each node becomes a ``host`` device named after the node (its UUID when it
has no name); a device this source creates takes the node UUID as its own
(a device that already existed keeps its UUID). Observed facts go to
the ``ironic`` variable (power, provision and maintenance state, driver,
resource class, CPUs, memory, disk, traits); the BMC's address, port and
user to the ``bmc`` variable, and its password to the secret variable
``bmc_password`` when Ironic reveals it (Ironic masks passwords unless its
``show_password`` policy allows them).

The BMC's address is never the device's management address (the Ansible
export's ``ansible_host``: a playbook would connect to the BMC). The host's
own address comes from the node field that ``host_address_field`` names,
if any; a management address equal to the BMC's, which this source set
before, is cleared on the next sync.
"""

from oslo_config import cfg

from fleet.common import exception
from fleet.plugins.sources import cloud

MASKED = '******'
# driver_info keys per hardware type family: address, port, user, password.
BMC_KEYS = (
    ('ipmi', 'ipmi_address', 'ipmi_port', 'ipmi_username', 'ipmi_password'),
    ('redfish', 'redfish_address', None, 'redfish_username',
     'redfish_password'),
    ('idrac', 'drac_address', 'drac_port', 'drac_username', 'drac_password'),
    ('ilo', 'ilo_address', None, 'ilo_username', 'ilo_password'),
)
SERIAL_KEYS = ('serial', 'serial_number', 'system_serial')
#: Node fields host_address_field may name.
ADDRESS_FIELDS = ('extra', 'properties', 'instance_info')


class IronicSource(cloud.CloudSource):
    """Enroll every Ironic node as a device with its observed state."""

    service = 'Ironic'
    proxy = 'baremetal'

    @classmethod
    def get_config_opts(cls):
        return super().get_config_opts() + [
            cfg.StrOpt('role_key', default='fleet_role',
                       help='Key in a node\'s "extra" that gives the '
                            'device role (e.g. compute).'),
            cfg.StrOpt('host_address_field',
                       help='Where a node keeps the address of the host '
                            'itself (not of its BMC), as FIELD/KEY[/KEY...] '
                            'with FIELD one of %s, e.g. extra/host_ip. It '
                            'becomes the device\'s management address, '
                            'which the Ansible export gives as '
                            'ansible_host. Unset: Ironic gives no host '
                            'address (an asset file or the nova source '
                            'may).' % ', '.join(ADDRESS_FIELDS)),
        ]

    def collect(self):
        conn = self.connection()
        nodes = self.call('listing nodes',
                          lambda: conn.baremetal.nodes(details=True))
        cloud_name, region = self.placement()
        path = self._address_path()
        records = [self._record(node, cloud_name, region, path)
                   for node in nodes]
        return cloud.base.Snapshot(devices=records)

    def _option(self, name, default):
        return getattr(self.options, name, None) or default

    def _address_path(self):
        """``host_address_field`` split into (field, key, ...), or None."""
        text = self._option('host_address_field', None)
        if not text:
            return None
        path = tuple(text.split('/'))
        if len(path) < 2 or path[0] not in ADDRESS_FIELDS or not all(path):
            raise exception.Invalid(
                '[inventory_sources.ironic] host_address_field',
                'cannot use %r' % text, 'write FIELD/KEY with FIELD one of '
                '%s, e.g. extra/host_ip' % ', '.join(ADDRESS_FIELDS),
                value=text)
        return path

    @staticmethod
    def _host_address(node, path):
        """The host's own address at ``path`` in the node, or None."""
        if path is None:
            return None
        value = getattr(node, path[0], None)
        for key in path[1:]:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value if isinstance(value, str) and value else None

    def _record(self, node, cloud_name, region, address_path=None):
        extra = dict(node.extra or {})
        props = dict(node.properties or {})
        info = dict(node.driver_info or {})
        role_key = self._option('role_key', 'fleet_role')
        facts = {'ironic': {
            'uuid': node.id,
            'power_state': node.power_state,
            'provision_state': node.provision_state,
            'maintenance': bool(node.is_maintenance),
            'maintenance_reason': node.maintenance_reason,
            'driver': node.driver,
            'resource_class': node.resource_class,
            'conductor_group': getattr(node, 'conductor_group', None),
            'cpus': _int(props.get('cpus')),
            'cpu_arch': props.get('cpu_arch'),
            'memory_mb': _int(props.get('memory_mb')),
            'local_gb': _int(props.get('local_gb')),
            'traits': sorted(getattr(node, 'traits', None) or []),
            'instance_uuid': getattr(node, 'instance_id', None),
            'fault': getattr(node, 'fault', None),
        }}
        secrets = {}
        bmc_address = None
        for family, addr_key, port_key, user_key, pass_key in BMC_KEYS:
            if addr_key in info:
                bmc_address = info.get(addr_key)
                bmc = {'driver': family, 'address': bmc_address,
                       'username': info.get(user_key)}
                if port_key and info.get(port_key) is not None:
                    bmc['port'] = _int(info.get(port_key))
                if info.get('ipmi_cipher_suite') is not None:
                    bmc['cipher_suite'] = _int(info['ipmi_cipher_suite'])
                facts['bmc'] = bmc
                password = info.get(pass_key)
                if password and password != MASKED:
                    secrets['bmc_password'] = password
                break
        serial = next((str(src[k]) for src in (extra, props)
                       for k in SERIAL_KEYS if src.get(k)), None)
        return cloud.base.DeviceRecord(
            name=node.name or node.id, type='host', external_id=node.id,
            uuid=node.id, role=extra.get(role_key), serial=serial,
            asset_tag=extra.get('asset_tag'),
            mgmt_address=self._host_address(node, address_path),
            retract={'mgmt_address': bmc_address} if bmc_address else {},
            cloud=cloud_name, region=region, facts=facts, secrets=secrets,
            where='ironic node %s' % (node.name or node.id))


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return value
