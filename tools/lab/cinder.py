"""Lab component: Cinder 29 (API, scheduler, volume; fake driver) on 8776.

``up()`` starts, on 127.0.0.1 only:

* ``cinder-api``: ``cinder.wsgi.api`` through :mod:`tools.lab.peer_wsgi`,
  ``auth_strategy = noauth``; requests without a token get
  ``X-Auth-Token: admin:fleet-lab`` (Cinder's noauth reads
  ``user:project`` from the token and makes the caller admin);
* ``cinder-scheduler`` and ``cinder-volume`` (backend ``fake``,
  ``cinder.tests.fake_driver.FakeLoggingVolumeDriver``) over RabbitMQ vhost
  ``fleetlab_cinder``; database ``fleetlab_cinder`` on MariaDB;

and seeds through the real API, each volume created with the token of its
owner project: ``lab-vol-free-1`` (fleet-lab) and ``lab-vol-free-b``
(fleet-lab-b) ``available``, ``lab-vol-attached`` (fleet-lab) ``in-use``
through an attachment to lab-vm-1 (attachments API, microversion 3.44).
Idempotent: volumes are found by name; a second ``up()`` creates nothing.

This module runs under the system python (stdlib only); the services run
in the ``cinder`` venv pinned by ``constraints/cinder.txt``.
"""

import time

from tools.lab import common

NAME = 'cinder'
PACKAGES = ['cinder==29.0.0', 'gunicorn', 'fixtures', 'PyMySQL']
PORT = 8776
ENDPOINT = 'http://%s:%d/v3' % (common.HOST, PORT)
DB = 'fleetlab_cinder'
VHOST = 'fleetlab_cinder'
PROJECT = 'fleet-lab'
PROJECT_B = 'fleet-lab-b'
TOKEN = 'admin:%s' % PROJECT
PROCESSES = ('cinder-api', 'cinder-scheduler', 'cinder-volume')
MICROVERSION = '3.44'

FREE_VOLUMES = (('lab-vol-free-1', PROJECT), ('lab-vol-free-b', PROJECT_B))
ATTACHED_VOLUME = 'lab-vol-attached'
# Without Nova the attachment names this stand-in instance.
STANDIN_INSTANCE = '00000000-0000-4000-8000-00000000c1de'
CONNECTOR = {'host': 'lab-compute-1', 'initiator': 'iqn.2026-12.lab:vm1',
             'ip': common.HOST, 'platform': 'x86_64', 'os_type': 'linux',
             'multipath': False}

CONFIG = """\
[DEFAULT]
auth_strategy = noauth
transport_url = rabbit://guest:guest@{host}:5672/{vhost}
enabled_backends = fake
host = lab-cinder
debug = false
state_path = {state}
api_paste_config = {etc}/api-paste.ini
glance_api_servers = http://{host}:9292

[database]
connection = mysql+pymysql://root@{host}/{db}?charset=utf8

[fake]
volume_driver = cinder.tests.fake_driver.FakeLoggingVolumeDriver
volume_backend_name = fake

[oslo_concurrency]
lock_path = {state}/locks

[coordination]
backend_url = file://{state}/coordination
"""


def _root():
    return common.component_dir(NAME)


def _etc():
    return common.etc_dir(NAME)


def _conf():
    return _etc() / 'cinder.conf'


def install():
    """Create (once) the pinned venv; return its bin dir."""
    return common.ensure_venv(NAME, 'cinder.txt', PACKAGES)


def _env():
    return common.peer_env()


def _write_configs(bin_dir):
    state = _root() / 'state'
    for sub in ('locks', 'coordination'):
        (state / sub).mkdir(parents=True, exist_ok=True)
    common.write_if_changed(_conf(), CONFIG.format(
        host=common.HOST, vhost=VHOST, db=DB, state=state, etc=_etc()))
    paste = bin_dir.parent / 'etc' / 'cinder' / 'api-paste.ini'
    common.write_if_changed(_etc() / 'api-paste.ini', paste.read_text())


def _sync_db(bin_dir):
    common.mysql_db_once(NAME, DB, [bin_dir / 'cinder-manage', '--config-file',
                         _conf(), 'db', 'sync'], env=_env())


def _argv(name, bin_dir):
    if name == 'cinder-api':
        return [common.python_of(bin_dir), '-m', 'tools.lab.peer_wsgi',
                'cinder.wsgi.api', PORT, '--token', TOKEN, '--',
                '--config-file', _conf()]
    return [bin_dir / name, '--config-file', _conf()]


# ---------------------------------------------------------------- REST

def api(method, path, body=None, project=PROJECT, timeout=30):
    """One JSON request as admin of ``project``; the decoded body or {}."""
    return common.request_json(
        method, ENDPOINT + path, body, timeout=timeout, name='cinder',
        headers={'X-Auth-Token': 'admin:%s' % project,
                 'OpenStack-API-Version': 'volume %s' % MICROVERSION})


def _volumes():
    return {v['name']: v for v in api(
        'GET', '/volumes/detail?all_tenants=1')['volumes']}


def _wait_volumes(names, timeout=60.0):
    """Wait until no named volume is creating/attaching; fail on error."""
    deadline = time.monotonic() + timeout
    while True:
        vols = _volumes()
        states = {n: vols.get(n, {}).get('status') for n in names}
        bad = [n for n, st in states.items() if st and st.startswith('error')]
        if bad:
            raise common.LabError('cinder: volume %s is %s; log:\n%s' % (
                bad[0], states[bad[0]], common.log_tail('cinder-volume')))
        if all(st in ('available', 'in-use') for st in states.values()):
            return vols
        if time.monotonic() > deadline:
            raise common.LabError('cinder: volumes not ready in %ds: %s'
                                  % (timeout, states))
        time.sleep(0.3)


def _instance_id():
    for server in common.published().get('nova', {}).get('nova', {}).get(
            'servers', []):
        if server['name'] == 'lab-vm-1':
            return server['id']
    return STANDIN_INSTANCE


def _seed():
    vols = _volumes()
    wanted = FREE_VOLUMES + ((ATTACHED_VOLUME, PROJECT),)
    for name, project in wanted:
        if name not in vols:
            api('POST', '/volumes', {'volume': {'name': name, 'size': 1}},
                project=project)
    vols = _wait_volumes([n for n, _ in wanted])
    attached = vols[ATTACHED_VOLUME]
    if attached['status'] == 'available':
        att = api('POST', '/attachments', {'attachment': {
            'volume_uuid': attached['id'], 'instance_uuid': _instance_id(),
            'connector': CONNECTOR}})['attachment']
        api('POST', '/attachments/%s/action' % att['id'],
            {'os-complete': {}})
        vols = _wait_volumes([n for n, _ in wanted])
    return vols


def _wait_volume_service(timeout=90.0):
    """Wait until cinder-volume reports up (the scheduler needs it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in PROCESSES:
            if not common.pid_of(name):
                raise common.LabError('%s exited; log:\n%s' % (
                    name, common.log_tail(name)))
        services = api('GET', '/os-services')['services']
        if any(s['binary'] == 'cinder-volume' and s['state'] == 'up'
               for s in services) and any(
                   s['binary'] == 'cinder-scheduler' and s['state'] == 'up'
                   for s in services):
            return
        time.sleep(0.5)
    raise common.LabError('cinder-volume not up in %ds; log:\n%s' % (
        timeout, common.log_tail('cinder-volume')))


def up():
    """Start Cinder (once), seed it, publish the endpoint."""
    t0 = time.monotonic()
    bin_dir = install()
    _write_configs(bin_dir)
    if not all(common.pid_of(name) for name in PROCESSES):
        common.ensure_vhost(VHOST)
        _sync_db(bin_dir)
        for name in PROCESSES:
            common.spawn(name, _argv(name, bin_dir), env=_env(), cwd=_root())
    common.wait_http(ENDPOINT.rsplit('/', 1)[0] + '/', 'cinder-api',
                     timeout=90, headers={'X-Auth-Token': TOKEN})
    _wait_volume_service()
    t1 = time.monotonic()
    vols = _seed()
    common.say('cinder: API ready in %.1fs, seeded in %.1fs' % (
        t1 - t0, time.monotonic() - t1))
    common.publish(NAME, {
        'clouds': {'auth_type': 'none',
                   'block_storage_endpoint_override': ENDPOINT,
                   'block_storage_api_version': '3'},
        'cinder': {
            'endpoint': ENDPOINT,
            'projects': [PROJECT, PROJECT_B],
            'free_volumes': {n: vols[n]['id'] for n, _ in FREE_VOLUMES},
            'attached_volume': vols[ATTACHED_VOLUME]['id'],
        },
    })


def down(purge=False):
    """Stop the Cinder processes; the database stays unless ``purge``."""
    for name in reversed(PROCESSES):
        common.stop(name)
    common.unpublish(NAME)
    if purge:
        common.drop_db(NAME, DB)


def status():
    procs = {name: bool(common.pid_of(name)) for name in PROCESSES}
    volumes = None
    if all(procs.values()):
        try:
            volumes = len(api('GET', '/volumes?all_tenants=1', timeout=5)[
                'volumes'])
        except (OSError, ValueError, common.LabError):
            pass
    return {'running': all(procs.values()) and volumes is not None,
            'processes': procs, 'port': PORT, 'endpoint': ENDPOINT,
            'volumes': volumes}
