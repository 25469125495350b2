"""Simulated BMCs speaking real IPMI over LAN (OpenIPMI's ``ipmi_sim``).

Each lab BMC is one ``ipmi_sim`` process on 127.0.0.1 with its own UDP port,
one admin user, a ``chassis_control`` script that keeps power state and boot
device in files, and six threshold sensors described by full SDR records.
ipmitool (``-I lanplus -C 3``), pyghmi and Ironic's ``ipmi`` hardware type
all work against it.

Sensor readings are polled by ``ipmi_sim`` from one file per sensor (a raw
byte), so tests can change a reading while the BMC runs, e.g. a failed fan:
``bmc.set_sensor('lab-compute-1', 'Fan 2', 0)``.

Layout under ``component_dir('bmc')``::

    password                  admin password of every lab BMC (mode 0600)
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

from tools.lab import common

USERNAME = 'admin'
FIRST_PORT = 9101
MC_ADDR = 0x20

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
}

# IPMI codes used in the SDRs (IPMI 2.0 spec, tables 42-3, 43-13, 43-15)
TYPE_TEMP, TYPE_VOLT, TYPE_FAN, TYPE_PSU = 0x01, 0x02, 0x04, 0x08
UNIT_DEGC, UNIT_VOLTS, UNIT_WATTS, UNIT_RPM = 1, 4, 6, 18
ENT_CPU, ENT_BOARD, ENT_PSU, ENT_FAN, ENT_INLET = 0x03, 0x07, 0x0A, 0x1D, 0x37

# Thresholds in engineering units, order LNC, LCR, LNR, UNC, UCR, UNR
# (None = not supported). ``m``/``rexp``: reading = m * raw * 10**rexp.
SENSORS = [
    dict(num=1, name='CPU Temp', type=TYPE_TEMP, unit=UNIT_DEGC,
         entity=(ENT_CPU, 1), m=1, rexp=0, key='cpu',
         thresholds=(None, None, None, 85, 95, 105)),
    dict(num=2, name='Inlet Temp', type=TYPE_TEMP, unit=UNIT_DEGC,
         entity=(ENT_INLET, 1), m=1, rexp=0, key='inlet',
         thresholds=(None, None, None, 35, 40, 45)),
    dict(num=3, name='Fan 1', type=TYPE_FAN, unit=UNIT_RPM,
         entity=(ENT_FAN, 1), m=60, rexp=0, key=('fans', 0),
         thresholds=(1200, 900, 600, None, None, None)),
    dict(num=4, name='Fan 2', type=TYPE_FAN, unit=UNIT_RPM,
         entity=(ENT_FAN, 2), m=60, rexp=0, key=('fans', 1),
         thresholds=(1200, 900, 600, None, None, None)),
    dict(num=5, name='PSU1 Power', type=TYPE_PSU, unit=UNIT_WATTS,
         entity=(ENT_PSU, 1), m=4, rexp=0, key='watts',
         thresholds=(None, None, None, 700, 800, 900)),
    dict(num=6, name='12V', type=TYPE_VOLT, unit=UNIT_VOLTS,
         entity=(ENT_BOARD, 1), m=6, rexp=-2, key='volts',
         thresholds=(11.4, 10.8, 10.2, 12.6, 13.2, 13.8)),
]

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


def password_file():
    """Path of the file holding the BMC password (created once)."""
    path = _root() / 'password'
    if not path.exists():
        old = os.umask(0o077)
        try:
            path.write_text('lab-%s\n' % secrets.token_hex(4))
        finally:
            os.umask(old)
    return path


def password():
    return password_file().read_text().strip()


def port_of(name):
    return FIRST_PORT + list(BMCS).index(name)


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

def _raw(sensor, value):
    """Engineering value -> raw byte for ``sensor``."""
    raw = round(value / (sensor['m'] * 10 ** sensor['rexp']))
    return max(0, min(255, raw))


def _initial(sensor, profile):
    key = sensor['key']
    if isinstance(key, tuple):
        return profile[key[0]][key[1]]
    return profile[key]


def sdr_record(sensor, nominal):
    """Full sensor record (SDR type 0x01) for a linear threshold sensor.

    ``nominal`` is the nominal reading in engineering units.
    """
    th = [None if v is None else _raw(sensor, v) for v in sensor['thresholds']]
    mask = sum(1 << i for i, v in enumerate(th) if v is not None)
    events = _event_bits(sensor)
    lower_read = (mask & 0x07) << 12
    upper_read = (mask & 0x38) << 9
    name = sensor['name'].encode('ascii')[:16]
    rexp = sensor['rexp'] & 0x0F
    body = [
        MC_ADDR, 0x00, sensor['num'],                 # owner, LUN, number
        sensor['entity'][0], sensor['entity'][1],
        0x67,                                         # init: scan, events
        0x68,                                         # caps: rearm, thr r/w
        sensor['type'], 0x01,                         # threshold reading
        (events | lower_read) & 0xFF, (events | lower_read) >> 8,
        (events | upper_read) & 0xFF, (events | upper_read) >> 8,
        mask, mask,                                   # readable, settable
        0x00, sensor['unit'], 0x00,                   # unsigned, unit
        0x00,                                         # linear
        sensor['m'] & 0xFF, (sensor['m'] >> 8) << 6,  # M, tolerance
        0x00, 0x00, 0x00,                             # B, accuracy
        rexp << 4,                                    # R exp, B exp 0
        0x01, _raw(sensor, nominal),                  # nominal given
        0x00, 0x00, 0xFF, 0x00,                       # normal/sensor max/min
    ]
    body += [v or 0 for v in reversed(th)]            # UNR..LNC
    body += [0x00, 0x00, 0x00, 0x00, 0x00]            # hysteresis, rsvd, OEM
    body += [0xC0 | len(name)] + list(name)
    header = [sensor['num'] & 0xFF, sensor['num'] >> 8, 0x51, 0x01, len(body)]
    return header + body


def _event_bits(sensor):
    """Assertion events: lower thresholds going low, upper going high."""
    bits = 0
    for i, v in enumerate(sensor['thresholds']):
        if v is not None:
            bits |= 1 << (2 * i if i < 3 else 2 * i + 1)
    return bits


def render_emu(name):
    """The ipmi_sim command file: one BMC with SEL, SDRs and sensors."""
    lines = [
        '# generated by tools/lab/bmc.py for %s' % name,
        'mc_setbmc 0x20',
        'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02',
        'sel_enable 0x20 1000 0x0a',
    ]
    sdir = bmc_dir(name) / 'sensors'
    for s in SENSORS:
        th = [None if v is None else _raw(s, v) for v in s['thresholds']]
        enabled = ''.join('0' if v is None else '1' for v in reversed(th))
        values = ' '.join('0x%02x' % (v or 0) for v in reversed(th))
        bits = format(_event_bits(s), '015b')
        initial = _initial(s, BMCS[name])
        lines += [
            '# %s' % s['name'],
            'sensor_add 0x20 0 %d 0x%02x 0x01 poll 2000 file "%s"' % (
                s['num'], s['type'], sdir / str(s['num'])),
            'sensor_set_value 0x20 0 %d %d 0' % (s['num'], _raw(s, initial)),
            'sensor_set_threshold 0x20 0 %d settable %s %s' % (
                s['num'], enabled, values),
            'sensor_set_event_support 0x20 0 %d enable scanning per-state '
            '%s %s %s %s' % (s['num'], bits, bits, bits, bits),
            'main_sdr_add 0x20 ' + ' '.join(
                '0x%02x' % b for b in sdr_record(s, initial)),
        ]
    lines.append('mc_enable 0x20')
    return '\n'.join(lines) + '\n'


def render_lan_conf(name):
    """lan.conf: LAN channel on 127.0.0.1:<port>, one admin user."""
    guid = hashlib.md5(name.encode()).hexdigest()
    script = _root() / 'chassis_control.sh'
    return '\n'.join([
        'name "%s"' % name,
        'set_working_mc 0x20',
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
            USERNAME, password()),
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
    for s in SENSORS:
        path = d / 'sensors' / str(s['num'])
        if reset_sensors or not path.exists():
            path.write_text('%d\n' % _raw(s, _initial(s, BMCS[name])))


def set_sensor(name, sensor_name, value):
    """Change a sensor reading (engineering units); seen within ~2 s."""
    sensor = next(s for s in SENSORS if s['name'] == sensor_name)
    path = bmc_dir(name) / 'sensors' / str(sensor['num'])
    tmp = path.with_suffix('.tmp')
    tmp.write_text('%d\n' % _raw(sensor, value))
    tmp.replace(path)


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
    """Start every lab BMC (once) and publish their addresses."""
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
        _wait_ready(name)
    common.publish('bmc', {'bmcs': [{
        'name': name,
        'address': common.HOST,
        'port': port_of(name),
        'username': USERNAME,
        'password_file': str(password_file()),
        'serial': BMCS[name]['serial'],
        'sensors': [s['name'] for s in SENSORS],
    } for name in BMCS]})
    common.say('bmc: %d simulated BMCs on %s:%d-%d' % (
        len(BMCS), common.HOST, FIRST_PORT, FIRST_PORT + len(BMCS) - 1))


def down():
    """Stop every lab BMC; state (power, password) stays for the next up."""
    for name in BMCS:
        common.stop(_proc(name))
    common.unpublish('bmc')


def status():
    """{'running': all up?, 'bmcs': {name: {pid, port, power}}}."""
    bmcs = {}
    for name in BMCS:
        power = bmc_dir(name) / 'power'
        bmcs[name] = {
            'pid': common.pid_of(_proc(name)),
            'port': port_of(name),
            'power': ('on' if power.exists()
                      and power.read_text().strip() == '1' else 'off'),
        }
    return {'running': all(b['pid'] for b in bmcs.values()), 'bmcs': bmcs}
