"""One OpenStack service as the capacity report reads it.

:class:`ServiceClient` reuses the cloud plumbing of the inventory sources
(:class:`fleet.plugins.sources.cloud.CloudClient`): every request bounded by
``[capacity] timeout``, every SDK or network failure turned into one
:class:`~fleet.common.exception.SourceUnavailable` line naming the service
and its endpoint. A service missing from the catalogue (no endpoint) fails
fast with that reason instead of an SDK assertion.
"""

from fleet.common import exception
from fleet.plugins.sources import cloud

#: service key -> (name for messages, openstacksdk proxy).
SERVICES = {
    'nova': ('Nova', 'compute'),
    'placement': ('Placement', 'placement'),
    'neutron': ('Neutron', 'network'),
    'cinder': ('Cinder', 'block_storage'),
}
#: openstacksdk's service type of each proxy, for catalogue messages.
SERVICE_TYPES = {'compute': 'compute', 'placement': 'placement',
                 'network': 'network', 'block_storage': 'block-storage'}


class _Options:
    def __init__(self, timeout):
        self.timeout = timeout


class ServiceClient(cloud.CloudClient):
    """Calls to one service for the capacity report.

    :param key: a key of :data:`SERVICES`.
    :param params: shared per-run parameters (``connection`` or
        ``connection_factory``); clients of one report share the dict and
        so one openstacksdk Connection.
    :param timeout: seconds per request.
    """

    kind = 'capacity'
    kind_label = 'Capacity report'

    def __init__(self, key, params, timeout):
        self.key = key
        self.service, self.proxy = SERVICES[key]
        self.name = self.service
        self.params = params
        self.options = _Options(timeout)

    def check_catalog(self):
        """Fail with a clear reason if the service has no endpoint.

        :raises fleet.common.exception.SourceUnavailable: no endpoint in
            the catalogue or clouds.yaml, or Keystone cannot be read.
        """
        conn = self.connection()
        if self.endpoint(ask=False) is not None:
            return
        # Keystone failing is its own error, not "no endpoint".
        found = self.call('reading the service catalogue', lambda:
                          conn.endpoint_for(SERVICE_TYPES[self.proxy]))
        if not found:
            raise exception.SourceUnavailable(
                kind=self.kind_label, source=self.name, service=self.service,
                reason='no %s endpoint in the service catalogue (Keystone) '
                'or clouds.yaml (%s_endpoint_override)'
                % (SERVICE_TYPES[self.proxy], self.proxy))

    def call(self, what, func, service=None):
        """As :meth:`CloudClient.call`, the timeout named ``[capacity]``."""
        try:
            return super().call(what, func, service)
        except exception.SourceUnavailable as exc:
            reason = str(exc.kwargs.get('reason', exc)).replace(
                '[capacity.%s] timeout' % self.name, '[capacity] timeout')
            raise exception.SourceUnavailable(
                kind=self.kind_label, source=self.name,
                service=exc.kwargs.get('service', self.service),
                reason=reason) from None
