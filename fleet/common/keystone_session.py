"""Keystone sessions from clouds.yaml, for plugins that call OpenStack.

:func:`for_cloud` reads one clouds.yaml entry through openstacksdk's
config loader (``OS_CLIENT_CONFIG_FILE`` and the usual search path), logs
in and returns the keystoneauth session with ``timeout`` on every request;
:func:`endpoint` finds a service in that cloud's catalog. Failures are
:class:`fleet.common.exception.Invalid` (no such cloud: a fix the operator
makes in clouds.yaml or the option) or
:class:`fleet.common.exception.SourceUnavailable` (Keystone refused or did
not answer), one line each, never with the password.

openstacksdk and keystoneauth are imported only when called.
"""

from fleet.common import exception


def _one_line(exc):
    text = ' '.join(str(exc).split()) or type(exc).__name__
    return text[:300]


def for_cloud(cloud, group, timeout, kind='Executor', source=None):
    """An authenticated keystoneauth session of clouds.yaml's ``cloud``.

    :param group: the option group naming ``cloud`` (for messages).
    :param timeout: seconds each request may take.
    :param kind: what messages call the caller (``Executor``).
    :param source: the caller's name (``mistral``).
    """
    from keystoneauth1 import exceptions as ks_exc
    from openstack import config as os_config
    from openstack import exceptions as os_exc

    try:
        region = os_config.OpenStackConfig().get_one(cloud=cloud)
    except os_exc.ConfigException as exc:
        raise exception.Invalid(
            '%s.cloud' % group, 'clouds.yaml has no usable cloud %r (%s)' % (
                cloud, _one_line(exc)),
            'name an entry of clouds.yaml in [%s] cloud (or set '
            'OS_CLIENT_CONFIG_FILE)' % group, value=cloud) from None
    session = region.get_session()
    session.timeout = float(timeout)
    where = 'Keystone at %s (cloud %s)' % (
        region.config.get('auth', {}).get('auth_url') or '?', cloud)
    try:
        session.get_token()
    except ks_exc.Unauthorized:
        raise exception.SourceUnavailable(
            kind=kind, source=source or group, service=where,
            reason='the credentials were refused; fix them in '
                   'clouds.yaml') from None
    except ks_exc.ClientException as exc:
        raise exception.SourceUnavailable(
            kind=kind, source=source or group, service=where,
            reason='%s (within %gs)' % (_one_line(exc), timeout)) from None
    session.fleet_region_name = region.region_name
    return session


def endpoint(session, cloud, service_type, group, timeout, kind='Executor',
             source=None):
    """The public endpoint of ``service_type`` in the session's catalog."""
    from keystoneauth1 import exceptions as ks_exc

    region = getattr(session, 'fleet_region_name', None)
    try:
        url = session.get_endpoint(service_type=service_type,
                                   interface='public', region_name=region)
    except ks_exc.EndpointNotFound:
        url = None
    except ks_exc.ClientException as exc:
        raise exception.SourceUnavailable(
            kind=kind, source=source or group,
            service='the catalog of cloud %s' % cloud,
            reason='%s (within %gs)' % (_one_line(exc), timeout)) from None
    if not url:
        raise exception.Invalid(
            '%s.url' % group, 'the catalog of cloud %s has no %s endpoint%s' % (
                cloud, service_type,
                ' in region %s' % region if region else ''),
            'register it in Keystone, or set [%s] url' % group,
            value=service_type)
    return url.rstrip('/')
