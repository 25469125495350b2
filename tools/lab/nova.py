"""Lab component: Nova 34 + Placement 16 with two fake computes, no Keystone.

``up()`` brings up, on 127.0.0.1 only:

* Placement API (8778) and Nova API (8774), served from their WSGI apps by
  :mod:`tools.lab.nova_wsgi`; identity comes from :mod:`tools.lab.nova_noauth`
  (admin on project ``fleet-lab``), so clients send no auth headers;
* Glance (9292) and Neutron (9696) stand-ins (:mod:`tools.lab.nova_standins`);
* nova-conductor, nova-scheduler and two nova-compute services
  (``lab-compute-1``, ``lab-compute-2``) on ``fake.FakeDriverWithoutFakeNodes``
  sized by :mod:`tools.lab.nova_compute`, talking over RabbitMQ vhost
  ``fleetlab``; databases ``fleetlab_*`` on MariaDB;
* seed data through the real API: flavor ``lab.small``, servers
  ``lab-vm-1..3`` spread over both computes.

Everything is idempotent: a second ``up()`` while running only checks and
republishes. ``down()`` stops the processes and keeps the databases;
``down(purge=True)`` also drops databases, vhost and state.

This module runs under the system python (stdlib only); the services run
in the ``nova`` venv pinned by ``constraints/nova.txt``.
"""

import datetime
import json
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
import uuid

from tools.lab import common
from tools.lab import nova_standins

NAME = 'nova'
PACKAGES = ['nova==34.0.0', 'openstack-placement==16.0.0', 'PyMySQL',
            'openstacksdk']
REPO_ROOT = common.HERE.parent.parent

DB_PREFIX = 'fleetlab_'
DATABASES = ('placement', 'nova_api', 'nova_cell0', 'nova_cell1')
VHOST = 'fleetlab'
TRANSPORT_URL = 'rabbit://guest:guest@%s:5672/%s' % (common.HOST, VHOST)

PORTS = {'placement-api': 8778, 'nova-api': 8774,
         'glance-standin': 9292, 'neutron-standin': 9696}
URLS = {name: 'http://%s:%d' % (common.HOST, port)
        for name, port in PORTS.items()}
COMPUTE_URL = URLS['nova-api'] + '/v2.1'
COMPUTES = ('lab-compute-1', 'lab-compute-2')
CONTROL_HOST = 'lab-ctl-1'
COMPUTE_PROCS = {'nova-compute-1': 'lab-compute-1',
                 'nova-compute-2': 'lab-compute-2'}
# Start order; down() stops the last four first, then the first four.
PROCESSES = ('glance-standin', 'neutron-standin', 'placement-api',
             'nova-api', 'nova-conductor', 'nova-scheduler',
             'nova-compute-1', 'nova-compute-2')

FLAVOR = {'name': 'lab.small', 'vcpus': 1, 'ram': 512, 'disk': 1}
SERVERS = (('lab-vm-1', 'lab-compute-1'), ('lab-vm-2', 'lab-compute-2'),
           ('lab-vm-3', 'lab-compute-1'))
# 2.74: boot onto a named host; 2.37+: networks='none'.
SEED_MICROVERSION = '2.74'
MARKER = 'setup-done.json'


# ---------------------------------------------------------------- install

def install():
    """Create (once) the pinned venv; return its bin dir."""
    return common.ensure_venv(NAME, 'nova.txt', PACKAGES)


# ---------------------------------------------------------------- paths, env

def _root():
    return common.component_dir(NAME)


def _etc():
    path = _root() / 'etc'
    path.mkdir(exist_ok=True)
    return path


def _env():
    """Environment for every nova lab process."""
    env = dict(os.environ)
    env['PYTHONPATH'] = str(REPO_ROOT)
    env['OS_NOVA_CONFIG_DIR'] = str(_etc())
    env['OS_PLACEMENT_CONFIG_DIR'] = str(_etc())
    env.pop('OS_NOVA_CONFIG_FILES', None)
    return env


def _db_url(db):
    return 'mysql+pymysql://root@%s/%s%s?charset=utf8' % (
        common.HOST, DB_PREFIX, db)


# ---------------------------------------------------------------- markers

def _done():
    try:
        return set(json.loads((_root() / MARKER).read_text()))
    except (OSError, ValueError):
        return set()


_MARKER_LOCK = threading.Lock()


def _mark(step):
    with _MARKER_LOCK:
        steps = _done() | {step}
        (_root() / MARKER).write_text(json.dumps(sorted(steps)))


def _step(step, func, *args):
    """Run a one-time setup step unless the marker file lists it."""
    if step in _done():
        return
    t0 = time.monotonic()
    func(*args)
    _mark(step)
    common.say('nova: %s done (%.1fs)' % (step, time.monotonic() - t0))


# ---------------------------------------------------------------- config

def _ini(sections):
    """Render {section: {key: value}} as an ini file."""
    out = []
    for section, opts in sections.items():
        out.append('[%s]' % section)
        out.extend('%s = %s' % (k, v) for k, v in opts.items())
        out.append('')
    return '\n'.join(out)


def _write(path, text):
    """Write a file only if its content changed."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _common_sections():
    """Config shared by all nova services (RPC, Placement, Glance, Neutron)."""
    return {
        'DEFAULT': {
            'transport_url': TRANSPORT_URL,
            'my_ip': common.HOST,
            'debug': 'False',
            'graceful_shutdown_timeout': '5',
            'state_path': _root() / 'state' / 'control',
            # conductor and scheduler run on the lab's control node
            'host': CONTROL_HOST,
        },
        'oslo_concurrency': {'lock_path': _root() / 'locks'},
        'placement': {
            'auth_type': 'admin_token', 'token': 'admin',
            'endpoint': URLS['placement-api'],
            'endpoint_override': URLS['placement-api'],
        },
        'glance': {'endpoint_override': URLS['glance-standin']},
        'neutron': {
            'auth_type': 'admin_token', 'token': 'admin',
            'endpoint': URLS['neutron-standin'],
            'endpoint_override': URLS['neutron-standin'],
        },
        'vnc': {'enabled': 'False'},
        'scheduler': {'workers': '1',
                      'discover_hosts_in_cells_interval': '-1'},
        'conductor': {'workers': '1'},
    }


def _compute_sections(host):
    """Config of one fake compute: the common part, no database access."""
    state = _root() / 'state' / host
    state.mkdir(parents=True, exist_ok=True)
    sections = _common_sections()
    sections['DEFAULT'].update({
        'host': host,
        'state_path': state,
        'instances_path': state / 'instances',
        'compute_driver': 'fake.FakeDriverWithoutFakeNodes',
    })
    return sections


def _paste_ini(bin_dir):
    """Nova's api-paste.ini with ``authtoken`` replaced by the lab filter."""
    text = (bin_dir.parent / 'etc' / 'nova' / 'api-paste.ini').read_text()
    new, count = re.subn(r'(?m)^(keystone = .*) authtoken ', r'\1 noauth ',
                         text)
    if count != 2:
        raise common.LabError('nova api-paste.ini: expected 2 keystone '
                              'pipelines with authtoken, found %d' % count)
    return new + ('\n[filter:noauth]\n'
                  'paste.filter_factory = tools.lab.nova_noauth:filter_factory'
                  '\n')


def _write_configs(bin_dir):
    """Write placement.conf, nova.conf, compute-N.conf and api-paste.ini."""
    etc = _etc()
    (_root() / 'locks').mkdir(exist_ok=True)
    (_root() / 'state' / 'control').mkdir(parents=True, exist_ok=True)
    _write(etc / 'placement.conf', _ini({
        'DEFAULT': {'debug': 'False'},
        'api': {'auth_strategy': 'noauth2'},
        'placement_database': {'connection': _db_url('placement')},
    }))
    sections = _common_sections()
    sections['api_database'] = {'connection': _db_url('nova_api')}
    sections['database'] = {'connection': _db_url('nova_cell1')}
    sections['wsgi'] = {'api_paste_config': etc / 'api-paste.ini'}
    _write(etc / 'nova.conf', _ini(sections))
    _write(etc / 'api-paste.ini', _paste_ini(bin_dir))
    for proc, host in COMPUTE_PROCS.items():
        _write(etc / ('%s.conf' % proc), _ini(_compute_sections(host)))


# ---------------------------------------------------------------- rabbit, db

def _ensure_vhost():
    """Create the RabbitMQ vhost and grant guest on it (idempotent)."""
    common.ensure_vhost(VHOST)


def _existing_databases():
    out = common.mysql("SHOW DATABASES LIKE '%s%%'" % DB_PREFIX)
    return set(out.split()[1:])


META_DB = DB_PREFIX + 'meta'
TOKEN_FILE = 'db-token'


def _db_token():
    """The token of the state dir that created the lab databases."""
    out = common.run(['mysql', '-h', common.HOST, '-u', 'root', '-N', '-e',
                      'SELECT token FROM %s.owner' % META_DB],
                     check=False, capture=True).strip()
    return out if out and ' ' not in out else None


def _state_token():
    try:
        return (_root() / TOKEN_FILE).read_text().strip() or None
    except OSError:
        return None


def _create_databases():
    """Create the databases afresh, owned by this state dir.

    Databases left by another (or a lost) lab state are dropped: nova-compute
    refuses to start against compute nodes it has no local identity for.
    """
    token = uuid.uuid4().hex
    for db in DATABASES:
        common.mysql('DROP DATABASE IF EXISTS %s%s' % (DB_PREFIX, db))
        common.mysql('CREATE DATABASE %s%s CHARACTER SET utf8'
                     % (DB_PREFIX, db))
    common.mysql('DROP DATABASE IF EXISTS %s' % META_DB)
    common.mysql('CREATE DATABASE %s; CREATE TABLE %s.owner (token '
                 'VARCHAR(64)); INSERT INTO %s.owner VALUES (\'%s\')'
                 % (META_DB, META_DB, META_DB, token))
    (_root() / TOKEN_FILE).write_text(token)
    for identity in (_root() / 'state').glob('*/compute_id'):
        identity.unlink()  # the node identities of the dropped databases


def _manage(bin_dir, steps):
    """Run nova-manage steps in one process (see tools/lab/nova_manage.py)."""
    common.run([common.python_of(bin_dir), '-m', 'tools.lab.nova_manage',
                '--config-file', _etc() / 'nova.conf',
                '--cell0', _db_url('nova_cell0'),
                '--cell1', _db_url('nova_cell1'),
                '--transport-url', TRANSPORT_URL] + list(steps),
               env=_env(), cwd=_root())


NOVA_DB_STEPS = ('api-db-sync', 'map-cell0', 'create-cell1', 'db-sync')


def _sync_placement(bin_dir):
    common.run([bin_dir / 'placement-manage', '--config-file',
                _etc() / 'placement.conf', 'db', 'sync'], env=_env())


def _prepare_databases(bin_dir):
    """Create and sync the databases and cells, skipping finished steps.

    Placement and Nova sync in parallel.
    """
    wanted = {DB_PREFIX + db for db in DATABASES}
    if (not wanted <= _existing_databases() or _state_token() is None or
            _state_token() != _db_token()):
        _forget(('databases', 'placement-sync') + NOVA_DB_STEPS)
    _step('databases', _create_databases)
    nova_steps = [step for step in NOVA_DB_STEPS if step not in _done()]
    errors = []

    def placement():
        try:
            _step('placement-sync', _sync_placement, bin_dir)
        except common.LabError as exc:
            errors.append(exc)

    thread = threading.Thread(target=placement)
    thread.start()
    try:
        if nova_steps:
            t0 = time.monotonic()
            _manage(bin_dir, nova_steps)
            for step in nova_steps:
                _mark(step)
            common.say('nova: %s done (%.1fs)' % (
                ', '.join(nova_steps), time.monotonic() - t0))
    finally:
        thread.join()
    if errors:
        raise errors[0]


def _forget(steps):
    with _MARKER_LOCK:
        remaining = _done() - set(steps)
        (_root() / MARKER).write_text(json.dumps(sorted(remaining)))


def _mapped_hosts():
    out = common.mysql('SELECT host FROM %snova_api.host_mappings'
                       % DB_PREFIX)
    return set(out.split()[1:])


def _discover_hosts(bin_dir):
    """Map both computes into cell1 unless they already are."""
    if set(COMPUTES) <= _mapped_hosts():
        return
    _manage(bin_dir, ['discover-hosts'])
    missing = set(COMPUTES) - _mapped_hosts()
    if missing:
        raise common.LabError('discover_hosts did not map %s'
                              % ', '.join(sorted(missing)))
    hyps = {h['hypervisor_hostname']
            for h in _compute('GET', '/os-hypervisors')['hypervisors']}
    if not set(COMPUTES) <= hyps:
        raise common.LabError('hypervisors after discover_hosts: %s'
                              % sorted(hyps))


# ---------------------------------------------------------------- processes

def _argv(name, bin_dir):
    """Command line of one lab process."""
    py = common.python_of(bin_dir)
    conf = str(_etc() / 'nova.conf')
    if name in ('glance-standin', 'neutron-standin'):
        return [py, '-m', 'tools.lab.nova_standins', name.split('-')[0],
                PORTS[name]]
    if name == 'placement-api':
        return [py, '-m', 'tools.lab.nova_wsgi', 'placement.wsgi.api',
                PORTS[name], '--noauth']
    if name == 'nova-api':
        return [py, '-m', 'tools.lab.nova_wsgi', 'nova.wsgi.osapi_compute',
                PORTS[name]]
    if name in COMPUTE_PROCS:
        return [py, '-m', 'tools.lab.nova_compute',
                '--config-file', str(_etc() / ('%s.conf' % name))]
    return [bin_dir / name, '--config-file', conf]


def _spawn(names, bin_dir):
    for name in names:
        if not common.pid_of(name):
            common.say('nova: starting %s' % name)
        common.spawn(name, _argv(name, bin_dir), env=_env(), cwd=_root())


def _start_services(bin_dir):
    """Start stand-ins, APIs, conductor and scheduler; wait for the APIs."""
    _spawn(PROCESSES[:6], bin_dir)
    for name in ('glance-standin', 'neutron-standin'):
        common.wait_tcp(PORTS[name], name, timeout=30)
    common.wait_http(URLS['placement-api'] + '/', 'placement-api', timeout=90)
    common.wait_http(URLS['nova-api'] + '/', 'nova-api', timeout=90)


def _start_workers(bin_dir):
    """Start the computes (Placement must answer first) and wait for them.

    A compute (re)started now must report after its start: a heartbeat
    from before a restart would otherwise still count as "up".
    """
    fresh = {COMPUTE_PROCS[name] for name in COMPUTE_PROCS
             if not common.pid_of(name)}
    since = _utcnow() - datetime.timedelta(seconds=1)
    _spawn(PROCESSES[6:], bin_dir)
    _wait_computes(fresh, since)


# ---------------------------------------------------------------- REST

def _request(method, url, body=None, microversion=None, timeout=30):
    """One JSON request (no auth headers: the noauth filter adds them)."""
    headers = {'Accept': 'application/json'}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    if microversion:
        headers['OpenStack-API-Version'] = 'compute %s' % microversion
    req = urllib.request.Request(url, data=data, headers=headers,
                                 method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise common.LabError('%s %s -> HTTP %d: %s' % (
            method, url, exc.code, exc.read()[:500].decode(errors='replace')))
    return json.loads(raw) if raw else {}


def _compute(method, path, body=None, microversion=SEED_MICROVERSION):
    return _request(method, COMPUTE_URL + path, body, microversion)


def _utcnow():
    """Naive UTC now, comparable with Nova's ``updated_at``."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _reported_since(service, since):
    """Heartbeat after ``since``; a brand-new record (no updated_at) counts."""
    stamp = service.get('updated_at')
    return not stamp or datetime.datetime.fromisoformat(stamp) >= since


def _computes_ready(fresh, since):
    """True once both computes are up and have a resource provider.

    Computes in ``fresh`` must also have reported after ``since``.
    (Hypervisors appear in the API only after discover_hosts has mapped
    their hosts.)
    """
    services = _compute('GET', '/os-services?binary=nova-compute')
    up = {s['host'] for s in services['services'] if s['state'] == 'up'
          and (s['host'] not in fresh or _reported_since(s, since))}
    rps = {r['name'] for r in _request(
        'GET', URLS['placement-api'] + '/resource_providers')[
            'resource_providers']}
    return set(COMPUTES) <= up & rps


def _wait_computes(fresh, since, timeout=150.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in PROCESSES[4:]:
            if not common.pid_of(name):
                raise common.LabError('%s exited; log %s:\n%s' % (
                    name, common.LOG_DIR / ('%s.log' % name),
                    common.log_tail(name)))
        if _computes_ready(fresh, since):
            return
        time.sleep(1.0)
    raise common.LabError('computes not up within %ds; log:\n%s' % (
        timeout, common.log_tail('nova-compute-1')))


# ---------------------------------------------------------------- seed

def _ensure_flavor():
    """Flavor lab.small, created once; returns its id."""
    for flavor in _compute('GET', '/flavors/detail')['flavors']:
        if flavor['name'] == FLAVOR['name']:
            return flavor['id']
    return _compute('POST', '/flavors', {'flavor': dict(FLAVOR)})[
        'flavor']['id']


def _servers_by_name():
    servers = _compute('GET', '/servers/detail?all_tenants=1')['servers']
    return {s['name']: s for s in servers}


def _boot(name, host, flavor_id):
    common.say('nova: booting %s on %s' % (name, host))
    _compute('POST', '/servers', {'server': {
        'name': name, 'imageRef': nova_standins.IMAGE_ID,
        'flavorRef': flavor_id, 'networks': 'none', 'host': host}})


def _wait_active(names, timeout=120.0):
    """Wait until the named servers are ACTIVE; return them by name."""
    deadline = time.monotonic() + timeout
    while True:
        servers = _servers_by_name()
        states = {n: servers.get(n, {}).get('status') for n in names}
        failed = [n for n, st in states.items() if st == 'ERROR']
        if failed:
            fault = servers[failed[0]].get('fault', {}).get('message')
            raise common.LabError('server %s went to ERROR: %s'
                                  % (failed[0], fault))
        if all(st == 'ACTIVE' for st in states.values()):
            return servers
        if time.monotonic() > deadline:
            raise common.LabError('servers not ACTIVE in %ds: %s'
                                  % (timeout, states))
        time.sleep(0.5)


def _seed():
    """Flavor and servers lab-vm-1..3 (booted once, ERROR ones rebooted)."""
    flavor_id = _ensure_flavor()
    servers = _servers_by_name()
    for name, host in SERVERS:
        server = servers.get(name)
        if server and server['status'] == 'ERROR':
            _compute('DELETE', '/servers/%s' % server['id'])
            _wait_gone(server['id'])
            server = None
        if not server:
            _boot(name, host, flavor_id)
    servers = _wait_active([name for name, _ in SERVERS])
    return [{'name': name, 'id': servers[name]['id'],
             'host': servers[name]['OS-EXT-SRV-ATTR:host'],
             'status': servers[name]['status']} for name, _ in SERVERS]


def _wait_gone(server_id, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _compute('GET', '/servers/%s' % server_id)
        except common.LabError as exc:
            if 'HTTP 404' in str(exc):
                return
            raise
        time.sleep(0.5)
    raise common.LabError('server %s not deleted in %ds'
                          % (server_id, timeout))


def _publish(servers):
    common.publish(NAME, {
        'clouds': {
            'auth_type': 'none',
            'compute_endpoint_override': COMPUTE_URL,
            'placement_endpoint_override': URLS['placement-api'],
            'image_endpoint_override': URLS['glance-standin'],
            'network_endpoint_override': URLS['neutron-standin'],
        },
        'nova': {
            'endpoint': COMPUTE_URL,
            'placement_endpoint': URLS['placement-api'],
            'computes': list(COMPUTES),
            'flavor': FLAVOR['name'],
            'image_id': nova_standins.IMAGE_ID,
            'servers': servers,
        },
    })


# ---------------------------------------------------------------- interface

def up():
    """Bring the Nova lab up (idempotent) and publish it."""
    t0 = time.monotonic()
    times = []

    def phase(label):
        times.append('%s %.1f' % (label, time.monotonic() - t0))

    bin_dir = install()
    if not all(common.pid_of(name) for name in PROCESSES):
        _ensure_vhost()
    _write_configs(bin_dir)
    _prepare_databases(bin_dir)
    phase('db')
    _start_services(bin_dir)
    phase('apis')
    _start_workers(bin_dir)
    phase('computes')
    _discover_hosts(bin_dir)
    phase('mapped')
    servers = _seed()
    _publish(servers)
    phase('seeded')
    common.say('nova: up in %.1fs [%s] (%s)' % (
        time.monotonic() - t0, ', '.join(times),
        ', '.join('%s@%s' % (s['name'], s['host']) for s in servers)))


def _stop_all(names):
    """Stop several processes at once (nova services take ~5 s each)."""
    running = [name for name in names if common.pid_of(name)]
    if running:
        common.say('nova: stopping %s' % ', '.join(running))
    threads = [threading.Thread(target=common.stop, args=(name,))
               for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def down(purge=False):
    """Stop every nova lab process; with ``purge`` drop databases and state."""
    _stop_all(PROCESSES[4:])
    _stop_all(PROCESSES[:4])
    common.unpublish(NAME)
    if purge:
        _purge()


def _purge():
    """Drop the databases, the RabbitMQ vhost and the component dir."""
    for db in DATABASES:
        common.mysql('DROP DATABASE IF EXISTS %s%s' % (DB_PREFIX, db))
    common.mysql('DROP DATABASE IF EXISTS %s' % META_DB)
    vhosts = common.run(['rabbitmqctl', '-q', 'list_vhosts'], capture=True,
                        check=False)
    if VHOST in vhosts.split():
        common.run(['rabbitmqctl', '-q', 'delete_vhost', VHOST])
    shutil.rmtree(common.RUN_DIR / NAME, ignore_errors=True)
    common.say('nova: purged databases, vhost and state')


def status():
    """Running flag and PID per process, plus the ports served."""
    procs = {name: {'running': bool(common.pid_of(name)),
                    'pid': common.pid_of(name)} for name in PROCESSES}
    return {
        'running': all(p['running'] for p in procs.values()),
        'processes': procs,
        'ports': dict(PORTS),
        'endpoint': COMPUTE_URL,
    }
