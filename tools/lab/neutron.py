"""Lab component: Neutron 29 API only (ML2, no agents, noauth) on 9697.

``up()`` serves ``neutron.wsgi.api`` through :mod:`tools.lab.peer_wsgi`
(database ``fleetlab_neutron`` on MariaDB, ``transport_url = fake:/``) and
seeds, through the real API, what the capacity report looks for:

* external network ``lab-public`` (flat, physnet ``public``) with subnet
  203.0.113.0/24, project network ``lab-private`` with 10.10.0.0/24 and
  router ``lab-router`` (gateway on lab-public, interface on lab-private);
* floating IPs told apart by their description: ``lab-fip-free-1`` and
  ``lab-fip-free-2`` (project ``fleet-lab``) and ``lab-fip-free-b``
  (project ``fleet-lab-b``) not associated, ``lab-fip-bound`` associated
  with port ``lab-port-bound``;
* ports ``lab-port-orphan-1`` (fleet-lab) and ``lab-port-orphan-b``
  (fleet-lab-b) with no device, ``lab-port-bound`` with a device (lab-vm-1
  when Nova is up).

Noauth makes every caller admin of ``fake_project_id``; an admin may name
the owner in the create body (``project_id``), which is how the seed
spreads over two projects. The port is 9697: 9696 is the Nova lab's
Neutron stand-in, which Nova itself keeps using. Idempotent: a second
``up()`` finds everything by name and creates nothing.

This module runs under the system python (stdlib only); the service runs
in the ``neutron`` venv pinned by ``constraints/neutron.txt``.
"""

import time

from tools.lab import common

NAME = 'neutron'
PACKAGES = ['neutron==29.0.0', 'PyMySQL', 'gunicorn']
PORT = 9697
ENDPOINT = 'http://%s:%d' % (common.HOST, PORT)
DB = 'fleetlab_neutron'
PROJECT = 'fleet-lab'
PROJECT_B = 'fleet-lab-b'

FREE_FIPS = (('lab-fip-free-1', PROJECT), ('lab-fip-free-2', PROJECT),
             ('lab-fip-free-b', PROJECT_B))
BOUND_FIP = 'lab-fip-bound'
ORPHAN_PORTS = (('lab-port-orphan-1', PROJECT),
                ('lab-port-orphan-b', PROJECT_B))
BOUND_PORT = 'lab-port-bound'
# Without Nova the bound port gets this stand-in device id.
STANDIN_DEVICE = '00000000-0000-4000-8000-00000000f1ee'

NEUTRON_CONF = """\
[DEFAULT]
core_plugin = ml2
service_plugins = router
auth_strategy = noauth
transport_url = fake:/
dhcp_agent_notification = false
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
allow_overlapping_ips = true
debug = false
state_path = {state}
api_paste_config = {etc}/api-paste.ini

[database]
connection = mysql+pymysql://root@{host}/{db}?charset=utf8

[oslo_concurrency]
lock_path = {state}/locks
"""

ML2_CONF = """\
[ml2]
type_drivers = flat,vlan,vxlan
tenant_network_types = vxlan
mechanism_drivers =
extension_drivers = port_security

[ml2_type_flat]
flat_networks = public

[ml2_type_vxlan]
vni_ranges = 1:1000
"""


def _root():
    return common.component_dir(NAME)


def _etc():
    return common.etc_dir(NAME)


def _bin():
    return common.VENV_DIR / NAME / 'bin'


def install():
    """Create (once) the pinned venv; return its bin dir."""
    return common.ensure_venv(NAME, 'neutron.txt', PACKAGES)


def _env():
    return common.peer_env(OS_NEUTRON_CONFIG_DIR=str(_etc()),
                           OS_NEUTRON_CONFIG_FILES='neutron.conf;ml2_conf.ini')


def _write_configs(bin_dir):
    state = _root() / 'state'
    (state / 'locks').mkdir(parents=True, exist_ok=True)
    etc = _etc()
    common.write_if_changed(etc / 'neutron.conf', NEUTRON_CONF.format(
        state=state, etc=etc, host=common.HOST, db=DB))
    common.write_if_changed(etc / 'ml2_conf.ini', ML2_CONF)
    paste = bin_dir.parent / 'etc' / 'neutron' / 'api-paste.ini'
    common.write_if_changed(etc / 'api-paste.ini', paste.read_text())


def _sync_db(bin_dir):
    common.mysql_db_once(NAME, DB, [
        bin_dir / 'neutron-db-manage', '--config-file',
        _etc() / 'neutron.conf', '--config-file', _etc() / 'ml2_conf.ini',
        'upgrade', 'heads'], env=_env())


# ---------------------------------------------------------------- REST

def api(method, path, body=None, timeout=30):
    """One JSON request to the lab's Neutron; the decoded body or {}."""
    return common.request_json(method, ENDPOINT + path, body,
                               timeout=timeout, name='neutron')


def _by(collection, key):
    return {item[key]: item for item in api('GET', '/v2.0/%s' % collection)[
        collection]}


def _ensure(collection, key, value, body):
    """The resource whose ``key`` is ``value``; created from ``body``."""
    found = _by(collection, key).get(value)
    if found:
        return found
    singular = collection[:-1]
    body = dict(body, **{key: value})
    return api('POST', '/v2.0/%s' % collection, {singular: body})[singular]


def _device_id():
    """lab-vm-1's server id when the Nova lab published it."""
    for server in common.published().get('nova', {}).get('nova', {}).get(
            'servers', []):
        if server['name'] == 'lab-vm-1':
            return server['id']
    return STANDIN_DEVICE


def _seed():
    public = _ensure('networks', 'name', 'lab-public', {
        'router:external': True, 'provider:network_type': 'flat',
        'provider:physical_network': 'public', 'project_id': PROJECT})
    _ensure('subnets', 'name', 'lab-public-subnet', {
        'network_id': public['id'], 'ip_version': 4,
        'cidr': '203.0.113.0/24', 'gateway_ip': '203.0.113.1',
        'enable_dhcp': False, 'project_id': PROJECT,
        'allocation_pools': [{'start': '203.0.113.10',
                              'end': '203.0.113.200'}]})
    private = _ensure('networks', 'name', 'lab-private', {
        'project_id': PROJECT, 'shared': True})
    private_subnet = _ensure('subnets', 'name', 'lab-private-subnet', {
        'network_id': private['id'], 'ip_version': 4,
        'cidr': '10.10.0.0/24', 'enable_dhcp': False, 'project_id': PROJECT})
    router = _ensure('routers', 'name', 'lab-router', {
        'project_id': PROJECT,
        'external_gateway_info': {'network_id': public['id']}})
    interfaces = [p for p in api('GET', '/v2.0/ports?device_id=%s'
                                 % router['id'])['ports']
                  if p['device_owner'] == 'network:router_interface']
    if not interfaces:
        api('PUT', '/v2.0/routers/%s/add_router_interface' % router['id'],
            {'subnet_id': private_subnet['id']})
    for name, project in ORPHAN_PORTS:
        _ensure('ports', 'name', name, {
            'network_id': private['id'], 'project_id': project})
    bound = _ensure('ports', 'name', BOUND_PORT, {
        'network_id': private['id'], 'project_id': PROJECT,
        'device_id': _device_id(), 'device_owner': 'compute:nova'})
    for description, project in FREE_FIPS:
        _ensure('floatingips', 'description', description, {
            'floating_network_id': public['id'], 'project_id': project})
    _ensure('floatingips', 'description', BOUND_FIP, {
        'floating_network_id': public['id'], 'project_id': PROJECT,
        'port_id': bound['id']})
    return {'external_network': public['id'], 'router': router['id'],
            'floating_ips': _by('floatingips', 'description'),
            'ports': _by('ports', 'name')}


def _summary(seeded):
    fips = seeded['floating_ips']
    ports = seeded['ports']
    return {
        'endpoint': ENDPOINT,
        'external_network': seeded['external_network'],
        'router': seeded['router'],
        'projects': [PROJECT, PROJECT_B],
        'free_floating_ips': {d: fips[d]['id'] for d, _ in FREE_FIPS},
        'bound_floating_ip': fips[BOUND_FIP]['id'],
        'orphan_ports': {n: ports[n]['id'] for n, _ in ORPHAN_PORTS},
        'bound_port': ports[BOUND_PORT]['id'],
    }


def up():
    """Start Neutron (once), seed it, publish the endpoint."""
    t0 = time.monotonic()
    bin_dir = install()
    _write_configs(bin_dir)
    if not common.pid_of(NAME):
        _sync_db(bin_dir)
        common.spawn(NAME, [common.python_of(bin_dir), '-m',
                            'tools.lab.peer_wsgi', 'neutron.wsgi.api', PORT],
                     env=_env(), cwd=_root())
    common.wait_http(ENDPOINT + '/v2.0/networks', NAME, timeout=90)
    t1 = time.monotonic()
    summary = _summary(_seed())
    common.say('neutron: API ready in %.1fs, seeded in %.1fs' % (
        t1 - t0, time.monotonic() - t1))
    common.publish(NAME, {
        'clouds': {'auth_type': 'none',
                   'network_endpoint_override': ENDPOINT},
        'neutron': summary,
    })


def down(purge=False):
    """Stop Neutron; the database stays unless ``purge``."""
    common.stop(NAME)
    common.unpublish(NAME)
    if purge:
        common.drop_db(NAME, DB)


def status():
    pid = common.pid_of(NAME)
    networks = None
    if pid:
        try:
            networks = len(api('GET', '/v2.0/networks', timeout=5)[
                'networks'])
        except (OSError, ValueError, common.LabError):
            pass
    return {'running': bool(pid and networks is not None), 'pid': pid,
            'port': PORT, 'endpoint': ENDPOINT, 'networks': networks}
