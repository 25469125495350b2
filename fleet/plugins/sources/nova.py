"""``nova``: nova-compute hosts with their state and capacity.

Each nova-compute service becomes (or enriches) a ``host`` device named
after the service's host, with role ``compute`` when the device has no role
yet. Observed facts go to the ``nova`` variable: service state (up/down),
status (enabled/disabled), disabled reason, forced-down, availability zone,
hypervisor hostname and type, and vCPU/RAM/disk capacity with the allocation
ratios. Capacity comes from Placement (the inventories of the host's
resource provider) because the compute API stopped reporting it at
microversion 2.88; in a cloud with no Placement in its catalogue the
hypervisor's own fields are used where the server still sends them. A
Placement that fails fails the sync (nothing is written).

Usage figures (vCPUs, RAM and disk used and free, the number of instances)
churn with every boot and delete: they are telemetry readings of the
``nova`` collector, not inventory. This source no longer reports them, and
the next sync drops the ones it once recorded from the ``nova`` variable
(one change per device, then none).

The hypervisor's ``host_ip`` is the device's management address (the
Ansible export's ``ansible_host``).
"""

from fleet.common import exception
from fleet.plugins.sources import cloud

CLASSES = (('VCPU', 'vcpus'), ('MEMORY_MB', 'memory_mb'),
           ('DISK_GB', 'disk_gb'))
#: Keys of the ``nova`` variable that earlier versions of this source set
#: and that are readings now (kept for the documentation and the tests).
RETIRED_FACTS = ('instances', 'vcpus_used', 'vcpus_free', 'memory_mb_used',
                 'memory_mb_free', 'disk_gb_used', 'disk_gb_free')


class NovaSource(cloud.CloudSource):
    """Record every nova-compute host with its state and capacity."""

    service = 'Nova'
    proxy = 'compute'

    def collect(self):
        conn = self.connection()
        services, hypervisors = self.compute_services(conn)
        by_host = {}
        for hyp in hypervisors:
            details = getattr(hyp, 'service_details', None) or {}
            by_host[details.get('host') or hyp.name] = hyp
        capacity = self._placement_capacity(conn)
        cloud_name, region = self.placement()
        records = []
        for svc in sorted(services, key=lambda s: s.host):
            hyp = by_host.get(svc.host)
            facts = {
                'service_id': svc.id,
                'state': svc.state,
                'status': svc.status,
                'disabled_reason': svc.disabled_reason,
                'forced_down': bool(getattr(svc, 'is_forced_down', False)),
                'zone': getattr(svc, 'availability_zone', None),
            }
            if hyp is not None:
                facts['hypervisor_hostname'] = hyp.name
                facts['hypervisor_type'] = getattr(hyp, 'hypervisor_type',
                                                   None)
                facts.update(capacity.get(hyp.id) or
                             capacity.get(hyp.name) or _hyp_capacity(hyp))
            records.append(cloud.base.DeviceRecord(
                name=svc.host, type='host', external_id=svc.host,
                role='compute', cloud=cloud_name, region=region,
                mgmt_address=getattr(hyp, 'host_ip', None) or None,
                facts={'nova': facts},
                where='nova-compute on %s' % svc.host))
        return cloud.base.Snapshot(devices=records)

    def _placement_capacity(self, conn):
        """{provider uuid and name: capacity facts} from Placement.

        A cloud whose catalogue has no Placement gives ``{}`` (capacity from
        the hypervisors). A Placement that fails is an error: capacity
        facts that vanished for one sync and came back the next would fill
        the change log with churn.

        :raises fleet.common.exception.SourceUnavailable: Placement failed.
        """
        try:
            providers = self.resource_providers(conn)
        except exception.SourceUnavailable as exc:
            if _no_endpoint(exc):
                return {}
            raise
        out = {}
        for rp in providers:
            facts = {}
            inventories = self.inventories(conn, rp)
            for rc, key in CLASSES:
                inv = inventories.get(rc)
                if inv is not None:
                    facts[key] = inv['total']
                    facts[key + '_allocation_ratio'] = \
                        inv['allocation_ratio']
            out[rp.id] = out[rp.name] = facts
        return out


def _no_endpoint(exc):
    """Whether ``exc`` says the cloud has no Placement endpoint at all."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if type(exc).__name__ in ('EndpointNotFound', 'ServiceNotFound',
                                  'NotSupported'):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _hyp_capacity(hyp):
    """Capacity from a hypervisor record (microversion < 2.88 only)."""
    facts = {}
    for key, attr in (('vcpus', 'vcpus'), ('memory_mb', 'memory_size'),
                      ('disk_gb', 'local_disk_size')):
        value = getattr(hyp, attr, None)
        if value is not None:
            facts[key] = value
    return facts
