"""Shared base of plugins that read an OpenStack cloud through openstacksdk.

Not a plugin itself. :class:`CloudClient` turns the caller's connection
parameters into an openstacksdk Connection, bounds every request by the
plugin's ``timeout`` option, and turns every SDK or network failure into
one :class:`~fleet.common.exception.SourceUnavailable` line; inventory
sources (:class:`CloudSource`) and collectors (the ``nova`` collector) use
it alike. :class:`CloudSource` also picks the cloud and region that new
devices are placed in.
"""

import re
import time

from fleet.common import exception
from fleet.plugins import base as plugin_base
from fleet.plugins.sources import base

#: Default of ``[<kind>.<name>] timeout``, in seconds.
DEFAULT_TIMEOUT = 60
#: ``service`` argument of :meth:`CloudClient.call` for Placement calls.
PLACEMENT = ('Placement', 'placement')
_URL = re.compile(r'https?://[^\s,;\'"()]+')


def timeout_opt(help_text, default=DEFAULT_TIMEOUT):
    """The ``timeout`` option of a plugin that reads a cloud."""
    return plugin_base.timeout_opt(help_text, default)


class CloudClient:
    """Connection, timeout and error handling for a plugin that reads a cloud.

    A mixin for a :class:`fleet.plugins.base.Plugin` subclass with
    ``params`` (the caller's per-run parameters) and ``options`` (its own
    group, holding a ``timeout`` option).

    Parameters: ``connection`` (an openstacksdk Connection) or
    ``connection_factory`` (a callable returning one; openstacksdk is then
    imported only when the plugin runs).

    Every request to the cloud (Keystone, version discovery, the service)
    gives up after ``[<kind>.<name>] timeout`` seconds without an answer.
    """

    #: Human name of the service, for error messages.
    service = None
    #: openstacksdk proxy attribute, e.g. ``baremetal``.
    proxy = None
    #: The plugin kind's key (its options are ``[<kind>.<name>]``).
    kind = 'inventory_sources'
    #: What error messages call the plugin.
    kind_label = 'Inventory source'

    @property
    def timeout(self):
        """The request timeout in seconds (``timeout`` option)."""
        return getattr(self.options, 'timeout', None) or DEFAULT_TIMEOUT

    def connection(self):
        conn = self.params.get('connection')
        if conn is None:
            factory = self.params.get('connection_factory')
            if factory is None:
                import openstack
                factory = openstack.connect
            try:
                conn = factory()
            except Exception as exc:  # noqa: BLE001 - any SDK/config error
                raise exception.SourceUnavailable(
                    kind=self.kind_label, source=self.name,
                    service=self.service,
                    reason=_one_line(exc) + ' (check clouds.yaml / '
                    '--os-cloud)')
            self.params['connection'] = conn
        session = getattr(conn, 'session', None)
        if session is not None:
            # keystoneauth passes it to requests for every call.
            session.timeout = float(self.timeout)
        return conn

    def endpoint(self, ask=True, proxy=None):
        """The service endpoint (for messages), or None.

        :param ask: may ask the cloud (Keystone's catalogue); False when the
            cloud just failed to answer, so the message does not wait again.
        :param proxy: another service's proxy than :attr:`proxy`.
        """
        proxy = proxy or self.proxy
        conn = self.connection()
        config = getattr(conn, 'config', None)
        try:
            endpoint = config.get_endpoint(proxy) if config else None
            if endpoint or not ask:
                return endpoint
            return getattr(conn, proxy).get_endpoint()
        except Exception:  # noqa: BLE001 - only used in messages
            return None

    def call(self, what, func, service=None):
        """Run ``func()`` (SDK calls); list() generators; wrap failures.

        :param service: ``(name, proxy)`` of another service than the
            plugin's own (Placement for the nova plugins), for messages.
        """
        service, proxy = service or (self.service, self.proxy)
        start = time.monotonic()
        try:
            result = func()
            if hasattr(result, '__next__'):
                result = list(result)
            return result
        except exception.FleetError:
            raise
        except Exception as exc:  # noqa: BLE001 - SDK, HTTP, socket errors
            if _timed_out(exc, time.monotonic() - start, self.timeout):
                raise exception.SourceUnavailable(
                    kind=self.kind_label, source=self.name,
                    service=self._peer(exc, service, proxy),
                    reason='no answer within %g s while %s '
                    '([%s.%s] timeout)'
                    % (self.timeout, what, self.kind, self.name))
            keystone = self._keystone_url(_url_in(exc))
            if keystone:
                where = 'Keystone (for %s) at %s' % (service, keystone)
            else:
                endpoint = self.endpoint(proxy=proxy)
                where = '%s at %s' % (service, endpoint) if endpoint \
                    else service
            raise exception.SourceUnavailable(
                kind=self.kind_label, source=self.name, service=where,
                reason='%s failed: %s' % (what, _one_line(exc)))

    def _peer(self, exc, service, proxy):
        """'Ironic at URL' or 'Keystone (for Ironic) at URL' for ``exc``."""
        url = _url_in(exc) or self.endpoint(ask=False, proxy=proxy)
        if not url:
            return service
        if self._keystone_url(url):
            return 'Keystone (for %s) at %s' % (service, url)
        return '%s at %s' % (service, url)

    def _keystone_url(self, url):
        """``url`` if it is the cloud's Keystone (its auth_url), else None."""
        if not url:
            return None
        config = getattr(self.connection(), 'config', None)
        auth = (getattr(config, 'config', None) or {}).get('auth') or {}
        auth_url = auth.get('auth_url') if isinstance(auth, dict) else None
        if auth_url and url.startswith(auth_url.rstrip('/')):
            return url
        return None

    # -- Placement, shared by the nova source and the nova collector -------
    def compute_services(self, conn):
        """``(nova-compute services, hypervisors)`` of the cloud.

        :raises fleet.common.exception.SourceUnavailable: Nova cannot be
            read.
        """
        services = [s for s in self.call('listing compute services',
                                         lambda: conn.compute.services())
                    if s.binary == 'nova-compute']
        hypervisors = self.call(
            'listing hypervisors',
            lambda: conn.compute.hypervisors(details=True))
        return services, hypervisors

    def resource_providers(self, conn):
        """Placement's resource providers (one request).

        :raises fleet.common.exception.SourceUnavailable: Placement failed.
        """
        return self.call('listing resource providers',
                         lambda: conn.placement.resource_providers(),
                         service=PLACEMENT)

    def inventories(self, conn, provider):
        """``{resource class: inventory}`` of a Placement resource provider.

        Each inventory is a dict with ``total``, ``reserved`` and
        ``allocation_ratio``; ``capacity`` is what Placement lets
        instances allocate: ``(total - reserved) * allocation_ratio``.

        :raises fleet.common.exception.SourceUnavailable: Placement failed.
        """
        out = {}
        for inv in self.call(
                'reading inventories of %s' % provider.name,
                lambda: conn.placement.resource_provider_inventories(
                    provider), service=PLACEMENT):
            total = inv.total or 0
            reserved = inv.reserved or 0
            ratio = float(inv.allocation_ratio or 1.0)
            out[inv.resource_class] = {
                'total': total, 'reserved': reserved,
                'allocation_ratio': ratio,
                'capacity': (total - reserved) * ratio}
        return out

    def usages(self, conn, provider):
        """``{resource class: amount allocated}`` of a resource provider.

        :raises fleet.common.exception.SourceUnavailable: Placement failed.
        """
        resp = self.call('reading usages of %s' % provider.name,
                         lambda: conn.placement.get(
                             '/resource_providers/%s/usages' % provider.id,
                             raise_exc=True), service=PLACEMENT)
        try:
            return dict(resp.json().get('usages') or {})
        except (ValueError, AttributeError):
            return {}


class CloudSource(CloudClient, base.InventorySource):
    """An inventory source backed by one OpenStack service.

    Parameters as :class:`CloudClient`; ``cloud`` and ``region`` override
    where new devices are placed (default: the clouds.yaml cloud name and
    its region_name, else ``params['default_region']``, which sync fills
    from ``[inventory] default_region``).
    """

    @classmethod
    def get_config_opts(cls):
        return [timeout_opt(
            'Seconds to wait for an answer to each request to the cloud '
            '(Keystone, version discovery, the %s API) before the sync '
            'fails. Version discovery may try a few URLs, each with this '
            'timeout.' % (cls.service or 'service'))]

    def placement(self):
        """(cloud, region) for devices this source creates."""
        conn = self.connection()
        config = getattr(conn, 'config', None)
        cloud = self.params.get('cloud') or getattr(config, 'name', None)
        if cloud in (None, '', 'envvars', 'defaults'):
            cloud = 'default'
        region = (self.params.get('region') or
                  getattr(config, 'region_name', None) or
                  self.params.get('default_region') or 'RegionOne')
        return cloud, region


def _chain(exc):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _timed_out(exc, elapsed, timeout):
    """Whether ``exc`` means the peer did not answer in time.

    keystoneauth raises ConnectTimeout for a request that timed out, but
    its version discovery turns one into a DiscoveryFailure without the
    cause: a discovery failure that took the whole timeout is a timeout.
    """
    import socket

    for err in _chain(exc):
        names = {cls.__name__ for cls in type(err).__mro__}
        if 'NewConnectionError' in names or isinstance(
                err, ConnectionRefusedError):
            # A refused connection (urllib3's NewConnectionError derives
            # from its ConnectTimeoutError): not a timeout.
            return False
        if names & {'ConnectTimeout', 'Timeout', 'ReadTimeout',
                    'TimeoutError'} or isinstance(err, socket.timeout):
            return True
        if 'DiscoveryFailure' in names and elapsed >= timeout * 0.9:
            return True
    return False


def _url_in(exc):
    """The first URL an error names (keystoneauth names the request's)."""
    for err in _chain(exc):
        match = _URL.search(str(err))
        if match:
            return match.group(0).rstrip('.:')
    return None


def _one_line(exc):
    text = str(exc).strip().splitlines()
    text = text[0] if text else ''
    return '%s: %s' % (type(exc).__name__, text) if text else \
        type(exc).__name__
