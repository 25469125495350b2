"""``nova``: nova-compute hosts with their state and capacity.

Each nova-compute service becomes (or enriches) a ``host`` device named
after the service's host, with role ``compute`` when the device has no role
yet. Observed facts go to the ``nova`` variable: service state (up/down),
status (enabled/disabled), disabled reason, forced-down, availability zone,
hypervisor type, the number of instances on the host, and vCPU/RAM/disk
capacity and usage. Capacity comes from Placement (inventories and usages of
the host's resource provider) because the compute API stopped reporting it
at microversion 2.88; when Placement cannot be read the hypervisor's own
fields are used where the server still sends them. The hypervisor's
``host_ip`` is the device's management address (the Ansible export's
``ansible_host``).
"""

from fleet.plugins.sources import cloud

CLASSES = (('VCPU', 'vcpus'), ('MEMORY_MB', 'memory_mb'),
           ('DISK_GB', 'disk_gb'))


class NovaSource(cloud.CloudSource):
    """Record every nova-compute host with its state and capacity."""

    service = 'Nova'
    proxy = 'compute'

    def collect(self):
        conn = self.connection()
        services = [s for s in self.call('listing compute services',
                                         lambda: conn.compute.services())
                    if s.binary == 'nova-compute']
        hypervisors = self.call(
            'listing hypervisors',
            lambda: conn.compute.hypervisors(details=True))
        servers = self.call(
            'listing servers',
            lambda: conn.compute.servers(all_projects=True, details=True))
        per_host = {}
        for server in servers:
            host = getattr(server, 'compute_host', None)
            if host:
                per_host[host] = per_host.get(host, 0) + 1
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
                'instances': per_host.get(svc.host, 0),
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
        """{provider uuid and name: capacity facts} from Placement."""
        try:
            providers = list(conn.placement.resource_providers())
        except Exception:  # noqa: BLE001 - Placement is optional here
            return {}
        out = {}
        for rp in providers:
            facts = {}
            inventories = self.call(
                'reading inventories of %s' % rp.name,
                lambda: conn.placement.resource_provider_inventories(rp))
            usages = self._usages(conn, rp.id)
            for inv in inventories:
                for rc, key in CLASSES:
                    if inv.resource_class != rc:
                        continue
                    total = inv.total or 0
                    ratio = float(inv.allocation_ratio or 1.0)
                    reserved = inv.reserved or 0
                    used = usages.get(rc, 0)
                    facts[key] = total
                    facts[key + '_used'] = used
                    facts[key + '_allocation_ratio'] = ratio
                    facts[key + '_free'] = int(
                        (total - reserved) * ratio - used)
            out[rp.id] = out[rp.name] = facts
        return out

    def _usages(self, conn, rp_id):
        resp = self.call('reading usages', lambda: conn.placement.get(
            '/resource_providers/%s/usages' % rp_id))
        try:
            return resp.json().get('usages', {})
        except ValueError:
            return {}


def _hyp_capacity(hyp):
    """Capacity from a hypervisor record (microversion < 2.88 only)."""
    facts = {}
    for key, attr in (('vcpus', 'vcpus'), ('vcpus_used', 'vcpus_used'),
                      ('memory_mb', 'memory_size'),
                      ('memory_mb_used', 'memory_used'),
                      ('disk_gb', 'local_disk_size'),
                      ('disk_gb_used', 'local_disk_used')):
        value = getattr(hyp, attr, None)
        if value is not None:
            facts[key] = value
    return facts
