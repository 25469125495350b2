"""Read what the capacity report needs from each service, in parallel.

One :class:`Gather` per report: the services a report's kinds need are
read at once (one thread each; Placement's per-provider reads in a pool of
``[capacity] workers``). A service that fails is recorded with its reason
and the others go on; see :data:`NEEDS` for which kinds each one feeds.
"""

from concurrent import futures

from fleet.api.capacity import client
from fleet.common import exception

#: kind -> services its rows need.
NEEDS = {
    'instance': ('nova',),
    'hypervisor': ('nova',),
    'headroom': ('placement', 'nova'),
    'floating_ip': ('neutron',),
    'port': ('neutron',),
    'volume': ('cinder',),
}


def reason_of(exc):
    """``Neutron at URL: reason`` of a SourceUnavailable (one line)."""
    kwargs = getattr(exc, 'kwargs', {}) or {}
    if kwargs.get('service') and kwargs.get('reason'):
        reason = str(kwargs['reason'])
        if reason.startswith(kwargs['service']):
            return reason
        return '%s: %s' % (kwargs['service'], reason)
    return str(exc)


class Gather:
    """The data of one report: ``data[service]`` or ``errors[service]``."""

    def __init__(self, params, timeout, workers):
        self.params = params
        self.workers = workers
        self.clients = {key: client.ServiceClient(key, params, timeout)
                        for key in client.SERVICES}
        self.data = {}
        self.errors = {}

    def run(self, services):
        """Read ``services`` (keys of :data:`client.SERVICES`) at once."""
        services = list(dict.fromkeys(services))
        try:
            # One Connection for every thread, made before they start.
            self.clients[services[0]].connection()
        except exception.SourceUnavailable as exc:
            reason = 'no cloud connection: %s' % exc.kwargs.get(
                'reason', exc)
            for key in services:
                self.errors[key] = reason
            return
        with futures.ThreadPoolExecutor(len(services)) as pool:
            done = dict(zip(services, pool.map(self._read, services)))
        for key, (data, error) in done.items():
            if error is None:
                self.data[key] = data
            else:
                self.errors[key] = error

    def _read(self, key):
        svc = self.clients[key]
        try:
            svc.check_catalog()
            return getattr(self, '_' + key)(svc, svc.connection()), None
        except exception.SourceUnavailable as exc:
            return None, reason_of(exc)

    # -- one method per service: what it reads --------------------------
    def _nova(self, svc, conn):
        # conn.<proxy> is read inside each call: making the proxy may
        # already ask the service (version discovery).
        hypervisors = svc.call(
            'listing hypervisors',
            lambda: conn.compute.hypervisors(details=True))
        servers = svc.call(
            'listing servers',
            lambda: conn.compute.servers(all_projects=True, details=True))
        zones = svc.call(
            'listing availability zones',
            lambda: conn.compute.availability_zones(details=True))
        aggregates = svc.call('listing aggregates',
                              lambda: conn.compute.aggregates())
        return {
            'hypervisors': hypervisors, 'servers': servers,
            'zones': {z.name: sorted(
                h for h, svcs in (z.hosts or {}).items()
                if 'nova-compute' in (svcs or {}))
                for z in zones if z.name != 'internal'},
            'aggregates': {a.name: list(a.hosts or []) for a in aggregates},
        }

    def _placement(self, svc, conn):
        providers = svc.resource_providers(conn)

        def read(rp):
            return (rp, svc.inventories(conn, rp), svc.usages(conn, rp))

        if len(providers) > 1 and self.workers > 1:
            with futures.ThreadPoolExecutor(
                    min(self.workers, len(providers))) as pool:
                read_all = list(pool.map(read, providers))
        else:
            read_all = [read(rp) for rp in providers]
        region = getattr(getattr(conn, 'config', None), 'region_name',
                         None) or 'RegionOne'
        return {'providers': read_all, 'region': region}

    def _neutron(self, svc, conn):
        return {
            'floating_ips': svc.call('listing floating IPs',
                                     lambda: conn.network.ips()),
            'ports': svc.call('listing ports',
                              lambda: conn.network.ports()),
        }

    def _cinder(self, svc, conn):
        return {'volumes': svc.call(
            'listing volumes', lambda: conn.block_storage.volumes(
                all_projects=True, details=True))}
