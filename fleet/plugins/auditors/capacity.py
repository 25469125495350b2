"""The ``capacity`` auditor: headroom and idle hosts from Nova readings."""

from fleet.plugins.auditors import base

#: resource -> (free metric, capacity metric) of the nova collector.
RESOURCES = {'vcpus': ('vcpus.free', 'vcpus.capacity'),
             'memory': ('memory.free_mb', 'memory.capacity_mb'),
             'disk': ('disk.free_gb', 'disk.capacity_gb')}
INSTANCES = 'instances.total'
#: Position of the value in a reading row (fleet.api.audit.snapshot).
VALUE = 2


class CapacityAuditor(base.Auditor):
    """Spare capacity from the Nova hypervisor readings.

    Reads what ``fleet collect`` stores from the ``nova`` collector
    (``vcpus.free``/``vcpus.capacity``, ``memory.free_mb``/
    ``memory.capacity_mb``, ``disk.free_gb``/``disk.capacity_gb``,
    ``instances.total``). ``check: headroom`` -- free capacity of a group
    (``group_by`` region, cell, rack, or each device) below
    ``min_percent`` of its capacity; ``check: idle`` -- a host running no
    instance. Params::

        check: headroom           # headroom | idle
        resource: vcpus           # vcpus | memory | disk
        min_percent: 20
        group_by: cell            # region | cell | rack | device

    Devices without those readings are left out of the sums.
    """

    parameter_schema = {
        'type': 'object', 'additionalProperties': False,
        'required': ['check'],
        'properties': {
            'check': {'enum': ['headroom', 'idle']},
            'resource': {'enum': sorted(RESOURCES)},
            'min_percent': {'type': 'number', 'minimum': 0,
                            'maximum': 100},
            'group_by': {'enum': ['region', 'cell', 'rack', 'device']},
        },
    }

    def metrics(self, params):
        if params['check'] == 'idle':
            return [INSTANCES]
        return list(RESOURCES[params.get('resource', 'vcpus')])

    def audit(self, devices, params, snapshot):
        if params['check'] == 'idle':
            return self._idle(devices, snapshot)
        free_m, cap_m = RESOURCES[params.get('resource', 'vcpus')]
        by = params.get('group_by', 'region')
        want = params.get('min_percent', 10)
        # One pass over the devices with the raw reading rows (value at
        # VALUE), sums per group in plain lists.
        sums = {}
        frees, caps = snapshot.rows_of(free_m), snapshot.rows_of(cap_m)
        per_device = by == 'device'
        for dev in devices:
            free = frees.get(dev.id)
            if free is None:
                continue
            cap = caps.get(dev.id)
            if cap is None or free[VALUE] is None or cap[VALUE] is None:
                continue
            key = dev.name if per_device else getattr(dev, by)
            s = sums.get(key)
            if s is None:
                s = sums[key] = [0.0, 0.0, 0, None]
            s[0] += free[VALUE]
            s[1] += cap[VALUE]
            s[2] += 1
            s[3] = dev if per_device else None
        out = []
        for key, (free, cap, n, dev) in sorted(sums.items(),
                                               key=lambda k: str(k[0])):
            if cap <= 0:
                continue
            percent = 100.0 * free / cap
            if percent < want:
                msg = '%s headroom %.1f%% (%g free of %g on %d host%s), ' \
                      'at least %g%% wanted' % (
                          free_m.split('.')[0], percent, free, cap, n,
                          '' if n == 1 else 's', want)
                observed = {'free': free, 'capacity': cap,
                            'percent': round(percent, 2), 'hosts': n}
                expected = {'min_percent': want}
                if dev is not None:
                    out.append(base.failure(dev, msg, observed, expected))
                else:
                    out.append(base.group_failure('%s %s' % (by, key), msg,
                                                  observed, expected))
        return out

    @staticmethod
    def _idle(devices, snapshot):
        rows = snapshot.rows_of(INSTANCES)
        out = []
        for dev in devices:
            r = rows.get(dev.id)
            if r is None or r[VALUE] is None or r[VALUE] > 0:
                continue
            out.append(base.failure(dev, 'idle: runs no instance',
                                    observed={INSTANCES: r[VALUE]},
                                    expected={INSTANCES: '> 0'}))
        return out
