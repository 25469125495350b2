"""Hypervisors with no instances: the ``hypervisor`` rows.

A hypervisor is empty when no server of any project is placed on its
compute host (servers in every status count: a SHUTOFF server still holds
its allocation). Disabled or down services are reported too, with the
state in the detail: an empty disabled host is a candidate for
decommissioning, an empty enabled one for consolidation.
"""

from fleet.api.capacity import rows


def hosts_of(hypervisors):
    """``{compute host: hypervisor}`` (service host, else hostname)."""
    out = {}
    for hyp in hypervisors:
        service = getattr(hyp, 'service_details', None) or {}
        host = service.get('host') or hyp.name
        out[host] = hyp
    return out


def instance_counts(servers):
    """``{compute host: number of servers}`` over all projects."""
    counts = {}
    for server in servers:
        host = server.compute_host
        if host:
            counts[host] = counts.get(host, 0) + 1
    return counts


def empty(hypervisors, servers):
    """``hypervisor`` rows of the hypervisors without servers, by name."""
    counts = instance_counts(servers)
    out = []
    for host, hyp in sorted(hosts_of(hypervisors).items()):
        if counts.get(host):
            continue
        service = getattr(hyp, 'service_details', None) or {}
        state = '%s/%s' % (hyp.state or '?', hyp.status or '?')
        detail = 'no instances; service %s' % state
        if service.get('disabled_reason'):
            detail += ' (%s)' % service['disabled_reason']
        out.append(rows.row('hypervisor', hyp.id, hyp.name, where=host,
                            status=hyp.status, detail=detail))
    return out
