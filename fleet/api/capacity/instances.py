"""Instances that hold capacity without running: the ``instance`` rows.

"Idle" here means a Nova server whose status is one of ``[capacity]
idle_instance_statuses`` (SHUTOFF, PAUSED, SUSPENDED, SHELVED,
SHELVED_OFFLOADED by default) and whose ``updated_at`` is at least
``[capacity] idle_instance_after`` ago. Nova keeps no "status since" time:
``updated_at`` is the last change of the server record, which a stop sets
and any later change (a rename, metadata) moves. A running instance whose
guest is CPU-idle is not found: that needs guest telemetry (Prometheus
node-exporter in the guest, or Ceilometer), which the report does not read.
"""

from fleet.api.capacity import rows
from fleet.api.capacity import thresholds


def idle(servers, statuses, after, now):
    """``instance`` rows of the idle servers, oldest first.

    :param servers: openstacksdk Server objects (all projects).
    :param statuses: statuses that count as idle (upper case).
    :param after: seconds a server must have been in such a status.
    """
    wanted = {s.upper() for s in statuses}
    out = []
    for server in servers:
        status = (server.status or '').upper()
        if status not in wanted:
            continue
        since = rows.parse_time(server.updated_at)
        age = rows.age_of(since, now)
        if age is None or age < after:
            continue
        out.append(rows.row(
            'instance', server.id, server.name, server.project_id,
            where=server.compute_host or server.hypervisor_hostname,
            status=status, since=since, age=age,
            detail='%s for %s (threshold %s)' % (
                status, thresholds.describe(age),
                thresholds.describe(after))))
    out.sort(key=lambda r: (-(r['age'] or 0), r['id']))
    return out
