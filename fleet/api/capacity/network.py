"""Unused Neutron resources: the ``floating_ip`` and ``port`` rows.

* A floating IP is unused when it is associated with no port
  (``port_id`` empty): it holds a public address for its project.
* A port is an orphan when it has no device (``device_id`` empty): nothing
  (no server, router, DHCP agent, floating IP) uses it, and it holds a
  fixed IP. Ports that a service owns always carry a device id.

No age threshold: Neutron's ``updated_at`` is shown as ``since``.
"""

from fleet.api.capacity import rows


def floating_ips(ips, now):
    """``floating_ip`` rows of the floating IPs with no port."""
    return _by_owner(_floating_ip(ip, now) for ip in ips if not ip.port_id)


def orphan_ports(ports, now):
    """``port`` rows of the ports with no device."""
    return _by_owner(_port(port, now) for port in ports
                     if not port.device_id)


def _by_owner(out):
    """Rows ordered by project, then name (then id)."""
    return sorted(out, key=lambda r: (r['project_id'] or '', r['name'] or '',
                                      r['id']))


def _floating_ip(ip, now):
    since, age = rows.changed(ip, now)
    network = ip.floating_network_id
    return rows.row(
        'floating_ip', ip.id, ip.floating_ip_address, ip.project_id,
        where='network %s' % network if network else None,
        status=ip.status, since=since, age=age,
        detail='not associated%s' % (
            ' (%s)' % ip.description if ip.description else ''))


def _port(port, now):
    since, age = rows.changed(port, now)
    ips = ', '.join(f.get('ip_address', '') for f in
                    (port.fixed_ips or []) if f.get('ip_address'))
    return rows.row(
        'port', port.id, port.name or None, port.project_id,
        where='network %s' % port.network_id, status=port.status,
        since=since, age=age,
        detail='no device%s' % (' (fixed IP %s)' % ips if ips else ''))
