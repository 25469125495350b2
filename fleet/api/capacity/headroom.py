"""Headroom from Placement: the ``headroom`` rows.

For each scope (the region, each availability zone, each host aggregate)
and each resource class ``VCPU``, ``MEMORY_MB``, ``DISK_GB``:

* capacity = sum over the scope's resource providers of
  ``(total - reserved) * allocation_ratio`` (what Placement lets instances
  allocate);
* used = sum of the providers' usages (allocations, whatever the servers'
  status: a SHUTOFF server holds its allocation);
* free = capacity - used, and free_percent = free / capacity * 100.

Providers are mapped to compute hosts through the hypervisors (provider
uuid = hypervisor id, or provider name = hypervisor hostname); the
availability zones and aggregates come from Nova. The region scope counts
every provider with these classes, also ones no hypervisor names.
"""

from fleet.api.capacity import rows

#: Resource classes reported, in order.
CLASSES = ('VCPU', 'MEMORY_MB', 'DISK_GB')
UNITS = {'VCPU': 'vCPUs', 'MEMORY_MB': 'MB', 'DISK_GB': 'GB'}


def provider_hosts(providers, hosts):
    """``{provider id: compute host}`` for providers of hypervisors.

    :param providers: ``[(provider, inventories, usages)]``.
    :param hosts: ``{compute host: hypervisor}``.
    """
    by_key = {}
    for host, hyp in hosts.items():
        by_key[hyp.id] = host
        by_key[hyp.name] = host
    out = {}
    for rp, _inv, _use in providers:
        host = by_key.get(rp.id) or by_key.get(rp.name)
        if host:
            out[rp.id] = host
    return out


def per_provider(inventories, usages):
    """``{class: (capacity, used)}`` of one provider."""
    return {rc: (inventories[rc]['capacity'], float(usages.get(rc, 0)))
            for rc in CLASSES if rc in inventories}


def scopes(region, providers, hosts, zones, aggregates):
    """``[(where, scope name, [provider ids])]`` in report order.

    :param zones: ``{availability zone: [compute hosts]}``.
    :param aggregates: ``{aggregate name: [compute hosts]}``.
    """
    rp_host = provider_hosts(providers, hosts)
    out = [('region', region, [rp.id for rp, _i, _u in providers])]
    for kind, groups in (('availability_zone', zones),
                         ('aggregate', aggregates)):
        for name in sorted(groups):
            members = set(groups[name])
            out.append((kind, name, [rp for rp, host in rp_host.items()
                                     if host in members]))
    return out


def headroom(region, providers, hosts, zones, aggregates):
    """``headroom`` rows: one per scope and resource class."""
    figures = {rp.id: per_provider(inv, use) for rp, inv, use in providers}
    out = []
    for where, name, members in scopes(region, providers, hosts, zones,
                                       aggregates):
        for rc in CLASSES:
            pairs = [figures[m][rc] for m in members if rc in figures[m]]
            if not pairs:
                continue
            capacity = sum(c for c, _u in pairs)
            used = sum(u for _c, u in pairs)
            free = capacity - used
            percent = round(100.0 * free / capacity, 1) if capacity else 0.0
            out.append(rows.row(
                'headroom', '%s:%s' % (where, name), name, where=where,
                status='full' if free <= 0 else 'free',
                detail='%g of %g %s free (%.1f%%) on %d provider(s)' % (
                    free, capacity, UNITS[rc], percent, len(pairs)),
                resource_class=rc, capacity=capacity, used=used, free=free,
                free_percent=percent))
    return out
