"""``nova``: hypervisor usage and nova-compute health from Nova and Placement.

One sweep asks Nova for its compute services, hypervisors and servers (one
listing each, for the whole cloud) and Placement for the resource providers,
then the inventories and usages of the providers of the selected devices'
hypervisors. The compute API stopped reporting vCPU/RAM/disk figures at
microversion 2.88, so capacity and usage come from Placement, as the
``nova`` inventory source reads them.
"""

from concurrent import futures

from oslo_config import cfg

from fleet.common import exception
from fleet.common.readings import Reading
from fleet.plugins.collectors import base
from fleet.plugins.sources import cloud

#: Default of ``[collectors.nova] timeout``, in seconds.
DEFAULT_TIMEOUT = 30
#: Default of ``[collectors.nova] workers``.
DEFAULT_WORKERS = 8
#: Placement resource class -> (reading kind, name suffix, unit).
CLASSES = (('VCPU', 'vcpus', '', 'vcpus'),
           ('MEMORY_MB', 'memory', '_mb', 'megabytes'),
           ('DISK_GB', 'disk', '_gb', 'gigabytes'))
SERVICE_METRICS = ('service.up', 'service.enabled', 'service.forced_down')
INSTANCE_METRICS = ('instances.running', 'instances.total')
CAPACITY_METRICS = tuple('%s.%s%s' % (kind, figure, suffix)
                         for _rc, kind, suffix, _unit in CLASSES
                         for figure in ('used', 'free', 'capacity'))
#: Every metric this collector writes.
METRICS = SERVICE_METRICS + INSTANCE_METRICS + CAPACITY_METRICS


class NovaCollector(cloud.CloudClient, base.Collector):
    """Per hypervisor: vCPU/RAM/disk used and free, instances, service health.

    **Readings** (source ``nova``), per compute host:

    - ``vcpus.used``, ``vcpus.free``, ``vcpus.capacity`` (unit ``vcpus``),
      ``memory.used_mb``, ``memory.free_mb``, ``memory.capacity_mb``
      (``megabytes``), ``disk.used_gb``, ``disk.free_gb``,
      ``disk.capacity_gb`` (``gigabytes``), from the host's resource
      provider in Placement: *capacity* is what Placement lets instances
      allocate, ``(total - reserved) * allocation_ratio``; *used* is the sum
      of the allocations against it; *free* is capacity minus used.
    - ``instances.running`` (servers ``ACTIVE`` on the host) and
      ``instances.total`` (every server on the host).
    - ``service.up`` (1/0; ``critical`` when nova-compute is down),
      ``service.forced_down`` (1/0; ``warning`` when forced down) and
      ``service.enabled`` (1/0; ``warning`` when disabled, with the
      disabled reason).

    **Which device is which host:** a device is the host of the
    nova-compute service whose host name is the device's name, or else of
    the hypervisor whose hypervisor hostname is the device's name. That is
    the name the ``nova`` inventory source gives the devices it creates, so
    hosts synced from Nova need nothing more.

    **Variables:** ``nova`` (the observed facts the ``nova`` source
    records; optional). A device that Nova does not know is skipped, unless
    it has a ``nova`` variable: it was a compute host, and its readings say
    ``unknown`` (no such service any more).

    **Faults:** Nova that cannot be reached, or answers a listing with an
    error, is one :class:`~fleet.common.exception.SourceUnavailable` for
    the whole sweep. A hypervisor with no resource provider in Placement,
    or whose provider cannot be read, gives ``unknown`` capacity readings
    for that device only; Placement down makes the capacity readings of
    every device ``unknown`` and leaves the service and instance readings.

    **Connection:** from the caller's ``connection_factory`` (clouds.yaml,
    ``--os-cloud``), as the inventory sources get theirs; every request
    gives up after ``[collectors.nova] timeout`` seconds.
    """

    service = 'Nova'
    proxy = 'compute'
    kind = 'collectors'
    kind_label = 'Collector'
    variables = ('nova',)

    @classmethod
    def get_config_opts(cls):
        return [
            cloud.timeout_opt(
                'Seconds to wait for an answer to each request to the cloud '
                '(Keystone, version discovery, Nova, Placement) before the '
                'request is given up: Nova not answering fails the '
                'collection, Placement not answering makes the capacity '
                'readings unknown.', default=DEFAULT_TIMEOUT),
            cfg.IntOpt('workers', default=DEFAULT_WORKERS, min=1, max=64,
                       help='Placement has no bulk read of inventories and '
                            'usages: this many hosts\' resource providers '
                            'are read at once (two requests each).'),
        ]

    @property
    def timeout(self):
        return self._opt('timeout', DEFAULT_TIMEOUT)

    def collect(self, devices):
        conn = self.connection()
        services, hypervisors = self.compute_services(conn)
        servers = self.call(
            'listing servers',
            lambda: conn.compute.servers(all_projects=True, details=True))
        hosts = _hosts(services, hypervisors, servers)
        # A service's host name before another host's hypervisor hostname.
        index = {h.hypervisor_hostname: h for h in hosts.values()
                 if h.hypervisor_hostname}
        index.update(hosts)
        matched, out = [], []
        for dev in devices:
            host = index.get(dev['name'])
            if host is not None:
                matched.append((dev, host))
            elif (dev.get('variables') or {}).get('nova') is not None:
                out.extend(_unknown(
                    dev['id'], METRICS, 'no nova-compute service or '
                    'hypervisor named %r in Nova' % dev['name']))
        capacity = self._capacity(conn, [h for _d, h in matched])
        for dev, host in matched:
            out.extend(_service_readings(dev['id'], host))
            out.extend(_capacity_readings(dev['id'], capacity[host.name]))
        return out

    def _capacity(self, conn, hosts):
        """``{host name: {class: (capacity, used)} or reason}``."""
        result = {}
        todo = [h for h in hosts if h.hypervisor is not None]
        for host in hosts:
            if host.hypervisor is None:
                result[host.name] = ('no hypervisor of nova-compute on %s '
                                     'in Nova' % host.name)
        if not todo:
            return result
        try:
            providers = self.resource_providers(conn)
        except exception.SourceUnavailable as exc:
            return dict(result, **{h.name: _reason(exc) for h in todo})
        by_key = {}
        for rp in providers:
            by_key.setdefault(rp.name, rp)
            by_key[rp.id] = rp
        work = []
        for host in todo:
            hyp = host.hypervisor
            rp = by_key.get(hyp.id) or by_key.get(hyp.name)
            if rp is None:
                result[host.name] = ('no resource provider for hypervisor '
                                     '%s in Placement' % hyp.name)
            else:
                work.append((host, rp))
        down = []  # the first failure that is Placement's, not a provider's

        def read(item):
            host, rp = item
            if down:
                return host.name, down[0]
            try:
                inventories = self.inventories(conn, rp)
                usages = self.usages(conn, rp)
            except exception.SourceUnavailable as exc:
                if not _not_found(exc):
                    down.append(_reason(exc))
                return host.name, _reason(exc)
            return host.name, {
                rc: (inv['capacity'], float(usages.get(rc, 0)))
                for rc, inv in inventories.items()}

        workers = int(self._opt('workers', DEFAULT_WORKERS))
        if len(work) > 1 and workers > 1:
            with futures.ThreadPoolExecutor(min(workers, len(work))) as pool:
                result.update(pool.map(read, work))
        else:
            result.update(map(read, work))
        return result

    def _opt(self, name, default):
        value = getattr(self.options, name, None)
        return default if value is None else value


class _Host:
    """A compute host: its service, hypervisor and server counts."""

    def __init__(self, service):
        self.service = service
        self.name = service.host
        self.hypervisor = None
        self.hypervisor_hostname = None
        self.running = 0
        self.total = 0


def _hosts(services, hypervisors, servers):
    hosts = {}
    for svc in services:
        hosts.setdefault(svc.host, _Host(svc))
    for hyp in hypervisors:
        details = getattr(hyp, 'service_details', None) or {}
        host = hosts.get(details.get('host') or hyp.name)
        if host is not None:
            host.hypervisor = hyp
            host.hypervisor_hostname = hyp.name
    for server in servers:
        host = hosts.get(getattr(server, 'compute_host', None))
        if host is not None:
            host.total += 1
            if getattr(server, 'status', None) == 'ACTIVE':
                host.running += 1
    return hosts


def _service_readings(dev_id, host):
    svc = host.service
    up = svc.state == 'up'
    enabled = svc.status == 'enabled'
    forced = bool(getattr(svc, 'is_forced_down', False))
    return [
        _reading(dev_id, 'service.up', float(up), None,
                 'ok' if up else 'critical',
                 None if up else 'state=up',
                 None if up else 'nova-compute is %s' % svc.state),
        _reading(dev_id, 'service.enabled', float(enabled), None,
                 'ok' if enabled else 'warning',
                 None if enabled else 'status=enabled',
                 None if enabled else (svc.disabled_reason or 'disabled')),
        _reading(dev_id, 'service.forced_down', float(forced), None,
                 'warning' if forced else 'ok',
                 'forced_down=0' if forced else None,
                 'forced down' if forced else None),
        _reading(dev_id, 'instances.running', float(host.running),
                 'instances'),
        _reading(dev_id, 'instances.total', float(host.total), 'instances'),
    ]


def _capacity_readings(dev_id, capacity):
    if isinstance(capacity, str):
        return _unknown(dev_id, CAPACITY_METRICS, capacity)
    out = []
    for rc, kind, suffix, unit in CLASSES:
        names = ['%s.%s%s' % (kind, figure, suffix)
                 for figure in ('used', 'free', 'capacity')]
        if rc not in capacity:
            out.extend(_unknown(dev_id, names, 'no %s inventory in '
                                'Placement' % rc))
            continue
        total, used = capacity[rc]
        for name, value in zip(names, (used, total - used, total)):
            out.append(_reading(dev_id, name, float(value), unit))
    return out


def _reading(dev_id, metric, value, unit, status='ok', threshold=None,
             reason=None):
    return Reading(dev_id, metric, value, unit=unit, status=status,
                   threshold=threshold, reason=reason, source='nova')


def _unknown(dev_id, metrics, reason):
    return [Reading(dev_id, metric, None, status='unknown', reason=reason,
                    source='nova') for metric in metrics]


def _reason(exc):
    """A SourceUnavailable as a reading's reason: the peer and what failed."""
    kwargs = getattr(exc, 'kwargs', {})
    if 'service' in kwargs and 'reason' in kwargs:
        return '%s: %s' % (kwargs['service'], kwargs['reason'])
    return str(exc)


def _not_found(exc):
    """Whether ``exc`` (or its cause) is an HTTP 404: one provider gone."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for attr in ('status_code', 'http_status'):
            if getattr(exc, attr, None) == 404:
                return True
        exc = exc.__cause__ or exc.__context__
    return False
