"""The ``ipmi`` collector: power, sensors and event log over IPMI (pyghmi).

Parts: :mod:`.ipmi_session` (persistent sessions, failure reasons),
:mod:`.ipmi_read` (one BMC), :mod:`.ipmi_sweep` (bounded pool, per-BMC
deadline), :mod:`.ipmi_stall` (pyghmi's lost-wakeup workaround),
:mod:`.ipmi_sdr` (pyghmi's shared SDR cache, narrowed to one BMC),
:mod:`.ipmi_data` (what is returned).
"""

import datetime
import logging
import time

from oslo_config import cfg

from fleet.plugins import base as plugin_base
from fleet.plugins.collectors import base
from fleet.plugins.collectors import ipmi_data as data
from fleet.plugins.collectors import ipmi_read
from fleet.plugins.collectors import ipmi_sdr
from fleet.plugins.collectors import ipmi_session
from fleet.plugins.collectors import ipmi_sweep

LOG = logging.getLogger(__name__)

# Each BMC reads its own SDR, not a look-alike neighbour's.
ipmi_sdr.install()

NO_CREDENTIALS = 'no BMC credentials in the inventory'
IPMI_PORT = 623


class IPMICollector(base.Collector):
    """Power state, every SDR sensor and new SEL entries of each BMC.

    Reads each device's BMC over IPMI-over-LAN (RMCP+, pyghmi): the power
    state (``power_state``, 1 on / 0 off), every sensor of the BMC's Sensor
    Data Repository (``temperature.cpu_temp``, ``fan.fan_1``,
    ``power_supply.psu1_power``, ``voltage.12v`` ...) with its unit, the
    thresholds the BMC reports and its health (ok / warning / critical, and
    the threshold crossed), the size of the System Event Log
    (``sel_entries``) and the SEL entries added since the previous sweep.

    Sessions stay open between sweeps; at most ``workers`` BMCs are read at
    once, each within ``timeout`` seconds. A BMC that times out, refuses
    the credentials or cannot be reached gives ``unknown`` readings with
    the reason, and the sweep goes on; so does a sensor without a reading
    or with a nonsense value (NaN, a negative RPM). Passwords are never
    logged nor shown in a reason.

    Credentials are the device's resolved ``bmc`` variable (``address``,
    ``port``, ``username``; ``driver`` ``ipmi`` or unset; the device's
    management address when ``address`` is missing) and its secret
    ``bmc_password``, which the caller looks up for all devices in one
    bulk read (the Ironic source fills both from the node's
    ``driver_info``).
    """

    variables = ('bmc', 'bmc_password')

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.IntOpt('workers', default=32, min=1, max=1024,
                       help='How many BMCs are read at once. Past about '
                            '8 the client CPU is the limit (see the '
                            'benchmarks); a wider pool mainly hides slow '
                            'BMCs.'),
            plugin_base.timeout_opt(
                'Seconds one BMC may take per sweep (login included). A BMC '
                'still busy then reads "unknown" with reason "timeout" and '
                'the sweep goes on.', 10.0, minimum=0.5),
            cfg.BoolOpt('sel_history', default=False,
                        help='On the first sweep of a BMC (no cursor '
                             'known), report the entries already in its '
                             'System Event Log as new. Off: the first '
                             'sweep only notes where the log ends.'),
        ]

    def __init__(self, options=None, params=None):
        super().__init__(options, params)
        self.workers = getattr(options, 'workers', 32)
        self.timeout = getattr(options, 'timeout', 10.0)
        self.sel_history = getattr(options, 'sel_history', False)
        self.sessions = ipmi_session.SessionPool()
        self._states = {}
        self._stuck = ipmi_sweep.Stuck()
        self._failed = set()     # device ids that failed the last sweep

    # -- SEL cursors, for a caller that persists them ----------------------
    @property
    def sel_cursors(self):
        """``{device_id: cursor}`` (JSON-serialisable dicts) to persist."""
        return {k: dict(s.sel_cursor) for k, s in self._states.items()
                if s.sel_cursor is not None}

    def restore_sel_cursors(self, cursors):
        """Resume from cursors saved from :attr:`sel_cursors`."""
        for device_id, cursor in (cursors or {}).items():
            self._state(device_id).sel_cursor = dict(cursor)

    def _state(self, device_id):
        state = self._states.get(device_id)
        if state is None:
            state = self._states[device_id] = ipmi_read.BmcState()
        return state

    # -- the sweep ------------------------------------------------------------
    def collect(self, devices, credentials=None):
        """Read every device's BMC.

        :param devices: device dicts (``id``, ``mgmt_address``,
            ``variables`` with ``bmc`` and ``bmc_password``), or bare
            device ids when ``credentials`` are given.
        :param credentials: ``{device_id: (address, port, username,
            password)}`` instead of the devices' variables; a device with
            neither reads ``unknown``.
        :returns: a :class:`~.ipmi_data.Sweep` (a list of readings, with
            ``events``, ``failures`` and ``elapsed``).
        """
        started = time.monotonic()
        credentials = credentials or {}
        jobs, failures, readings = [], {}, []
        names = {}
        now = datetime.datetime.now(datetime.timezone.utc)
        for device in devices:
            device_id = device['id'] if isinstance(device, dict) else device
            if isinstance(device, dict) and device.get('name'):
                names[device_id] = device['name']
            creds = credentials.get(device_id)
            if creds is None and isinstance(device, dict):
                creds = _credentials(device)
            if isinstance(creds, str) or creds is None:
                reason = creds or NO_CREDENTIALS
                failures[device_id] = reason
                readings.extend(self._unknown(device_id, reason, now))
                continue
            jobs.append((device_id, ipmi_session.Credentials(*creds)))
        # BMCs that failed the previous sweep last: a dead one waits for
        # its deadline in a worker (and at login in one of the few login
        # slots) that the live ones should have first.
        jobs.sort(key=lambda job: job[0] in self._failed)
        creds_of = dict(jobs)
        outcomes = ipmi_sweep.run(
            jobs, self._read_one, self.workers, self.timeout,
            on_timeout=lambda key: self._timed_out(key, creds_of[key]),
            stuck=self._stuck, on_late=self._late,
            on_stuck=lambda key: self._timed_out(key, creds_of[key], True))
        events = []
        for device_id, (got, new, reason) in outcomes.items():
            readings.extend(got)
            events.extend(new)
            if reason:
                failures[device_id] = reason
        self._failed = set(failures)
        for device_id, reason in failures.items():
            if device_id in creds_of:
                LOG.warning('ipmi: device %s: %s',
                            names.get(device_id, device_id), reason)
        for reading in readings:
            reading.source = 'ipmi'
        return data.Sweep(readings, events, failures,
                          time.monotonic() - started)

    def _read_one(self, device_id, creds):
        """``(readings, events, reason)``; never raises."""
        state = self._state(device_id)
        try:
            with self.sessions.session(device_id, creds) as (cmd, fresh), \
                    ipmi_sdr.scope((creds.address, creds.port)):
                if fresh:
                    state.reset_session()
                now = datetime.datetime.now(datetime.timezone.utc)
                got, new = ipmi_read.read_bmc(cmd, device_id, state, now,
                                              sel_history=self.sel_history)
            return got, new, None
        except Exception as exc:  # noqa: BLE001 - every failure is a reason
            self.sessions.drop(device_id)
            state.reset_session()
            reason = ipmi_session.classify(exc, creds)
            now = datetime.datetime.now(datetime.timezone.utc)
            return self._unknown(device_id, reason, now), [], reason

    def _timed_out(self, device_id, creds, earlier=False):
        if not earlier:
            # pyghmi would go on retrying it from every thread's event
            # loop for 5-15 s, holding a login slot: end it now.
            self.sessions.abandon(device_id, creds)
        if earlier:
            reason = ('timeout: %s has not answered a request of an '
                      'earlier sweep yet' % creds.where)
        else:
            reason = 'timeout: %s gave no complete answer within %gs' % (
                creds.where, self.timeout)
        now = datetime.datetime.now(datetime.timezone.utc)
        return self._unknown(device_id, reason, now), [], reason

    def _late(self, device_id, outcome):
        # The BMC answered (or pyghmi gave up) after the deadline: start
        # afresh next sweep.
        self.sessions.drop(device_id)
        self._state(device_id).reset_session()

    def _unknown(self, device_id, reason, now):
        """The readings of a BMC that could not be read.

        The power state, every sensor known from an earlier sweep and the
        SEL size say ``unknown`` with the reason, so nothing stored looks
        current.
        """
        state = self._states.get(device_id)
        known = state.known if state is not None else ()
        out = [data.Reading(device_id, 'power_state', None, None,
                            data.UNKNOWN, reason=reason, read_at=now)]
        for metric, unit, labels in known:
            out.append(data.Reading(device_id, metric, None, unit,
                                    data.UNKNOWN, reason=reason, read_at=now,
                                    labels=labels))
        out.append(data.Reading(device_id, 'sel_entries', None, None,
                                data.UNKNOWN, reason=reason, read_at=now))
        return out

    def close(self):
        """Log out of every BMC."""
        self.sessions.close()


def _credentials(device):
    """``(address, port, username, password)`` from a device's variables.

    :returns: the tuple, or a reason (str) when the device has none.
    """
    variables = device.get('variables') or {}
    bmc = variables.get('bmc')
    password = variables.get('bmc_password')
    if not isinstance(bmc, dict) or password is None:
        return NO_CREDENTIALS
    if bmc.get('driver') not in (None, 'ipmi'):
        return 'not an IPMI BMC (driver %s)' % bmc['driver']
    address = bmc.get('address') or device.get('mgmt_address')
    if not address or not bmc.get('username'):
        return NO_CREDENTIALS
    return (address, bmc.get('port') or IPMI_PORT, bmc['username'],
            password)


#: ``(address, port, username, password)`` or a reason, for other users of
#: a device's BMC (fleet.api.power).
bmc_credentials = _credentials
