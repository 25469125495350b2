"""Simulated BMCs speaking real IPMI over LAN (OpenIPMI's ``ipmi_sim``).

Each lab BMC is one ``ipmi_sim`` process on 127.0.0.1 with its own UDP port,
one admin user, a ``chassis_control`` script that keeps power state and boot
device in files, and six threshold sensors described by full SDR records.
ipmitool (``-I lanplus -C 3``), pyghmi and Ironic's ``ipmi`` hardware type
all work against it.

Sensor readings are polled by ``ipmi_sim`` from one file per sensor (a raw
byte), so tests can change a reading while the BMC runs, e.g. a failed fan:
``bmc.set_sensor('lab-compute-1', 'Fan 2', 0)``.

Three more BMCs stand for telemetry faults (``fault`` in ``lab.json``):

``lab-hot-1``
    answers normally; its ``ipmi_sim`` console (``console_port``) makes
    ``set_sensor`` take effect at once (the file poll follows within 2 s),
    e.g. ``set_sensor('lab-hot-1', 'CPU Temp', 99)`` is critical. Two extra
    sensors: ``Fan 3`` reads in two's complement, so it can be pushed to a
    nonsense negative RPM, and ``Exhaust Temp`` has scanning disabled, so it
    never has a reading.
``lab-frozen-1`` (fault ``frozen``)
    an ``ipmi_sim`` stopped with SIGSTOP once it answered: the UDP port stays
    bound, nothing ever replies (``freeze()`` / ``thaw()``).
``lab-badpass-1`` (fault ``wrong-password``)
    its real admin password is in its own file (``password_file``); Ironic,
    and so fleet's inventory, is given the shared lab password
    (``inventory_password_file``), which this BMC refuses.

Layout under ``component_dir('bmc')``::

    password                  admin password of the lab BMCs (mode 0600)
    <name>/password           own password of the wrong-password BMC
    chassis_control.sh        shared chassis_control script
    <name>/lan.conf           LAN channel, user, chassis_control
    <name>/sim.emu            MC, SDRs, sensors and thresholds
    <name>/power, boot        chassis state kept by chassis_control.sh
    <name>/sensors/<num>      raw reading of sensor <num>
    <name>/state/             ipmi_sim's persistent state (-s)
"""

import hashlib
import os
import secrets
import shutil
import socket
import time

from tools.lab import bmc_sdr
from tools.lab import common
from tools.lab import ipmisim

USERNAME = 'admin'
MC_ADDR = bmc_sdr.MC_ADDR
SENSORS = bmc_sdr.SENSORS
EXTRA_SENSORS = bmc_sdr.EXTRA_SENSORS
FIRST_PORT = 9101 + common.PORT_OFFSET
CONSOLE_OFFSET = 100  # console of lab-hot-1 (UDP 9105): TCP 9205

# name -> per-host differences (initial readings, serial number)
BMCS = {
    'lab-compute-1': {'cpu': 52, 'inlet': 23, 'fans': (5400, 5520),
                      'watts': 240, 'volts': 12.06, 'serial': 'LAB0C0001'},
    'lab-compute-2': {'cpu': 48, 'inlet': 24, 'fans': (5280, 5340),
                      'watts': 228, 'volts': 12.0, 'serial': 'LAB0C0002'},
    'lab-ctl-1': {'cpu': 41, 'inlet': 22, 'fans': (4200, 4260),
                  'watts': 164, 'volts': 12.12, 'serial': 'LAB0N0001'},
    'lab-storage-1': {'cpu': 38, 'inlet': 25, 'fans': (6000, 6120),
                      'watts': 312, 'volts': 11.94, 'serial': 'LAB0S0001'},
    # Telemetry faults (see the module docstring).
    'lab-hot-1': {'cpu': 55, 'inlet': 24, 'fans': (5640, 5700, 5580),
                  'watts': 252, 'volts': 12.06, 'exhaust': 31,
                  'serial': 'LAB0T0001', 'console': True, 'extra': True},
    'lab-frozen-1': {'cpu': 50, 'inlet': 23, 'fans': (5100, 5160),
                     'watts': 236, 'volts': 12.0, 'serial': 'LAB0T0002',
                     'fault': 'frozen'},
    'lab-badpass-1': {'cpu': 47, 'inlet': 22, 'fans': (5220, 5280),
                      'watts': 230, 'volts': 12.0, 'serial': 'LAB0T0003',
                      'fault': 'wrong-password'},
}

CHASSIS_SCRIPT = r'''#!/bin/sh
# chassis_control for ipmi_sim: $0 <bmc-dir> get parm... | set parm val...
# Keeps power (1/0) and boot device (none/pxe/default) in <bmc-dir>/<parm>.
dir=$1; op=$2; shift 2
case $op in
get)
    for p in "$@"; do
        case $p in
        power) v=$(cat "$dir/power" 2>/dev/null || echo 0) ;;
        boot) v=$(cat "$dir/boot" 2>/dev/null || echo default) ;;
        *) echo "unsupported parameter $p"; exit 1 ;;
        esac
        echo "$p:$v"
    done ;;
set)
    while [ $# -ge 2 ]; do
        case $1 in
        power|boot) echo "$2" > "$dir/$1.tmp" && mv "$dir/$1.tmp" "$dir/$1" ;;
        shutdown) [ "$2" = 1 ] && echo 0 > "$dir/power" ;;
        esac
        shift 2
    done ;;
check) ;;
*) echo "unknown operation $op"; exit 1 ;;
esac
exit 0
'''


def _root():
    return common.component_dir('bmc')


def bmc_dir(name):
    return _root() / name


def sensors_of(name):
    """The sensor definitions of BMC ``name``."""
    return SENSORS + (EXTRA_SENSORS if BMCS[name].get('extra') else [])


def fault_of(name):
    """``None``, ``'frozen'`` or ``'wrong-password'``."""
    return BMCS[name].get('fault')


def password_file(name=None):
    """Path of the file holding a BMC's password (created once).

    Every BMC shares the lab password except the wrong-password BMC, whose
    own file the inventory never learns.
    """
    if name and fault_of(name) == 'wrong-password':
        path = bmc_dir(name) / 'password'
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        path = _root() / 'password'
    if not path.exists():
        old = os.umask(0o077)
        try:
            path.write_text('lab-%s\n' % secrets.token_hex(4))
        finally:
            os.umask(old)
    return path


def password(name=None):
    return password_file(name).read_text().strip()


def port_of(name):
    return FIRST_PORT + list(BMCS).index(name)


def console_port(name):
    """TCP port of the BMC's ipmi_sim console, or None."""
    if BMCS[name].get('console'):
        return port_of(name) + CONSOLE_OFFSET
    return None


def install():
    """Install ipmi_sim and ipmitool from Debian packages if missing."""
    if shutil.which('ipmi_sim') and shutil.which('ipmitool'):
        return
    apt = ['apt-get', 'install', '-y', '-q', 'openipmi', 'ipmitool']
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    common.say('installing openipmi and ipmitool (apt-get)')
    if common.run(apt, env=env, check=False) != 0:
        common.run(['apt-get', 'update', '-q'], env=env)
        common.run(apt, env=env)


# -- configuration files ----------------------------------------------------

def _initial(sensor, profile):
    key = sensor['key']
    if isinstance(key, tuple):
        return profile[key[0]][key[1]]
    return profile[key]


def render_emu(name):
    """The ipmi_sim command file: one BMC with SEL, SDRs and sensors."""
    lines = [
        '# generated by tools/lab/bmc.py for %s' % name,
        'mc_setbmc 0x20',
        'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02',
        'sel_enable 0x20 1000 0x0a',
    ]
    sdir = bmc_dir(name) / 'sensors'
    for s in sensors_of(name):
        th = [None if v is None else bmc_sdr.raw_value(s, v)
              for v in s['thresholds']]
        enabled = ''.join('0' if v is None else '1' for v in reversed(th))
        values = ' '.join('0x%02x' % (v or 0) for v in reversed(th))
        bits = format(bmc_sdr.event_bits(s), '015b')
        initial = _initial(s, BMCS[name])
        lines += [
            '# %s' % s['name'],
            'sensor_add 0x20 0 %d 0x%02x 0x01 poll 2000 file "%s"' % (
                s['num'], s['type'], sdir / str(s['num'])),
            'sensor_set_value 0x20 0 %d %d 0' % (
                s['num'], bmc_sdr.raw_value(s, initial)),
            'sensor_set_threshold 0x20 0 %d settable %s %s' % (
                s['num'], enabled, values),
            'sensor_set_event_support 0x20 0 %d enable %s per-state '
            '%s %s %s %s' % (s['num'], 'scanning' if s.get('scanning', True)
                             else 'no-scanning', bits, bits, bits, bits),
            'main_sdr_add 0x20 ' + ' '.join(
                '0x%02x' % b for b in bmc_sdr.sdr_record(s, initial)),
        ]
    lines.append('mc_enable 0x20')
    return '\n'.join(lines) + '\n'


def render_lan_conf(name):
    """lan.conf: LAN channel on 127.0.0.1:<port>, one admin user."""
    guid = hashlib.md5(name.encode()).hexdigest()
    script = _root() / 'chassis_control.sh'
    console = console_port(name)
    return '\n'.join([
        'name "%s"' % name,
        'set_working_mc 0x20',
    ] + (['  console %s %d' % (common.HOST, console)] if console else []) + [
        '  startlan 1',
        '    addr %s %d' % (common.HOST, port_of(name)),
        '    priv_limit admin',
        '    allowed_auths_callback none md2 md5 straight',
        '    allowed_auths_user md2 md5 straight',
        '    allowed_auths_operator md2 md5 straight',
        '    allowed_auths_admin md2 md5 straight',
        '    guid %s' % guid,
        '  endlan',
        '  chassis_control "%s %s"' % (script, bmc_dir(name)),
        '  user 2 true "%s" "%s" admin 10 md2 md5 straight' % (
            USERNAME, password(name)),
        '',
    ])


def write_config(name, reset_sensors=True):
    """Write lan.conf, sim.emu and initial state files for one BMC.

    Power state and boot device survive restarts (like real hardware);
    sensor readings go back to their initial values when ``reset_sensors``.
    """
    d = bmc_dir(name)
    (d / 'state').mkdir(parents=True, exist_ok=True)
    (d / 'sensors').mkdir(exist_ok=True)
    old = os.umask(0o077)
    try:
        (d / 'lan.conf').write_text(render_lan_conf(name))
    finally:
        os.umask(old)
    (d / 'sim.emu').write_text(render_emu(name))
    for fname, value in (('power', '1'), ('boot', 'default')):
        if not (d / fname).exists():
            (d / fname).write_text(value + '\n')
    for s in sensors_of(name):
        path = d / 'sensors' / str(s['num'])
        if reset_sensors or not path.exists():
            path.write_text('%d\n' % bmc_sdr.raw_value(
                s, _initial(s, BMCS[name])))


def set_sensor(name, sensor_name, value):
    """Change a sensor reading (engineering units).

    Seen within ~2 s (the file poll), at once on a BMC with a console. A
    reading that crosses a threshold adds events to the BMC's SEL.
    """
    sensors = {s['name']: s for s in sensors_of(name)}
    if sensor_name not in sensors:
        raise common.LabError('%s has no sensor %r (it has: %s)' % (
            name, sensor_name, ', '.join(sensors)))
    sensor = sensors[sensor_name]
    raw = bmc_sdr.raw_value(sensor, value)
    path = bmc_dir(name) / 'sensors' / str(sensor['num'])
    tmp = path.with_suffix('.tmp')
    tmp.write_text('%d\n' % raw)
    tmp.replace(path)
    console = console_port(name)
    if console and common.pid_of(_proc(name)) and not is_frozen(name):
        try:
            ipmisim.console_command(console, 'sensor_set_value 0x%02x 0 %d '
                                    '%d 1' % (MC_ADDR, sensor['num'], raw))
        except ipmisim.ConsoleError as exc:
            raise common.LabError(str(exc))


def reset_sensors(name):
    """Put every sensor of ``name`` back to its initial reading."""
    for s in sensors_of(name):
        set_sensor(name, s['name'], _initial(s, BMCS[name]))


def clear_sel(name):
    """Empty the BMC's SEL over IPMI (``ipmitool sel clear``).

    The SEL holds 1000 entries; a full SEL records no new events, and every
    threshold crossing adds up to three.
    """
    common.run(['ipmitool', '-I', 'lanplus', '-C', '3', '-H', common.HOST,
                '-p', port_of(name), '-U', USERNAME,
                '-f', password_file(name), '-N', '1', '-R', '2',
                'sel', 'clear'])


def freeze(name):
    """Stop BMC ``name`` answering (SIGSTOP); its port stays bound."""
    pid = common.pid_of(_proc(name))
    if not pid:
        raise common.LabError('%s is not running' % name)
    if not ipmisim.freeze(pid):
        raise common.LabError('%s (pid %d) did not stop' % (name, pid))


def thaw(name):
    """Let a frozen BMC answer again (SIGCONT)."""
    pid = common.pid_of(_proc(name))
    if pid:
        ipmisim.thaw(pid)


def is_frozen(name):
    return ipmisim.is_frozen(common.pid_of(_proc(name)))


# -- processes ----------------------------------------------------------------

def _proc(name):
    return 'bmc-%s' % name


def rmcp_ping(port, timeout=0.5, host=common.HOST):
    """True if an RMCP/ASF presence ping on ``host:port`` gets a pong."""
    ping = bytes([0x06, 0x00, 0xFF, 0x06, 0x00, 0x00, 0x11, 0xBE,
                  0x80, 0x01, 0x00, 0x00])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.sendto(ping, (host, port))
            data = sock.recv(512)
        except OSError:
            return False
    return len(data) >= 9 and data[8] == 0x40


def _wait_ready(name, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not common.pid_of(_proc(name)):
            raise common.LabError('%s exited during start-up:\n%s' % (
                _proc(name), common.log_tail(_proc(name))))
        if rmcp_ping(port_of(name), timeout=0.2):
            return
    raise common.LabError('%s does not answer RMCP ping on port %d' % (
        name, port_of(name)))


def up():
    """Start every lab BMC (once), freeze the frozen one, publish them."""
    script = _root() / 'chassis_control.sh'
    script.write_text(CHASSIS_SCRIPT)
    script.chmod(0o755)
    password_file()
    for name in BMCS:
        write_config(name, reset_sensors=not common.pid_of(_proc(name)))
        d = bmc_dir(name)
        common.spawn(_proc(name), [
            shutil.which('ipmi_sim') or 'ipmi_sim', '-n',
            '-c', d / 'lan.conf', '-f', d / 'sim.emu', '-s', d / 'state'])
    for name in BMCS:
        if not is_frozen(name):
            _wait_ready(name)
    for name in BMCS:
        if fault_of(name) == 'frozen' and not is_frozen(name):
            freeze(name)
    common.publish('bmc', {'bmcs': [describe(name) for name in BMCS]})
    common.say('bmc: %d simulated BMCs on %s:%d-%d (faults: %s)' % (
        len(BMCS), common.HOST, FIRST_PORT, FIRST_PORT + len(BMCS) - 1,
        ', '.join('%s %s' % (n, fault_of(n)) for n in BMCS if fault_of(n))))


def describe(name):
    """The ``lab.json`` entry of one BMC (paths to passwords, no secret)."""
    return {
        'name': name,
        'address': common.HOST,
        'port': port_of(name),
        'username': USERNAME,
        'password_file': str(password_file(name)),
        'inventory_password_file': str(password_file()),
        'fault': fault_of(name),
        'console_port': console_port(name),
        'serial': BMCS[name]['serial'],
        'sensors': [s['name'] for s in sensors_of(name)],
    }


def down():
    """Stop every lab BMC; state (power, password) stays for the next up."""
    for name in BMCS:
        thaw(name)  # a stopped process would not see SIGTERM
        common.stop(_proc(name))
    common.unpublish('bmc')


def status():
    """{'running': all up?, 'bmcs': {name: {pid, port, power, ...}}}."""
    bmcs = {}
    for name in BMCS:
        power = bmc_dir(name) / 'power'
        bmcs[name] = {
            'pid': common.pid_of(_proc(name)),
            'port': port_of(name),
            'power': ('on' if power.exists()
                      and power.read_text().strip() == '1' else 'off'),
        }
        if fault_of(name):
            bmcs[name]['fault'] = fault_of(name)
        if fault_of(name) == 'frozen':
            bmcs[name]['frozen'] = is_frozen(name)
    return {'running': all(b['pid'] for b in bmcs.values()), 'bmcs': bmcs}
