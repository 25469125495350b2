"""The capacity report as readings, for audits (``capacity.*`` metrics).

The readings store is keyed by inventory device, so only what belongs to
a device is recorded: each compute host of the inventory (a device whose
name is the hypervisor's compute host or hypervisor hostname, as the nova
collector matches them) gets, with source ``capacity``:

* ``capacity.instances``: servers on the host (every status);
* ``capacity.idle_instances``: of those, the idle ones (the ``instance``
  rows);
* ``capacity.empty``: 1 when the host has no servers, else 0;
* ``capacity.free_percent.<class>``: free VCPU / MEMORY_MB / DISK_GB of the
  host's resource provider, in percent (with headroom).

Floating IPs, ports, volumes and the region / availability zone /
aggregate headroom are not devices and are not recorded as readings: an
audit reads them from :meth:`fleet.api.capacity.Capacity.report` (or
``GET /v1/capacity``), which returns every row with its owner project.
Hosts the inventory does not have are skipped (``inventory sync nova``
adds them).
"""

import sqlalchemy as sa

from fleet.api.capacity import headroom as headroom_mod
from fleet.api.capacity import hypervisors as hyp_mod
from fleet.common import readings
from fleet.db import models

SOURCE = 'capacity'


def device_ids(fleet, names):
    """``{name: device id}`` of the inventory devices with these names."""
    names = sorted(set(n for n in names if n))
    out = {}
    batch = max(1, min(fleet.batch_size, 500))
    with fleet.reading() as s:
        for i in range(0, len(names), batch):
            chunk = names[i:i + batch]
            out.update((name, dev_id) for name, dev_id in s.execute(
                sa.select(models.Device.name, models.Device.id)
                .where(models.Device.name.in_(chunk))))
    return out


def host_readings(fleet, nova, placement, idle_rows, now):
    """:class:`Reading` objects of the compute hosts in the inventory.

    :param nova: the Nova data of :class:`fetch.Gather` (or None).
    :param placement: the Placement data (or None: no free_percent).
    """
    if nova is None:
        return []
    hosts = hyp_mod.hosts_of(nova['hypervisors'])
    counts = hyp_mod.instance_counts(nova['servers'])
    idle = {}
    for r in idle_rows:
        idle[r['where']] = idle.get(r['where'], 0) + 1
    names = set(hosts) | {h.name for h in hosts.values()}
    ids = device_ids(fleet, names)
    free = {}
    if placement is not None:
        rp_host = headroom_mod.provider_hosts(placement['providers'], hosts)
        for rp, inv, use in placement['providers']:
            host = rp_host.get(rp.id)
            if host:
                free[host] = headroom_mod.per_provider(inv, use)
    out = []
    for host, hyp in sorted(hosts.items()):
        dev = ids.get(host) or ids.get(hyp.name)
        if dev is None:
            continue
        n = counts.get(host, 0)

        def add(metric, value, unit=None):
            out.append(readings.Reading(
                device_id=dev, metric=metric, value=float(value), unit=unit,
                source=SOURCE, read_at=now))

        add('capacity.instances', n)
        add('capacity.idle_instances', idle.get(host, 0))
        add('capacity.empty', 1 if n == 0 else 0)
        for rc, (capacity, used) in sorted(free.get(host, {}).items()):
            percent = 100.0 * (capacity - used) / capacity if capacity \
                else 0.0
            add('capacity.free_percent.%s' % rc, round(percent, 1),
                'percent')
    return out
