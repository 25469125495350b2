"""Local test lab: ``python -m tools.lab up|down|status|env``.

Run from the repository root with the system ``python3``; this runner needs
only the standard library (PyYAML is used for clouds.yaml when importable).
Each component module (``bmc``, ``ironic``, ``nova``, ``neutron``,
``cinder``, ``prometheus``, ``fleetapi``, ``alertmanager``, ``mistral``,
``keystone``) provides
``install()``, ``up()``, ``down()`` and ``status()``; peers run from their own
virtualenvs or Debian packages. ``up`` first runs the installs (the pinned
venvs at once, see :func:`install_all`), then the ``up()`` steps: Neutron
and Cinder after Nova, whose server ids their seeds use.

    python -m tools.lab up [--only bmc,ironic]
    python -m tools.lab status
    python -m tools.lab env          # prints the export line for clouds.yaml
    python -m tools.lab down [--only ...]
    python -m tools.lab up --wait    # also wait for first Prometheus samples

Run-time faults of the simulated BMCs (tests call the same functions in
``tools.lab.bmc``):

    python -m tools.lab bmc set-sensor lab-hot-1 'CPU Temp' 99
    python -m tools.lab bmc reset lab-hot-1      # initial readings
    python -m tools.lab bmc clear-sel lab-hot-1  # empty its event log
    python -m tools.lab bmc freeze|thaw NAME     # stop / resume answering
"""

import argparse
import importlib
import json
import os
import sys
import threading
import time

from tools.lab import common

COMPONENTS = ['bmc', 'ironic', 'nova', 'neutron', 'cinder', 'prometheus',
              'fleetapi', 'alertmanager', 'mistral', 'keystone']
CLOUD = 'fleet-lab'
LAB_JSON = common.LAB_DIR / 'lab.json'
CLOUDS_YAML = common.LAB_DIR / 'clouds.yaml'
#: fleet's configuration of the lab's peers (collectors and their URLs);
#: the database stays fleet's embedded default.
FLEET_CONF = common.LAB_DIR / 'fleet.conf'


def load(names):
    """Import the component modules in order; skip the missing ones."""
    modules = []
    for name in names:
        try:
            modules.append((name, importlib.import_module(
                'tools.lab.%s' % name)))
        except ModuleNotFoundError as exc:
            if exc.name != 'tools.lab.%s' % name:
                raise
            common.say('%s: no tools/lab/%s.py, skipped' % (name, name))
    return modules


def env_line():
    from tools.lab import fleetapi
    line = ('export OS_CLIENT_CONFIG_FILE=%s OS_CLOUD=%s FLEET_CONFIG_FILE=%s'
            ' FLEET_API_URL=%s FLEET_API_TOKEN_FILE=%s' % (
                CLOUDS_YAML, CLOUD, FLEET_CONF, fleetapi.ENDPOINT,
                fleetapi.TOKEN_FILE))
    mistral = common.published().get('mistral', {}).get('mistral')
    if mistral:
        line += ' MISTRAL_URL=%s' % mistral['endpoint']
    return line


def fleet_conf(lab):
    """fleet.conf text that points fleet's collectors at the lab's peers."""
    collectors = ['ipmi']
    if 'nova' in lab:
        collectors.append('nova')
    # The lab's frozen BMC costs the sweep this deadline.
    lines = ['', '[collectors.ipmi]', 'timeout = 3']
    notifications = lab.get('ironic', {}).get('notifications')
    if notifications:
        # Not enabled: it reads the same BMCs as ipmi, and the two would
        # overwrite each other's readings (same metric names). Run it with
        # [collectors] enabled_collectors = ironic, or in the tests.
        lines += ['', '[collectors.ironic]',
                  'transport_url = %s' % notifications['transport_url'],
                  'wait = %d' % (notifications['sensor_interval'] + 5)]
    prometheus = lab.get('prometheus', {}).get('endpoint')
    if prometheus:
        collectors.append('prometheus')
        lines += ['', '[collectors.prometheus]',
                  'url = %s' % prometheus.rstrip('/')]
    mistral = lab.get('mistral')
    if mistral:
        lines += ['', '[remediation]', 'enabled_executors = mistral',
                  '', '[executors.mistral]', 'url = %s' % mistral['endpoint'],
                  'target_catalog_file = %s' % mistral['catalog_file']]
    return '\n'.join(['# Written by python3 -m tools.lab: the lab\'s peers.',
                      '[collectors]',
                      'enabled_collectors = %s' % ', '.join(collectors)]
                     + lines) + '\n'



def write_outputs():
    """Merge published fragments into lab.json and clouds.yaml."""
    fragments = common.published()
    lab = {}
    cloud = {}
    # In component order, later ones winning: Neutron's endpoint replaces
    # the Nova lab's Neutron stand-in in clouds.yaml.
    order = {name: i for i, name in enumerate(COMPONENTS)}
    for _, data in sorted(fragments.items(),
                          key=lambda item: order.get(item[0], -1)):
        for key, value in data.items():
            if key == 'clouds':
                cloud.update(value)
            else:
                lab[key] = value
    lab['clouds_yaml'] = str(CLOUDS_YAML)
    lab['cloud'] = CLOUD
    common.LAB_DIR.mkdir(parents=True, exist_ok=True)
    LAB_JSON.write_text(json.dumps(lab, indent=2, sort_keys=True) + '\n')
    clouds = {'clouds': {CLOUD: cloud}}
    if lab.get('more_clouds'):
        # The lab's Keystone users, with their passwords: kept out of the
        # published fragments and lab.json, written to clouds.yaml only.
        from tools.lab import keystone
        clouds['clouds'].update(keystone.clouds())
    try:
        import yaml
        text = yaml.safe_dump(clouds, default_flow_style=False)
    except ImportError:
        text = json.dumps(clouds, indent=2) + '\n'
    fd = os.open(CLOUDS_YAML, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(CLOUDS_YAML, 0o600)
    FLEET_CONF.write_text(fleet_conf(lab))
    lab['fleet_conf'] = str(FLEET_CONF)
    return lab


def summary(lab):
    """Endpoints and counts; never secrets (BMCs publish a password file)."""
    if lab.get('bmcs'):
        ports = [b['port'] for b in lab['bmcs']]
        common.say('BMCs:   %d on %s ports %d-%d (ipmitool -I lanplus -C 3, '
                   'user %s, password in %s)' % (
                       len(ports), lab['bmcs'][0]['address'], min(ports),
                       max(ports), lab['bmcs'][0]['username'],
                       lab['bmcs'][0]['password_file']))
        faults = ['%s %s' % (b['name'], b['fault'])
                  for b in lab['bmcs'] if b.get('fault')]
        if faults:
            common.say('        faults: %s' % ', '.join(faults))
    for key in sorted(lab):
        value = lab[key]
        if key in ('bmcs', 'clouds_yaml', 'cloud', 'fleet_conf') or not isinstance(
                value, dict):
            continue
        parts = [str(value.get('endpoint', 'published'))]
        parts += ['%d %s' % (len(v), k) for k, v in sorted(value.items())
                  if isinstance(v, (list, dict))]
        common.say('%-7s %s' % (key + ':', ', '.join(parts)))
    common.say('lab.json: %s' % LAB_JSON)
    print(env_line())


def _up_one(name, module):
    t0 = time.monotonic()
    module.install()
    module.up()
    common.say('%s up (%.1fs)' % (name, time.monotonic() - t0))


def install_all(modules):
    """Run the components' ``install()`` steps; raise the first error.

    Components with a pinned venv (a ``PACKAGES`` list) install at once in
    threads: their pip installs take minutes each on a fresh machine and do
    not depend on each other. The apt-based ones (no ``PACKAGES``) run one
    after the other meanwhile: apt holds one dpkg lock. Once installed,
    each step is a marker check.
    """
    errors = []

    def install(name, module):
        try:
            module.install()
        except Exception as exc:  # reported after the others finished
            errors.append((name, exc))

    threads = [threading.Thread(target=install, args=(name, module))
               for name, module in modules if hasattr(module, 'PACKAGES')]
    for thread in threads:
        thread.start()
    for name, module in modules:
        if not hasattr(module, 'PACKAGES'):
            install(name, module)
    for thread in threads:
        thread.join()
    if errors:
        name, exc = errors[0]
        if isinstance(exc, common.LabError):
            raise common.LabError('%s install: %s' % (name, exc))
        raise exc


def cmd_up(names, wait=False):
    """Start the components.

    Those with ``PARALLEL = True`` (they need no other component running)
    start in threads beside the others.
    """
    start = time.monotonic()
    common.WAIT = wait
    threads, failures = [], []

    def run(name, module):
        try:
            _up_one(name, module)
        except BaseException as exc:  # reported after the others
            failures.append(exc)

    try:
        modules = load(names)
        install_all(modules)
        for name, module in modules:
            if getattr(module, 'PARALLEL', False):
                t = threading.Thread(target=run, args=(name, module),
                                     name='lab-%s' % name)
                t.start()
                threads.append(t)
        for name, module in modules:
            if not getattr(module, 'PARALLEL', False):
                _up_one(name, module)
    finally:
        for t in threads:
            t.join()
        lab = write_outputs()  # what is up stays usable after a failure
    if failures:
        raise failures[0]
    summary(lab)
    common.say('lab up in %.1fs' % (time.monotonic() - start))
    return 0


def cmd_down(names):
    for name, module in reversed(load(names)):
        module.down()
        common.unpublish(name)
        common.say('%s down' % name)
    if set(names) == set(COMPONENTS):
        for name in common.published():
            common.unpublish(name)
    write_outputs()
    return 0


def cmd_status(names):
    ok = True
    out = {}
    for name, module in load(names):
        try:
            st = module.status()
        except Exception as exc:  # a broken peer must not hide the others
            st = {'running': False, 'error': str(exc)}
        out[name] = st
        ok = ok and bool(st.get('running'))
    print(json.dumps(out, indent=2, sort_keys=True, default=str))
    return 0 if ok else 1


def cmd_bmc(parser, words):
    """``bmc set-sensor NAME SENSOR VALUE``, ``reset``, ``clear-sel``..."""
    from tools.lab import bmc
    arity = {'set-sensor': 3, 'reset': 1, 'freeze': 1, 'thaw': 1,
             'clear-sel': 1}
    if not words or words[0] not in arity or len(words) != arity[
            words[0]] + 1:
        parser.error('bmc: expected set-sensor NAME SENSOR VALUE, reset '
                     'NAME, clear-sel NAME, freeze NAME or thaw NAME')
    verb, name = words[0], words[1]
    if name not in bmc.BMCS:
        parser.error('bmc: no BMC %r (known: %s)' % (
            name, ', '.join(bmc.BMCS)))
    if verb == 'set-sensor':
        try:
            value = float(words[3])
        except ValueError:
            parser.error('bmc set-sensor: VALUE must be a number, not %r'
                         % words[3])
        bmc.set_sensor(name, words[2], value)
    else:
        {'reset': bmc.reset_sensors, 'clear-sel': bmc.clear_sel,
         'freeze': bmc.freeze, 'thaw': bmc.thaw}[verb](name)
    common.say('bmc %s %s: done' % (verb, ' '.join(words[1:])))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m tools.lab', description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 1)[1])
    parser.add_argument('command',
                        choices=['up', 'down', 'status', 'env', 'bmc'])
    parser.add_argument('words', nargs='*', metavar='ARG',
                        help='for bmc: the action and its arguments')
    parser.add_argument('--only', default=','.join(COMPONENTS),
                        help='comma-separated components (default: all)')
    parser.add_argument('--wait', action='store_true',
                        help='up: wait until Prometheus has samples')
    args = parser.parse_args(argv)
    if args.command == 'bmc':
        try:
            return cmd_bmc(parser, args.words)
        except common.LabError as exc:
            common.say('FAILED: %s' % exc)
            return 2
    if args.words:
        parser.error('unexpected arguments: %s' % ' '.join(args.words))
    names = [n for n in args.only.split(',') if n]
    unknown = sorted(set(names) - set(COMPONENTS))
    if unknown:
        parser.error('unknown component(s): %s' % ', '.join(unknown))
    names = [n for n in COMPONENTS if n in names]
    if args.command == 'env':
        print(env_line())
        return 0
    try:
        if args.command == 'up':
            return cmd_up(names, wait=args.wait)
        return {'down': cmd_down, 'status': cmd_status}[args.command](names)
    except common.LabError as exc:
        common.say('FAILED: %s' % exc)
        return 2


if __name__ == '__main__':
    sys.exit(main())
