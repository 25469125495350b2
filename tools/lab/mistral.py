"""Lab component: Mistral 23 + mistral-extra 17 with fleet's actions, noauth.

``up()`` brings up, on 127.0.0.1 only, ``mistral-server --server
api,engine,executor,notifier`` (one process per component: about 700 MiB;
event-engine left out, it spins when idle) over the machine's RabbitMQ (vhost
``fleetlab_mistral``) with its database ``fleet_lab_mistral`` on MariaDB
(``mistral-db-manage upgrade head`` once). Keystone is off
(``[pecan] auth_enable = False``).

fleet itself is installed into Mistral's venv (``pip install --no-deps -e``
of the repository that runs ``up``), so its ``fleet.*`` actions load in the
executor; a changed ``setup.cfg`` or another repository reinstalls it and
restarts Mistral (entry points are read at start).

mistral-extra's ``nova.*`` and ``ironic.*`` actions reach the lab's Nova
and Ironic without Keystone: an execution created with the headers
``X-Target-Auth-Uri``, ``X-Target-Auth-Token`` and
``X-Target-Service-Catalog`` (base64 of the token-style catalog written to
``catalog.json`` here) gets a session whose endpoints come from that
catalog. The lab's Nova fills in identity itself (tools/lab/nova_noauth.py)
and Ironic runs noauth, so any token works.
"""

import hashlib
import json
import os
import time
import urllib.error
import urllib.request

from tools.lab import common

NAME = 'mistral'
PROC = 'mistral-server'
PORT = 8989
ENDPOINT = 'http://%s:%d/v2' % (common.HOST, PORT)
PACKAGES = ['mistral==23.0.0', 'mistral-extra==17.0.0',
            'python-mistralclient==6.3.0', 'mistral-lib==3.6.0', 'PyMySQL',
            # fleet's own runtime needs beyond Mistral's (fleet is then
            # installed with --no-deps)
            'pyghmi', 'cliff', 'osc-lib', 'prometheus-client']
REPO_ROOT = common.HERE.parent.parent
VHOST = 'fleetlab_mistral'
DATABASE = 'fleet_lab_mistral'
TRANSPORT_URL = 'rabbit://guest:guest@%s:5672/%s' % (common.HOST, VHOST)
DB_URL = 'mysql+pymysql://root@%s/%s?charset=utf8' % (common.HOST, DATABASE)

CONFIG = """\
[DEFAULT]
transport_url = {transport}
debug = false
log_file = {root}/mistral.log
server = api,engine,executor,notifier

[api]
host = {host}
port = {port}
api_workers = 1

[pecan]
auth_enable = false

[database]
connection = {db}

[oslo_policy]
policy_file = {root}/policy.yaml

[openstack_actions]
os_actions_endpoint_type = public
"""


def _root():
    return common.component_dir(NAME)


def _bin():
    return common.VENV_DIR / NAME / 'bin'


def _fleet_stamp():
    """What fleet's install in the venv depends on: repo and setup.cfg."""
    setup = (REPO_ROOT / 'setup.cfg').read_bytes()
    return '%s %s' % (REPO_ROOT, hashlib.sha256(setup).hexdigest()[:16])


def install():
    """The pinned venv (once), then fleet from this repository."""
    bin_dir = common.ensure_venv(NAME, 'mistral.txt', PACKAGES)
    marker = bin_dir.parent / '.fleet-installed'
    stamp = _fleet_stamp()
    if marker.exists() and marker.read_text() == stamp:
        return
    common.say('mistral: installing fleet from %s into its venv' % REPO_ROOT)
    common.run([bin_dir / 'python', '-m', 'pip', '-q',
                '--disable-pip-version-check', 'install', '--no-deps', '-e',
                REPO_ROOT], env=dict(os.environ, PBR_VERSION='0.0.1.dev0'))
    marker.write_text(stamp)


def catalog():
    """Token-style service catalog of the lab's Nova and Ironic."""
    from tools.lab import ironic
    from tools.lab import nova

    def service(kind, name, url):
        return {'type': kind, 'name': name, 'endpoints': [
            {'interface': interface, 'region': 'RegionOne',
             'region_id': 'RegionOne', 'url': url}
            for interface in ('public', 'internal', 'admin')]}

    return {'methods': ['token'], 'catalog': [
        service('compute', 'nova', nova.COMPUTE_URL),
        service('baremetal', 'ironic', ironic.ENDPOINT),
        service('placement', 'placement', nova.URLS['placement-api'])]}


def _write_files():
    root = _root()
    conf = root / 'mistral.conf'
    text = CONFIG.format(transport=TRANSPORT_URL, root=root,
                         host=common.HOST, port=PORT, db=DB_URL)
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
    (root / 'policy.yaml').write_text('{}\n')
    cat = root / 'catalog.json'
    cat.write_text(json.dumps(catalog(), indent=2, sort_keys=True) + '\n')
    return conf, cat


def _ensure_database(conf):
    marker = _root() / 'db-upgraded'
    out = common.mysql("SHOW DATABASES LIKE '%s'" % DATABASE)
    if DATABASE in out.split() and marker.exists():
        return
    t0 = time.monotonic()
    common.mysql('CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8'
                 % DATABASE)
    common.run([_bin() / 'mistral-db-manage', '--config-file', conf,
                'upgrade', 'head'])
    marker.write_text('head\n')
    common.say('mistral: database upgraded (%.1fs)' % (time.monotonic() - t0))


def _env():
    env = dict(os.environ)
    # fleet's actions read the fleet configuration their caller names in
    # the execution's env; nothing of the runner's own leaks in.
    env.pop('FLEET_CONFIG_FILE', None)
    return env


def up():
    """Start Mistral (once), publish its endpoint and the catalog."""
    t0 = time.monotonic()
    install()
    conf, cat = _write_files()
    # The server loaded the entry points of the fleet it started with.
    served = _root() / 'server-fleet-stamp'
    if common.pid_of(PROC) and (not served.exists() or
                                served.read_text() != _fleet_stamp()):
        common.say('mistral: fleet reinstalled, restarting Mistral')
        common.stop(PROC, grace=3.0)
    for attempt in range(3):
        if not common.pid_of(PROC):
            common.ensure_vhost(VHOST)
            _ensure_database(conf)
            common.spawn(PROC, [_bin() / 'mistral-server', '--config-file',
                                conf], env=_env(), cwd=_root())
            served.write_text(_fleet_stamp())
        try:
            common.wait_http(ENDPOINT + '/workflows', PROC, timeout=120)
        except common.LabError:
            # The same lock, inherited by the API worker: it accepts
            # connections and never answers (seen here once).
            common.say('mistral: API does not answer; restarting')
            common.stop(PROC, grace=3.0)
            continue
        if probe():
            break
        # Mistral 23 serialises a process's transactions with one RLock
        # (mistral/db/sqlalchemy/base.py tx_lock); a worker forked while
        # its master held it never gets it: its engine hangs on the first
        # execution. Seen on about one start in three here.
        common.say('mistral: engine does not run executions (forked with '
                   'its transaction lock held); restarting')
        common.stop(PROC, grace=3.0)
    else:
        raise common.LabError('mistral: engine hangs after 3 starts; log %s'
                              % (_root() / 'mistral.log'))
    common.say('mistral: API ready in %.1fs' % (time.monotonic() - t0))
    common.publish(NAME, {'mistral': {
        'endpoint': ENDPOINT, 'catalog_file': str(cat),
        'log': str(_root() / 'mistral.log')}})


PROBE = """\
---
version: '2.0'
fleet_lab_probe:
  tasks:
    noop:
      action: std.noop
"""


def _api(method, path, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(ENDPOINT + path, data=data, method=method,
                                 headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read() or b'null')


def probe(timeout=30.0):
    """True when an execution of a one-task workflow succeeds in time."""
    try:
        names = [w['name'] for w in _api('GET', '/workflows')['workflows']]
        if 'fleet_lab_probe' not in names:
            req = urllib.request.Request(
                ENDPOINT + '/workflows', data=PROBE.encode(), method='POST',
                headers={'Content-Type': 'text/plain'})
            urllib.request.urlopen(req, timeout=timeout).close()
        ex = _api('POST', '/executions',
                  {'workflow_name': 'fleet_lab_probe'}, timeout=timeout)
    except (OSError, ValueError):
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = _api('GET', '/executions/%s' % ex['id'])['state']
        except (OSError, ValueError):
            return False
        if state == 'SUCCESS':
            return True
        time.sleep(0.3)
    return False


def down():
    """Stop Mistral; its database and vhost stay for the next ``up``."""
    common.stop(PROC, grace=3.0)
    common.unpublish(NAME)


def rss_mib():
    """Resident memory of the Mistral process group, MiB (or None)."""
    pid = common.pid_of(PROC)
    if not pid:
        return None
    total = 0
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            if os.getpgid(int(entry)) != pid:
                continue
            with open('/proc/%s/status' % entry) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return round(total / 1024)


def status():
    pid = common.pid_of(PROC)
    return {'running': bool(pid), 'pid': pid, 'port': PORT,
            'endpoint': ENDPOINT, 'rss_mib': rss_mib()}
