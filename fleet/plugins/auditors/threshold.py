"""The ``threshold`` auditor: latest readings against limits."""

import datetime

from fleet.api.audit import schema as policy_schema
from fleet.plugins.auditors import base

RANK = {'ok': 0, 'unknown': 1, 'warning': 2, 'critical': 3}
#: Positions in a reading row (see fleet.api.audit.snapshot.VALUE).
VALUE, UNIT, STATUS = 2, 3, 4
#: Alert severities, worst last, to name the worst alert of a device.
_SEVERITY = {'info': 1, 'warning': 2, 'error': 3, 'critical': 4}


def _selection(devices, snapshot):
    """``{device id: Device}`` of the rule's devices (the snapshot's own
    map when the rule selects every device)."""
    if len(devices) == len(snapshot.devices):
        return snapshot.devices
    return {d.id: d for d in devices}


class ThresholdAuditor(base.Auditor):
    """Latest readings, or open alerts, against limits, for a duration.

    Readings: a device fails when one of its readings of ``metric`` (a
    name or a glob such as ``temperature.*``) has a status at or above
    ``status``, a value above ``above`` or below ``below`` -- and, with
    ``for``, has done so at every reading of the history for that long
    (as a Prometheus rule's ``for``). Params::

        metric: temperature.*     # required
        status: critical          # warning | critical
        above: 85                 # a number
        below: 1000
        for: 5m                   # optional duration

    The finding names the worst reading: observed value and status,
    expected limit.

    Alerts: a device fails while it has an actionable alert named
    ``alert`` (a name or a glob): firing, not silenced, past its repeat
    threshold, not flapping and not acknowledged -- the alerts ``alert
    list --status actionable`` shows -- whose labels (with ``alertname``)
    match every one of ``matchers`` (as a silence's) and, with ``for``,
    that has been firing that long. Params::

        alert: FanFailed          # required; or a glob: "Fan*", "*"
        matchers: [severity=critical, "fan=~fan_[12]"]
        for: 10m                  # optional duration

    The finding names the alert (id, severity, since when) and how many
    more match.
    """

    parameter_schema = {
        'type': 'object', 'additionalProperties': False,
        'description': 'A metric with status, above or below; or an alert',
        'anyOf': [
            {'required': ['metric'],
             'anyOf': [{'required': ['status']}, {'required': ['above']},
                       {'required': ['below']}]},
            {'required': ['alert']}],
        'dependentRequired': {'matchers': ['alert']},
        'dependentSchemas': {'alert': {'properties': {
            key: {'not': {}, 'description': 'not allowed with alert (a '
                  'rule checks readings or alerts)'}
            for key in ('metric', 'status', 'above', 'below')}}},
        'properties': {
            'metric': {'type': 'string', 'minLength': 1, 'maxLength': 128,
                       'pattern': r'^[a-z*?][A-Za-z0-9_.:*?-]*$',
                       'description': 'A metric name or a glob '
                                      '(``temperature.*``): check the '
                                      'latest readings.'},
            'status': {'enum': ['warning', 'critical'],
                       'description': 'Fail at this reading status or '
                                      'worse.'},
            'above': {'type': 'number',
                      'description': 'Fail above this value.'},
            'below': {'type': 'number',
                      'description': 'Fail below this value.'},
            'for': dict(policy_schema.DURATION, description=(
                'Fail only after failing this long (readings: every '
                'reading since; alerts: firing since). A duration.')),
            'alert': {'type': 'string', 'minLength': 1, 'maxLength': 255,
                      'description': 'An alert name or a glob (``Fan*``, '
                                     '``*``): check the actionable alerts '
                                     '(firing, not silenced, past the '
                                     'repeat threshold, not flapping, not '
                                     'acknowledged) of the devices.'},
            'matchers': {
                'type': 'array', 'minItems': 1, 'maxItems': 32,
                'description': 'With ``alert``: label matchers '
                               '(``severity=critical``, ``fan=~fan_.*``) '
                               "the alert's labels (and ``alertname``) "
                               'must all match, as a silence\'s.',
                'items': {'type': 'string', 'maxLength': 1024,
                          # named in the error (fleet.api.audit.policyfile)
                          'x-expected': 'a matcher: name=value, '
                                        'name!=value, name=~regex or '
                                        'name!~regex',
                          'pattern': r'^\s*[A-Za-z_][A-Za-z0-9_]*\s*'
                                     r'(=~|!~|!=|=)'}},
        },
    }

    def metrics(self, params):
        # Nothing loaded for the whole fleet: audit() asks the database for
        # the failing readings only (one query per rule).
        return ()

    @staticmethod
    def _bad(params, value, status):
        """Why a reading fails the rule, or None."""
        wanted = params.get('status')
        if wanted is not None and RANK.get(status, 0) >= RANK[wanted]:
            return 'status %s' % status
        if value is None:
            return None
        if 'above' in params and value > params['above']:
            return 'value %g > %g' % (value, params['above'])
        if 'below' in params and value < params['below']:
            return 'value %g < %g' % (value, params['below'])
        return None

    def audit(self, devices, params, snapshot):
        if 'alert' in params:
            return self._alerts(devices, params, snapshot)
        wanted = params.get('status')
        statuses = [s for s, rank in RANK.items()
                    if wanted is not None and rank >= RANK[wanted]]
        # The database compares (one query for every device); Python only
        # words the failures and keeps the rule's selected devices.
        rows = snapshot.failing_readings(params['metric'], statuses,
                                         params.get('above'),
                                         params.get('below'))
        return self._failures(rows, devices, params, snapshot)

    def _failures(self, rows, devices, params, snapshot):
        selected = _selection(devices, snapshot)
        bad_of = self._bad
        candidates = {}
        for row in rows:
            dev = selected.get(row[0])
            if dev is None:
                continue
            why = bad_of(params, row[VALUE], row[STATUS])
            if why:
                candidates.setdefault(dev, []).append(
                    (RANK.get(row[STATUS], 0), row[1], row, why))
        duration = params.get('for')
        if duration and candidates:
            candidates = self._held(candidates, params, snapshot,
                                    policy_schema.seconds(duration))
        out = []
        expected = {k: params[k] for k in ('status', 'above', 'below')
                    if k in params}
        for dev in sorted(candidates, key=lambda d: d.name):
            bad = candidates[dev]
            bad.sort(key=lambda b: (-b[0], b[1]))
            _rank, metric, r, why = bad[0]
            msg = '%s %s%s' % (metric, why, ' for %s' % duration
                               if duration else '')
            if len(bad) > 1:
                msg += ' (and %d more: %s)' % (len(bad) - 1, ', '.join(
                    b[1] for b in bad[1:4]))
            out.append(base.failure(dev, msg, observed={
                'metric': metric, 'value': r[VALUE], 'status': r[STATUS],
                'unit': r[UNIT]}, expected=dict(expected)))
        return out

    def _held(self, candidates, params, snapshot, seconds):
        """Keep the readings that failed for the whole duration."""
        since = snapshot.now - datetime.timedelta(seconds=seconds)
        pairs = [(dev.id, b[1]) for dev, bad in candidates.items()
                 for b in bad]
        past = snapshot.history(pairs, since)
        kept = {}
        for dev, bad in candidates.items():
            still = []
            for b in bad:
                history = past.get((dev.id, b[1]), [])
                # The reading before the window must fail too, and every
                # reading since.
                start = [p for p in history if p.read_at <= since]
                inside = [p for p in history if p.read_at > since]
                if not start:
                    continue
                if all(self._bad(params, p.value, p.status)
                       for p in start[-1:] + inside):
                    still.append(b)
            if still:
                kept[dev] = still
        return kept

    @staticmethod
    def _alerts(devices, params, snapshot):
        """Failures of the devices with a matching actionable alert."""
        from fleet.api.alerts import matchers as matchers_mod

        wanted = [matchers_mod.parse(m) for m in params.get('matchers', ())]
        duration = params.get('for')
        since = None
        if duration:
            since = snapshot.now - datetime.timedelta(
                seconds=policy_schema.seconds(duration))
        selected = _selection(devices, snapshot)
        per_device = {}
        for alert in snapshot.firing_alerts(params['alert']):
            dev = selected.get(alert.device_id)
            if dev is None or (since is not None and alert.since > since):
                continue
            if wanted:
                labels = dict(alert.labels, alertname=alert.name)
                if not all(m.matches(labels) for m in wanted):
                    continue
            per_device.setdefault(dev, []).append(alert)
        out = []
        for dev in sorted(per_device, key=lambda d: d.name):
            alerts = sorted(per_device[dev], key=lambda a: (
                -_SEVERITY.get(a.severity, 0), a.since, a.id))
            first = alerts[0]
            msg = 'alert %s (%s) firing since %s%s' % (
                first.name, first.severity,
                first.since.isoformat(timespec='seconds'),
                ' for %s' % duration if duration else '')
            if len(alerts) > 1:
                msg += ' (and %d more: %s)' % (len(alerts) - 1, ', '.join(
                    a.name for a in alerts[1:4]))
            observed = {'alert': first.name, 'alert_id': first.id,
                        'severity': first.severity,
                        'since': first.since.isoformat(),
                        'alerts': len(alerts)}
            expected = {'alert': 'none actionable'}
            if wanted:
                expected['matchers'] = [str(m) for m in wanted]
            out.append(base.failure(dev, msg, observed=observed,
                                    expected=expected))
        return out
