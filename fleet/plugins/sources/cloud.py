"""Shared base of sources that read an OpenStack cloud through openstacksdk.

Not a plugin itself. It turns the caller's connection parameters into an
openstacksdk Connection, picks the cloud and region that new devices are
placed in, and turns every SDK or network failure into one
:class:`~fleet.common.exception.SourceUnavailable` line.
"""

from fleet.common import exception
from fleet.plugins.sources import base


class CloudSource(base.InventorySource):
    """An inventory source backed by one OpenStack service.

    Parameters: ``connection`` (an openstacksdk Connection) or
    ``connection_factory`` (a callable returning one; openstacksdk is then
    imported only when the source runs); ``cloud`` and ``region`` override
    where new devices are placed (default: the clouds.yaml cloud name and
    its region_name, else ``params['default_region']``, which sync fills
    from ``[inventory] default_region``).
    """

    #: Human name of the service, for error messages.
    service = None
    #: openstacksdk proxy attribute, e.g. ``baremetal``.
    proxy = None

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
                    source=self.name, service=self.service,
                    reason=_one_line(exc) + ' (check clouds.yaml / '
                    '--os-cloud)')
            self.params['connection'] = conn
        return conn

    def endpoint(self):
        """The service endpoint as configured (for messages), or None."""
        conn = self.connection()
        config = getattr(conn, 'config', None)
        try:
            endpoint = config.get_endpoint(self.proxy) if config else None
            return endpoint or getattr(conn, self.proxy).get_endpoint()
        except Exception:  # noqa: BLE001 - only used in messages
            return None

    def call(self, what, func):
        """Run ``func()`` (SDK calls); list() generators; wrap failures."""
        try:
            result = func()
            if hasattr(result, '__next__'):
                result = list(result)
            return result
        except exception.FleetError:
            raise
        except Exception as exc:  # noqa: BLE001 - SDK, HTTP, socket errors
            endpoint = self.endpoint()
            where = '%s at %s' % (self.service, endpoint) if endpoint \
                else self.service
            raise exception.SourceUnavailable(
                source=self.name, service=where,
                reason='%s failed: %s' % (what, _one_line(exc)))

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


def _one_line(exc):
    text = str(exc).strip().splitlines()
    text = text[0] if text else ''
    return '%s: %s' % (type(exc).__name__, text) if text else \
        type(exc).__name__
