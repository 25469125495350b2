"""IPMI sweep of N simulated BMCs: the ipmi collector beside plain pyghmi.

Starts N ``ipmi_sim`` processes (OpenIPMI, about 4 MB each) on 127.0.0.1,
UDP ports from ``--first-port`` (a private range, away from the lab's),
each with the lab's six threshold sensors (``tools/lab`` SDR writers), and
stops them at the end. Then alternates, ``--rounds`` times each:

- the baseline: plain pyghmi with the same thread pool and the lost-wakeup
  stall fixed, per BMC ``get_power()``, ``list(get_sensor_data())`` and
  ``Get SEL Info``, keeping nothing;
- a sweep of the ``ipmi`` collector (power, every SDR sensor with
  thresholds and health, SEL check) returning readings.

Both run on warm sessions (the first collector sweep, with logins and SDR
downloads, is printed apart); ``--dead N`` adds a last sweep with N more
BMCs that never answer (bound UDP ports nobody reads). Prints wall time
per sweep, client CPU per BMC (process CPU time of this Python process,
all threads) and the ratio.
Run it under ``flock /tmp/fleet-bench.lock``::

    .venv/bin/python benchmarks/ipmi_sweep.py --bmcs 50 200 [--workers 32]
"""

import argparse
import concurrent.futures
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))

try:  # the lab's SDR encoding (tools/lab/bmc_sdr.py once split out)
    from tools.lab import bmc_sdr as lab_sdr
    raw_value, event_bits = lab_sdr.raw_value, lab_sdr.event_bits
except ImportError:
    from tools.lab import bmc as lab_sdr
    raw_value, event_bits = lab_sdr._raw, lab_sdr._event_bits

PROFILE = {'cpu': 45, 'inlet': 23, 'fans': (5400, 5520), 'watts': 240,
           'volts': 12.06}
USER, PASSWORD = 'admin', 'bench-pass'


def _initial(sensor):
    key = sensor['key']
    return PROFILE[key[0]][key[1]] if isinstance(key, tuple) else \
        PROFILE[key]


def write_bmc(root, index, port):
    """lan.conf and sim.emu of one benchmark BMC; returns its directory."""
    d = os.path.join(root, 'bmc%04d' % index)
    os.makedirs(os.path.join(d, 'state'))
    emu = ['mc_setbmc 0x20',
           'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02',
           'sel_enable 0x20 1000 0x0a']
    for s in lab_sdr.SENSORS:
        th = [None if v is None else raw_value(s, v)
              for v in s['thresholds']]
        enabled = ''.join('0' if v is None else '1' for v in reversed(th))
        values = ' '.join('0x%02x' % (v or 0) for v in reversed(th))
        bits = format(event_bits(s), '015b')
        emu += [
            'sensor_add 0x20 0 %d 0x%02x 0x01' % (s['num'], s['type']),
            'sensor_set_value 0x20 0 %d %d 0' % (
                s['num'], raw_value(s, _initial(s))),
            'sensor_set_threshold 0x20 0 %d settable %s %s' % (
                s['num'], enabled, values),
            'sensor_set_event_support 0x20 0 %d enable scanning per-state '
            '%s %s %s %s' % (s['num'], bits, bits, bits, bits),
            'main_sdr_add 0x20 ' + ' '.join(
                '0x%02x' % b for b in lab_sdr.sdr_record(s, _initial(s))),
        ]
    emu.append('mc_enable 0x20')
    with open(os.path.join(d, 'sim.emu'), 'w') as f:
        f.write('\n'.join(emu) + '\n')
    with open(os.path.join(d, 'power'), 'w') as f:
        f.write('1\n')
    with open(os.path.join(d, 'lan.conf'), 'w') as f:
        f.write('\n'.join([
            'name "bench%04d"' % index,
            'set_working_mc 0x20',
            '  startlan 1',
            '    addr 127.0.0.1 %d' % port,
            '    priv_limit admin',
            '    allowed_auths_callback none md2 md5 straight',
            '    allowed_auths_user md2 md5 straight',
            '    allowed_auths_operator md2 md5 straight',
            '    allowed_auths_admin md2 md5 straight',
            '    guid %032x' % (index + 1),
            '  endlan',
            '  chassis_control "%s %s"' % (
                os.path.join(root, 'chassis_control.sh'), d),
            '  user 2 true "%s" "%s" admin 10 md2 md5 straight' % (
                USER, PASSWORD),
            '']))
    return d


def rmcp_ping(port, timeout=0.2):
    ping = bytes([0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE,
                  0x80, 0x01, 0x00, 0x00])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(ping, ('127.0.0.1', port))
            return len(sock.recv(512)) >= 9
        except OSError:
            return False


def start_bmcs(root, count, first_port):
    """Start ``count`` ipmi_sim processes; returns [(proc, port)]."""
    script = os.path.join(root, 'chassis_control.sh')
    with open(script, 'w') as f:
        f.write(lab_sdr.CHASSIS_SCRIPT if hasattr(lab_sdr, 'CHASSIS_SCRIPT')
                else _chassis_script())
    os.chmod(script, 0o755)
    procs = []
    log = open(os.path.join(root, 'ipmi_sim.log'), 'ab')
    for i in range(count):
        port = first_port + i
        d = write_bmc(root, i, port)
        procs.append((subprocess.Popen(
            [shutil.which('ipmi_sim'), '-n', '-c',
             os.path.join(d, 'lan.conf'), '-f', os.path.join(d, 'sim.emu'),
             '-s', os.path.join(d, 'state')],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True), port))
    deadline = time.monotonic() + 60 + count * 0.1
    for proc, port in procs:
        while not rmcp_ping(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_bmcs(procs)
                raise SystemExit('ipmi_sim on port %d did not start' % port)
    return procs


def _chassis_script():
    from tools.lab import bmc
    return bmc.CHASSIS_SCRIPT


def stop_bmcs(procs):
    for proc, _port in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc, _port in procs:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def baseline_sweep(commands, workers):
    """Plain pyghmi: power, all sensors, SEL info per BMC; keep nothing."""
    def one(cmd):
        cmd.get_power()
        for _reading in cmd.get_sensor_data():
            pass
        cmd.xraw_command(netfn=0x0a, command=0x40)

    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(one, commands):
            pass


def measure(func):
    wall, cpu = time.monotonic(), time.process_time()
    out = func()
    return time.monotonic() - wall, time.process_time() - cpu, out


def bench(count, workers, rounds, first_port, timeout, dead=0):
    from pyghmi.ipmi import command

    from fleet.plugins.collectors import ipmi
    from fleet.plugins.collectors import ipmi_session
    from fleet.plugins.collectors import ipmi_stall

    root = tempfile.mkdtemp(prefix='fleet-ipmi-bench-')
    t0 = time.monotonic()
    procs = start_bmcs(root, count, first_port)
    print('\n%d BMCs started in %.1f s (ports %d-%d), %d workers' % (
        count, time.monotonic() - t0, first_port, first_port + count - 1,
        workers))
    try:
        ipmi_stall.install()
        creds = {'bmc%04d' % i: ('127.0.0.1', port, USER, PASSWORD)
                 for i, (_p, port) in enumerate(procs)}
        ids = list(creds)
        collector = ipmi.IPMICollector(None)
        collector.workers, collector.timeout = workers, timeout
        wall, cpu, sweep = measure(lambda: collector.collect(ids, creds))
        print('collector first sweep (login + SDR): %.2f s, %.1f ms CPU/BMC,'
              ' %d readings, %d failed' % (wall, cpu * 1000 / count,
                                           len(sweep), len(sweep.failures)))
        if sweep.failures:
            # Measuring warm sweeps needs every BMC logged in.
            print('stopping: %d BMCs failed the first sweep, e.g. %s' % (
                len(sweep.failures), next(iter(sweep.failures.values()))))
            return None
        commands = []
        for a, p, u, pw in creds.values():
            # pyghmi 1.6.19 hangs on a second session with the same
            # credentials unless its stale login entry is dropped.
            ipmi_session.forget_login_attempt(
                ipmi_session.Credentials(a, p, u, pw))
            commands.append(command.Command(bmc=a, port=p, userid=u,
                                            password=pw))
        baseline_sweep(commands, workers)  # warm the baseline's threads
        base, coll = [], []
        for _ in range(rounds):
            base.append(measure(lambda: baseline_sweep(commands, workers)))
            coll.append(measure(lambda: collector.collect(ids, creds)))
            failed = len(coll[-1][2].failures)
            if failed:
                print('  collector sweep: %d BMCs failed, e.g. %s' % (
                    failed, next(iter(coll[-1][2].failures.values()))))
        if dead:
            # BMCs that never answer: bound UDP ports nobody reads.
            socks = []
            for i in range(dead):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind(('127.0.0.1', 0))
                socks.append(sock)
                creds['dead%03d' % i] = ('127.0.0.1', sock.getsockname()[1],
                                         USER, PASSWORD)
            for _ in range(2):  # the second knows which failed before
                wall, cpu, sweep = measure(
                    lambda: collector.collect(list(creds), creds))
                print('collector sweep with %d dead BMCs (timeout %gs): '
                      '%.2f s, %d failed, %d read' % (
                          dead, timeout, wall, len(sweep.failures),
                          sweep.devices_read))
            for sock in socks:
                sock.close()
        bw, bc = min(b[0] for b in base), min(b[1] for b in base)
        cw, cc = min(c[0] for c in coll), min(c[1] for c in coll)
        readings = len(coll[-1][2])
        print('%-34s %9s %14s' % ('warm sweep (best of %d)' % rounds,
                                  'wall', 'CPU per BMC'))
        print('%-34s %8.2fs %11.2f ms' % ('baseline: plain pyghmi', bw,
                                          bc * 1000 / count))
        print('%-34s %8.2fs %11.2f ms' % ('ipmi collector (%d readings)'
                                          % readings, cw, cc * 1000 / count))
        print('%-34s %8.2fx %11.2fx' % ('ratio collector / baseline',
                                        cw / bw, cc / bc))
        print('all walls: baseline %s; collector %s' % (
            ' '.join('%.2f' % b[0] for b in base),
            ' '.join('%.2f' % c[0] for c in coll)))
        collector.close()
        return dict(bmcs=count, baseline=bw, collector=cw,
                    ratio=cw / bw, cpu_baseline=bc / count,
                    cpu_collector=cc / count)
    finally:
        stop_bmcs(procs)
        shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--bmcs', type=int, nargs='+', default=[50, 200])
    parser.add_argument('--workers', type=int, default=32)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--timeout', type=float, default=10.0)
    parser.add_argument('--first-port', type=int, default=41000)
    parser.add_argument('--dead', type=int, default=0,
                        help='then one more sweep with this many BMCs '
                             'that never answer')
    args = parser.parse_args()
    # A SIGTERM (timeout(1), a killed job) still stops the BMCs (finally:).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not shutil.which('ipmi_sim'):
        raise SystemExit('ipmi_sim not found: apt-get install openipmi')
    for count in args.bmcs:
        bench(count, args.workers, args.rounds, args.first_port,
              args.timeout, args.dead)


if __name__ == '__main__':
    main()
