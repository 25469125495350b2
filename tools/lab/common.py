"""Shared plumbing for the local lab: paths, pinned virtualenvs, processes.

Every lab component (``ironic``, ``bmc``, ``nova`` ...) is a module in this
package with ``install()``, ``up()``, ``down()`` and ``status()``. Components
use only these helpers to create virtualenvs, start and stop processes and
publish what they serve, so that ``python -m tools.lab up`` stays idempotent:
a running process is never started twice and ``down`` stops process groups.

Everything listens on 127.0.0.1 only.
"""

import hashlib
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HOST = '127.0.0.1'
HERE = pathlib.Path(__file__).resolve().parent
CONSTRAINTS_DIR = HERE / 'constraints'
LAB_DIR = pathlib.Path(os.environ.get(
    'FLEET_LAB_DIR', os.path.expanduser('~/.cache/fleet-lab')))
VENV_DIR = LAB_DIR / 'venvs'
RUN_DIR = LAB_DIR / 'run'
LOG_DIR = RUN_DIR / 'logs'
PID_DIR = RUN_DIR / 'pids'
PUBLISH_DIR = RUN_DIR / 'published'
PYTHON = os.environ.get('FLEET_LAB_PYTHON', 'python3')
# Added to the ports of the BMCs and the telemetry components only, so a
# second lab (another FLEET_LAB_DIR) can run them beside the shared one.
PORT_OFFSET = int(os.environ.get('FLEET_LAB_PORT_OFFSET', '0'))
# ``up --wait``: components with slow first data (Prometheus) wait for it.
WAIT = False


class LabError(Exception):
    """A lab step failed; the message says which and where the log is."""


def say(msg):
    print('lab: %s' % msg, flush=True)


def component_dir(component):
    """Per-component state directory (configs, databases, state paths)."""
    path = RUN_DIR / component
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_venv(name, constraints, packages):
    """Create (once) a virtualenv with pinned packages; return its bin dir.

    :param name: venv name, e.g. ``ironic``.
    :param constraints: file name under ``tools/lab/constraints``.
    :param packages: requirement strings to install under the constraints.
    The venv is reused while the constraints and package list are unchanged.
    """
    cfile = CONSTRAINTS_DIR / constraints
    digest = hashlib.sha256(
        cfile.read_bytes() + '\n'.join(packages).encode()).hexdigest()[:16]
    venv = VENV_DIR / name
    marker = venv / '.fleet-lab-ok'
    if marker.exists() and marker.read_text() == digest:
        return venv / 'bin'
    if venv.exists():
        shutil.rmtree(venv)
    say('installing %s into %s (pinned by %s)' % (name, venv, cfile.name))
    VENV_DIR.mkdir(parents=True, exist_ok=True)
    run([PYTHON, '-m', 'venv', str(venv)])
    pip = [str(venv / 'bin' / 'python'), '-m', 'pip', '-q',
           '--disable-pip-version-check']
    run(pip + ['install', '-U', 'pip', 'setuptools', 'wheel'])
    run(pip + ['install', '-c', str(cfile)] + list(packages))
    marker.write_text(digest)
    return venv / 'bin'


def run(argv, env=None, cwd=None, check=True, capture=False):
    """Run a command to completion; raise LabError with output on failure."""
    proc = subprocess.run([str(a) for a in argv], env=env, cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if check and proc.returncode != 0:
        raise LabError('%s failed (exit %d):\n%s' % (
            ' '.join(str(a) for a in argv), proc.returncode,
            proc.stdout[-4000:]))
    return proc.stdout if capture else proc.returncode


def ensure_vhost(vhost):
    """Create a RabbitMQ vhost and grant guest on it (idempotent)."""
    vhosts = run(['rabbitmqctl', '-q', 'list_vhosts'], capture=True)
    if vhost not in vhosts.split():
        run(['rabbitmqctl', '-q', 'add_vhost', vhost])
    run(['rabbitmqctl', '-q', 'set_permissions', '-p', vhost,
         'guest', '.*', '.*', '.*'])


def _pidfile(name):
    return PID_DIR / ('%s.pid' % name)


def pid_of(name):
    """PID of a running lab process, or None.

    The pidfile holds the PID and the process's start time: after a reboot
    or a killed session the PID may belong to another process by now.
    """
    try:
        fields = _pidfile(name).read_text().split()
        pid = int(fields[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    if _is_zombie(pid):
        return None
    if len(fields) > 1 and fields[1] != _start_time(pid):
        return None
    return pid


def _start_time(pid):
    """The process's start time in clock ticks since boot (/proc), or ''."""
    try:
        stat = pathlib.Path('/proc/%d/stat' % pid).read_text()
    except OSError:
        return ''
    return stat.rsplit(')', 1)[-1].split()[19]


def _is_zombie(pid):
    """True for an exited process not yet reaped.

    Lab processes outlive the runner that spawned them and are reparented
    to PID 1, which here reaps only every second or two; without this check
    ``stop`` waited about 2 s per stopped process.
    """
    try:
        stat = pathlib.Path('/proc/%d/stat' % pid).read_text()
    except OSError:
        return False
    return stat.rsplit(')', 1)[-1].split()[:1] == ['Z']


def spawn(name, argv, env=None, cwd=None):
    """Start a long-running process in its own process group, once.

    Output goes to ``run/logs/<name>.log``, the PID to ``run/pids/<name>.pid``.
    Returns the PID; an already running process is left alone.
    """
    pid = pid_of(name)
    if pid:
        return pid
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    PID_DIR.mkdir(parents=True, exist_ok=True)
    log = open(LOG_DIR / ('%s.log' % name), 'ab')
    proc = subprocess.Popen([str(a) for a in argv], env=env, cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    _pidfile(name).write_text('%d %s' % (proc.pid, _start_time(proc.pid)))
    return proc.pid


def stop(name, grace=5.0):
    """Stop a lab process group: SIGTERM, then SIGKILL after ``grace`` s."""
    pid = pid_of(name)
    if pid:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
            try:
                os.killpg(pid, sig)
            except OSError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and pid_of(name):
                _reap(pid)
                time.sleep(0.1)
            if not pid_of(name):
                break
    _pidfile(name).unlink(missing_ok=True)


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def log_tail(name, lines=30):
    path = LOG_DIR / ('%s.log' % name)
    try:
        text = path.read_text(errors='replace')
        return '\n'.join(text.splitlines()[-lines:])
    except OSError:
        return '(no log)'


def wait_tcp(port, name, timeout=60.0, host=HOST):
    """Wait until ``host:port`` accepts TCP connections or raise LabError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if name and not pid_of(name):
            raise LabError('%s exited during start-up; log %s:\n%s' % (
                name, LOG_DIR / ('%s.log' % name), log_tail(name)))
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise LabError('%s did not listen on %s:%d within %ds; log:\n%s' % (
        name, host, port, timeout, log_tail(name)))


def wait_http(url, name, timeout=60.0, headers=None):
    """Wait until ``url`` answers any HTTP status below 500."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if name and not pid_of(name):
            raise LabError('%s exited during start-up:\n%s' % (
                name, log_tail(name)))
        req = urllib.request.Request(url, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=2):
                return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise LabError('%s did not answer %s within %ds; log:\n%s' % (
        name, url, timeout, log_tail(name)))


def mysql(sql):
    """Run SQL as MariaDB root (empty password) on 127.0.0.1."""
    return run(['mysql', '-h', HOST, '-u', 'root', '-e', sql], capture=True)


def publish(component, data):
    """Publish what a component serves (endpoints, nodes, BMCs).

    ``python -m tools.lab up`` merges every published fragment into
    ``<LAB_DIR>/lab.json`` and writes ``<LAB_DIR>/clouds.yaml`` from the
    ``clouds`` key of the fragments (a dict merged into the ``fleet-lab``
    cloud).
    """
    PUBLISH_DIR.mkdir(parents=True, exist_ok=True)
    (PUBLISH_DIR / ('%s.json' % component)).write_text(
        json.dumps(data, indent=2, sort_keys=True))


def unpublish(component):
    (PUBLISH_DIR / ('%s.json' % component)).unlink(missing_ok=True)


def published():
    """All published fragments: {component: data}."""
    out = {}
    if PUBLISH_DIR.exists():
        for path in sorted(PUBLISH_DIR.glob('*.json')):
            out[path.stem] = json.loads(path.read_text())
    return out


def python_of(bin_dir):
    return str(pathlib.Path(bin_dir) / 'python')


def this_python():
    return sys.executable


def write_if_changed(path, text):
    """Write a file only if its content changed (config files)."""
    path = pathlib.Path(path)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def request_json(method, url, body=None, headers=None, timeout=30,
                 name='peer'):
    """One JSON request; the decoded body, or {} for an empty one.

    :param name: what a LabError calls the peer (``neutron``).
    :raises LabError: an HTTP error status, with the start of its body.
    """
    headers = dict({'Accept': 'application/json'}, **(headers or {}))
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    req = urllib.request.Request(url, data=data, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as exc:
        raise LabError('%s %s %s -> HTTP %d: %s' % (
            name, method, url, exc.code,
            exc.read()[:500].decode(errors='replace')))
    return json.loads(raw) if raw else {}


def etc_dir(component):
    """``run/<component>/etc``: a component's config files."""
    path = component_dir(component) / 'etc'
    path.mkdir(exist_ok=True)
    return path


def peer_env(**extra):
    """Environment of a peer process, with ``extra``.

    This repository is on PYTHONPATH, for the ``tools.lab`` runners.
    """
    env = dict(os.environ, PYTHONPATH=str(HERE.parent.parent))
    env.update(extra)
    return env


def mysql_db_once(component, db, argv, env=None):
    """Create MariaDB database ``db`` and run its schema command once.

    A marker in the component dir records success; the command runs again
    when the database or the marker is gone.
    """
    marker = component_dir(component) / 'db-synced'
    exists = db in mysql("SHOW DATABASES LIKE '%s'" % db).split()
    if exists and marker.exists():
        return
    t0 = time.monotonic()
    mysql('CREATE DATABASE IF NOT EXISTS %s CHARACTER SET utf8' % db)
    run(argv, env=env)
    marker.write_text('ok')
    say('%s: database %s ready (%.1fs)'
        % (component, db, time.monotonic() - t0))


def drop_db(component, db):
    """Drop ``db`` and forget its marker (``down(purge=True)``)."""
    mysql('DROP DATABASE IF EXISTS %s' % db)
    (component_dir(component) / 'db-synced').unlink(missing_ok=True)
