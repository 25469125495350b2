"""Local test lab: ``python -m tools.lab up|down|status|env``.

Run from the repository root with the system ``python3``; this runner needs
only the standard library (PyYAML is used for clouds.yaml when importable).
Each component module (``bmc``, ``ironic``, ``nova``) provides ``install()``,
``up()``, ``down()`` and ``status()``; peers run from their own virtualenvs.

    python -m tools.lab up [--only bmc,ironic]
    python -m tools.lab status
    python -m tools.lab env          # prints the export line for clouds.yaml
    python -m tools.lab down [--only ...]
"""

import argparse
import importlib
import json
import sys
import time

from tools.lab import common

COMPONENTS = ['bmc', 'ironic', 'nova']
CLOUD = 'fleet-lab'
LAB_JSON = common.LAB_DIR / 'lab.json'
CLOUDS_YAML = common.LAB_DIR / 'clouds.yaml'


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
    return 'export OS_CLIENT_CONFIG_FILE=%s OS_CLOUD=%s' % (CLOUDS_YAML, CLOUD)


def write_outputs():
    """Merge published fragments into lab.json and clouds.yaml."""
    fragments = common.published()
    lab = {}
    cloud = {}
    for data in fragments.values():
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
    try:
        import yaml
        text = yaml.safe_dump(clouds, default_flow_style=False)
    except ImportError:
        text = json.dumps(clouds, indent=2) + '\n'
    CLOUDS_YAML.write_text(text)
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
    for key in sorted(lab):
        value = lab[key]
        if key in ('bmcs', 'clouds_yaml', 'cloud') or not isinstance(
                value, dict):
            continue
        parts = [str(value.get('endpoint', 'published'))]
        parts += ['%d %s' % (len(v), k) for k, v in sorted(value.items())
                  if isinstance(v, (list, dict))]
        common.say('%-7s %s' % (key + ':', ', '.join(parts)))
    common.say('lab.json: %s' % LAB_JSON)
    print(env_line())


def cmd_up(names):
    start = time.monotonic()
    try:
        for name, module in load(names):
            t0 = time.monotonic()
            module.install()
            module.up()
            common.say('%s up (%.1fs)' % (name, time.monotonic() - t0))
    finally:
        lab = write_outputs()  # what is up stays usable after a failure
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python -m tools.lab',
                                     description=__doc__.split('\n')[0])
    parser.add_argument('command', choices=['up', 'down', 'status', 'env'])
    parser.add_argument('--only', default=','.join(COMPONENTS),
                        help='comma-separated components (default: all)')
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(',') if n]
    unknown = sorted(set(names) - set(COMPONENTS))
    if unknown:
        parser.error('unknown component(s): %s' % ', '.join(unknown))
    names = [n for n in COMPONENTS if n in names]
    if args.command == 'env':
        print(env_line())
        return 0
    try:
        return {'up': cmd_up, 'down': cmd_down,
                'status': cmd_status}[args.command](names)
    except common.LabError as exc:
        common.say('FAILED: %s' % exc)
        return 2


if __name__ == '__main__':
    sys.exit(main())
