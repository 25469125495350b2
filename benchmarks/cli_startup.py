"""CLI start-up: whole-process timings, paired with yardsticks.

Builds a SQLite inventory of N devices (default 1,000) through the CLI
(``fleet inventory sync static``), then runs each command as its own
process, alternating with its yardstick in one run so that a change in
the machine's speed weighs on both alike, and prints the median of each
and the ratios against the goals of the start-up work:

- ``fleet device list`` at most 1.4x ``python -c "import sqlalchemy.orm"``
- ``openstack fleet device list`` at most 1.4x ``openstack --version``
- ``fleet --help``: printed beside the same yardstick, to compare runs

::

    python benchmarks/cli_startup.py [--runs 15] [--devices 1000]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.dirname(sys.executable)
GOAL = 1.4


def build_inventory(work, devices, env):
    """Write a config file and load N devices through the CLI."""
    conf = os.path.join(work, 'fleet.conf')
    with open(conf, 'w') as f:
        f.write('[database]\nconnection = sqlite:///%s\n'
                % os.path.join(work, 'fleet.sqlite'))
    per_rack = 40
    doc = {'clouds': [{'name': 'bench'}],
           'regions': [{'name': 'RegionOne', 'cloud': 'bench'}],
           'racks': [{'name': 'rack-%02d' % k, 'region': 'RegionOne'}
                     for k in range((devices + per_rack - 1) // per_rack)],
           'devices': [{'name': 'node-%04d' % i, 'region': 'RegionOne',
                        'rack': 'rack-%02d' % (i // per_rack),
                        'role': 'compute' if i % 10 else 'storage',
                        'serial': 'SN%06d' % i,
                        'mgmt_address': '10.0.%d.%d' % (i // 250, i % 250)}
                       for i in range(devices)]}
    assets = os.path.join(work, 'assets.json')
    with open(assets, 'w') as f:
        json.dump(doc, f)
    subprocess.run([os.path.join(BIN, 'fleet'), '--config-file', conf,
                    'inventory', 'sync', 'static', '--file', assets],
                   check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=300)
    return conf


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv, env):
    """Run one process; return (wall seconds, CPU seconds, stdout).

    CPU time (user + system of the finished child) is steadier than wall
    time on a machine that others share.
    """
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120)
    took = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    if proc.returncode:
        sys.exit('%s failed (%d): %s' % (' '.join(argv), proc.returncode,
                                         proc.stderr.decode()[-2000:]))
    return took, cpu, proc.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=15,
                        help='runs of each command (the median is kept)')
    parser.add_argument('--devices', type=int, default=1000)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix='fleet-cli-bench-')
    # An empty home: no operator fleet.conf or clouds.yaml leaks in.
    env = {'PATH': BIN + os.pathsep + '/usr/bin:/bin', 'HOME': work,
           'LANG': 'C.UTF-8'}
    conf = build_inventory(work, args.devices, env)
    env['FLEET_CONFIG_FILE'] = conf
    py = os.path.join(BIN, 'python')
    fleet = os.path.join(BIN, 'fleet')
    osc = os.path.join(BIN, 'openstack')
    commands = {
        'import sqlalchemy.orm': [py, '-c', 'import sqlalchemy.orm'],
        'fleet device list': [fleet, 'device', 'list'],
        'fleet --help': [fleet, '--help'],
        'openstack --version': [osc, '--version'],
        'openstack fleet device list': [osc, 'fleet', 'device', 'list'],
    }
    # Check the commands list what was loaded before timing them.
    for name in ('fleet device list', 'openstack fleet device list'):
        out = run_once(commands[name] + ['-f', 'value', '-c', 'Name'],
                       env)[2]
        listed = len(out.splitlines())
        if listed != args.devices:
            sys.exit('%s listed %d devices, not %d'
                     % (name, listed, args.devices))
    wall = {name: [] for name in commands}
    cpu = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            took, used, _out = run_once(argv, env)
            wall[name].append(took)
            cpu[name].append(used)
    print('openstack-fleet CLI start-up: %d devices on SQLite, median of %d '
          'runs, commands alternating' % (args.devices, args.runs))
    print('%-30s %8s %8s %8s %8s' % ('', 'wall', 'min', 'max', 'CPU'))
    for name in commands:
        print('%-30s %6.3f s %6.3f s %6.3f s %6.3f s'
              % (name, statistics.median(wall[name]), min(wall[name]),
                 max(wall[name]), statistics.median(cpu[name])))
    print()
    print('%-30s %8s %8s' % ('ratio', 'wall', 'CPU'))
    for name, base in (('fleet device list', 'import sqlalchemy.orm'),
                       ('fleet --help', 'import sqlalchemy.orm'),
                       ('openstack fleet device list',
                        'openstack --version')):
        ratios = [statistics.median(t[name]) / statistics.median(t[base])
                  for t in (wall, cpu)]
        goal = '' if name == 'fleet --help' else '  goal <= %.1fx: %s' % (
            GOAL, 'met' if ratios[0] <= GOAL else 'NOT met')
        print('%-30s %7.2fx %7.2fx  of %s%s'
              % (name, ratios[0], ratios[1], base, goal))


if __name__ == '__main__':
    main()
