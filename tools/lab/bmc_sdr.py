"""Sensors of the simulated BMCs and their IPMI SDR encoding.

``SENSORS`` are on every lab BMC, ``EXTRA_SENSORS`` only on BMCs whose
profile in ``tools/lab/bmc.py`` has ``extra``. Each sensor is a linear
threshold sensor described by a full SDR record (type 0x01); ``ipmi_sim``
reads its raw byte from a file (and its console).
"""

MC_ADDR = 0x20

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
# Only on BMCs with ``extra``: a signed fan (can read negative) and a
# sensor whose scanning is disabled (``no reading``).
EXTRA_SENSORS = [
    dict(num=7, name='Fan 3', type=TYPE_FAN, unit=UNIT_RPM,
         entity=(ENT_FAN, 3), m=60, rexp=0, key=('fans', 2), signed=True,
         thresholds=(1200, 900, 600, None, None, None)),
    dict(num=8, name='Exhaust Temp', type=TYPE_TEMP, unit=UNIT_DEGC,
         entity=(ENT_BOARD, 2), m=1, rexp=0, key='exhaust', scanning=False,
         thresholds=(None, None, None, 50, 60, 70)),
]


def raw_value(sensor, value):
    """Engineering value -> raw byte for ``sensor``."""
    raw = round(value / (sensor['m'] * 10 ** sensor['rexp']))
    if sensor.get('signed'):
        return max(-128, min(127, raw)) & 0xFF
    return max(0, min(255, raw))


def sdr_record(sensor, nominal):
    """Full sensor record (SDR type 0x01) for a linear threshold sensor.

    ``nominal`` is the nominal reading in engineering units.
    """
    th = [None if v is None else raw_value(sensor, v)
          for v in sensor['thresholds']]
    mask = sum(1 << i for i, v in enumerate(th) if v is not None)
    events = event_bits(sensor)
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
        0x80 if sensor.get('signed') else 0x00,       # 2's compl./unsigned
        sensor['unit'], 0x00,                         # unit
        0x00,                                         # linear
        sensor['m'] & 0xFF, (sensor['m'] >> 8) << 6,  # M, tolerance
        0x00, 0x00, 0x00,                             # B, accuracy
        rexp << 4,                                    # R exp, B exp 0
        0x01, raw_value(sensor, nominal),                  # nominal given
        0x00, 0x00, 0xFF, 0x00,                       # normal/sensor max/min
    ]
    body += [v or 0 for v in reversed(th)]            # UNR..LNC
    body += [0x00, 0x00, 0x00, 0x00, 0x00]            # hysteresis, rsvd, OEM
    body += [0xC0 | len(name)] + list(name)
    header = [sensor['num'] & 0xFF, sensor['num'] >> 8, 0x51, 0x01, len(body)]
    return header + body


def event_bits(sensor):
    """Assertion events: lower thresholds going low, upper going high."""
    bits = 0
    for i, v in enumerate(sensor['thresholds']):
        if v is not None:
            bits |= 1 << (2 * i if i < 3 else 2 * i + 1)
    return bits
