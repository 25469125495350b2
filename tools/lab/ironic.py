"""Ironic 39.0.0 standalone: one ``ironic`` process, noauth, SQLite.

No RPC bus (``rpc_transport = none``), no Keystone, no DHCP, no cleaning.
Hardware types ``fake-hardware`` and ``ipmi``; the ``ipmi`` nodes are
driven through the simulated BMCs of ``tools/lab/bmc.py``. The nodes of the
frozen BMC and of the wrong-password BMC stay in ``enroll`` (``manage``
would fail, and Ironic's power-state sync skips ``enroll`` nodes, so their
state stays put); the wrong-password node is given the shared lab password,
which its BMC refuses.

Nodes are enrolled by name through the REST API (stdlib ``urllib``), so a
second ``up`` only lists the nodes and changes nothing.

Sensor data: every :data:`SENSOR_INTERVAL` seconds the conductor reads each
ipmi node's sensors (``ipmitool sdr -v``) and sends a
``hardware.ipmi.metrics`` notification per node to RabbitMQ (vhost
:data:`VHOST`, exchange ``ironic``, topic ``notifications``), for fleet's
``ironic`` collector. Ironic sends it only for nodes out of maintenance,
and by default only for ``active`` ones: the lab's nodes are
``available``, so ``enable_for_undeployed_nodes`` is on. The RPC bus stays
``none``; only notifications use RabbitMQ. A changed ironic.conf restarts
a running Ironic once.
"""

import json
import time
import urllib.error
import urllib.request

from tools.lab import bmc
from tools.lab import common

PORT = 6385
ENDPOINT = 'http://%s:%d' % (common.HOST, PORT)
PROC = 'ironic'
PACKAGES = ['ironic==39.0.0']
HEADERS = {'X-OpenStack-Ironic-API-Version': 'latest',
           'Content-Type': 'application/json'}
MAINT_REASON = 'fan failure (lab)'
#: RabbitMQ vhost of Ironic's notifications.
VHOST = 'fleet_lab_ironic'
NOTIFY_URL = 'rabbit://guest:guest@%s:5672/%s' % (common.HOST, VHOST)
#: Seconds between two sensor-data notifications of a node (Ironic: min 1).
SENSOR_INTERVAL = 10
#: Most messages a notification queue of the lab keeps (oldest dropped).
QUEUE_LIMIT = 200

# name -> (cpus, memory_mb, local_gb, resource_class)
IPMI_NODES = {
    'lab-compute-1': (32, 131072, 900, 'compute'),
    'lab-compute-2': (48, 196608, 1800, 'compute'),
    'lab-ctl-1': (16, 65536, 480, 'control'),
    'lab-storage-1': (24, 98304, 3600, 'storage'),
    'lab-hot-1': (32, 131072, 900, 'compute'),
    'lab-frozen-1': (16, 65536, 480, 'compute'),
    'lab-badpass-1': (16, 65536, 480, 'compute'),
}
# ipmi nodes whose BMC cannot be managed (frozen, refuses the password).
ENROLL_ONLY = {'lab-frozen-1', 'lab-badpass-1'}
FAKE_NODES = {
    'lab-spare-1': (32, 131072, 900, 'compute', 'LAB0X0001'),
    'lab-spare-2': (32, 131072, 900, 'compute', 'LAB0X0002'),
}
MAINTENANCE = {'lab-spare-2': MAINT_REASON}

CONFIG = """\
[DEFAULT]
host = lab-ironic
auth_strategy = noauth
rpc_transport = none
debug = false
state_path = {state}
tempdir = {state}/tmp
enabled_hardware_types = fake-hardware,ipmi
enabled_power_interfaces = fake,ipmitool
enabled_management_interfaces = fake,ipmitool
enabled_boot_interfaces = fake,pxe
enabled_deploy_interfaces = fake,direct
enabled_network_interfaces = noop
enabled_console_interfaces = no-console,fake
enabled_inspect_interfaces = no-inspect,fake
enabled_raid_interfaces = no-raid,fake
enabled_rescue_interfaces = no-rescue,fake
enabled_vendor_interfaces = no-vendor,fake,ipmitool
enabled_bios_interfaces = no-bios,fake
enabled_firmware_interfaces = no-firmware,fake
enabled_storage_interfaces = noop

[api]
host_ip = {host}
port = {port}

[database]
connection = sqlite:///{state}/ironic.sqlite

[dhcp]
dhcp_provider = none

[conductor]
automated_clean = false

[oslo_messaging_notifications]
driver = messagingv2
transport_url = {notify_url}

[sensor_data]
send_sensor_data = true
interval = {sensor_interval}
enable_for_undeployed_nodes = true
enable_for_conductor = false

[ipmi]
min_command_interval = 1
# A sensor round waits for every node: the frozen BMC's ipmitool retries
# would stretch it from the interval to 60 s.
command_retry_timeout = 5

[oslo_concurrency]
lock_path = {state}/locks

[oslo_policy]
policy_file = {state}/policy.yaml
"""


def _state():
    return common.component_dir('ironic')


def _bin():
    return common.VENV_DIR / 'ironic' / 'bin'


def install():
    """Create the pinned Ironic virtualenv (once)."""
    return common.ensure_venv('ironic', 'ironic.txt', PACKAGES)


def write_config():
    """Write ironic.conf into the component dir; return its path."""
    state = _state()
    for sub in ('tmp', 'locks'):
        (state / sub).mkdir(exist_ok=True)
    path = state / 'ironic.conf'
    text = CONFIG.format(state=state, host=common.HOST, port=PORT,
                         notify_url=NOTIFY_URL,
                         sensor_interval=SENSOR_INTERVAL)
    changed = not path.exists() or path.read_text() != text
    if changed:
        path.write_text(text)
    # The fleet's ironic source stores BMC credentials as secret variables,
    # so the lab lets API clients read them (in production: a role for the
    # fleet's service account, e.g. "show_password": "role:admin").
    (state / 'policy.yaml').write_text('"show_password": "@"\n')
    return path, changed


def _create_schema(conf):
    if (_state() / 'ironic.sqlite').exists():
        return
    common.say('ironic: creating database schema')
    common.run([_bin() / 'ironic-dbsync', '--config-file', conf,
                'create_schema'])


def up():
    """Start Ironic (once), enroll the lab nodes, publish the endpoint.

    A running Ironic whose ironic.conf changed is restarted once.
    """
    common.ensure_vhost(VHOST)
    # Nobody may consume the notification queues for days: bound them.
    common.run(['rabbitmqctl', '-q', 'set_policy', '-p', VHOST,
                '--apply-to', 'queues', 'fleet-lab-bound', '.*',
                '{"max-length": %d}' % QUEUE_LIMIT])
    conf, changed = write_config()
    t0 = time.monotonic()
    if changed and common.pid_of(PROC):
        common.say('ironic: configuration changed; restarting')
        common.stop(PROC)
    if not common.pid_of(PROC):
        _create_schema(conf)
        common.spawn(PROC, [_bin() / 'ironic', '--config-file', conf])
    common.wait_http(ENDPOINT + '/v1', PROC, timeout=90)
    t1 = time.monotonic()
    enroll()
    common.say('ironic: API ready in %.1fs, nodes ready in %.1fs' % (
        t1 - t0, time.monotonic() - t1))
    common.publish('ironic', {
        'clouds': {'auth_type': 'none',
                   'baremetal_endpoint_override': ENDPOINT,
                   'baremetal_api_version': '1'},
        'ironic': {'endpoint': ENDPOINT,
                   'nodes': list(IPMI_NODES) + list(FAKE_NODES),
                   'notifications': {
                       'transport_url': NOTIFY_URL, 'exchange': 'ironic',
                       'topic': 'notifications',
                       'sensor_interval': SENSOR_INTERVAL}},
    })


def down():
    """Stop Ironic; its database stays for the next ``up``."""
    common.stop(PROC)
    common.unpublish('ironic')


def status():
    """{'running', 'port', 'nodes' (count or None), 'pid'}."""
    pid = common.pid_of(PROC)
    nodes = None
    if pid:
        try:
            nodes = len(_nodes())
        except (OSError, ValueError):
            pass
    return {'running': bool(pid and nodes is not None), 'pid': pid,
            'port': PORT, 'endpoint': ENDPOINT, 'nodes': nodes}


# -- REST helpers -------------------------------------------------------------

def api(method, path, body=None):
    """Call the Ironic API; return the decoded JSON body (or None)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(ENDPOINT + path, data=data, method=method,
                                 headers=HEADERS)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise common.LabError('ironic %s %s: HTTP %d %s' % (
            method, path, exc.code, exc.read()[:500].decode(errors='replace')))
    return json.loads(raw) if raw else None


def _nodes():
    """{name: node} with the fields enrollment looks at."""
    fields = 'name,uuid,provision_state,maintenance,power_state,last_error'
    return {n['name']: n for n in api('GET', '/v1/nodes?fields=' + fields)
            ['nodes']}


# -- enrollment ---------------------------------------------------------------

def _node_bodies():
    """Create bodies of every lab node, by name."""
    bodies = {}
    for name, (cpus, mem, disk, rc) in IPMI_NODES.items():
        bodies[name] = {
            'name': name, 'driver': 'ipmi', 'resource_class': rc,
            'driver_info': _ipmi_driver_info(name),
            'properties': _properties(cpus, mem, disk),
            'extra': {'serial': bmc.BMCS[name]['serial'], 'lab': True},
        }
    for name, (cpus, mem, disk, rc, serial) in FAKE_NODES.items():
        bodies[name] = {
            'name': name, 'driver': 'fake-hardware', 'resource_class': rc,
            'properties': _properties(cpus, mem, disk),
            'extra': {'serial': serial, 'lab': True},
        }
    return bodies


def _properties(cpus, mem, disk):
    return {'cpus': cpus, 'memory_mb': mem, 'local_gb': disk,
            'cpu_arch': 'x86_64'}


def _ipmi_driver_info(name):
    # bmc.password() without a name: the shared lab password, also for
    # lab-badpass-1 (whose BMC has another one).
    return {'ipmi_address': common.HOST, 'ipmi_port': bmc.port_of(name),
            'ipmi_username': bmc.USERNAME, 'ipmi_password': bmc.password(),
            'ipmi_cipher_suite': 3}


def enroll():
    """Create missing nodes and move them to ``available``; idempotent."""
    existing = _nodes()
    bodies = _node_bodies()
    for name, body in bodies.items():
        if name not in existing:
            api('POST', '/v1/nodes', body)
    _sync_bmc_password(existing)
    bmcs_up = bmc.status()['running']
    if not bmcs_up:
        common.say('ironic: BMCs are not running; ipmi nodes stay in enroll')
    nodes = _nodes()
    todo = [n for n in bodies if n not in ENROLL_ONLY and (
        bmcs_up or bodies[n]['driver'] != 'ipmi')]
    _advance(nodes, todo, 'enroll', 'manage', 'manageable')
    _advance(_nodes(), todo, 'manageable', 'provide', 'available')
    for name in FAKE_NODES:
        if nodes[name]['power_state'] is None:
            api('PUT', '/v1/nodes/%s/states/power' % name,
                {'target': 'power off'})
    for name, reason in MAINTENANCE.items():
        if not nodes[name]['maintenance']:
            api('PUT', '/v1/nodes/%s/maintenance' % name, {'reason': reason})


def _sync_bmc_password(existing):
    """Re-send the BMC password to existing ipmi nodes if it changed."""
    marker = _state() / 'bmc-password.stamp'
    stamp = str(bmc.password_file().stat().st_mtime_ns)
    if marker.exists() and marker.read_text() == stamp:
        return
    for name in IPMI_NODES:
        if name in existing:
            api('PATCH', '/v1/nodes/%s' % name, [{
                'op': 'add', 'path': '/driver_info/ipmi_password',
                'value': bmc.password()}])
    marker.write_text(stamp)


def _advance(nodes, names, source, verb, target, timeout=120):
    """Send ``verb`` to every node of ``names`` in ``source``; wait."""
    moving = [n for n in names if nodes[n]['provision_state'] == source]
    for name in moving:
        api('PUT', '/v1/nodes/%s/states/provision' % name, {'target': verb})
    deadline = time.monotonic() + timeout
    while moving:
        nodes = _nodes()
        for name in list(moving):
            state = nodes[name]['provision_state']
            if state == target:
                moving.remove(name)
            elif state == source and nodes[name]['last_error']:
                raise common.LabError('ironic: %s %s failed: %s' % (
                    verb, name, nodes[name]['last_error']))
        if moving and time.monotonic() > deadline:
            raise common.LabError('ironic: %s did not reach %s: %s' % (
                ', '.join(moving), target, common.log_tail(PROC)))
        if moving:
            time.sleep(0.2)
