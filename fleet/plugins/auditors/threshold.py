"""The ``threshold`` auditor: latest readings against limits."""

import datetime

from fleet.api.audit import schema as policy_schema
from fleet.plugins.auditors import base

RANK = {'ok': 0, 'unknown': 1, 'warning': 2, 'critical': 3}


class ThresholdAuditor(base.Auditor):
    """Latest readings against a status or a limit, for a duration.

    A device fails when one of its readings of ``metric`` (a name or a
    glob such as ``temperature.*``) has a status at or above ``status``,
    a value above ``above`` or below ``below`` -- and, with ``for``, has
    done so at every reading of the history for that long (as a
    Prometheus rule's ``for``). Params::

        metric: temperature.*     # required
        status: critical          # warning | critical
        above: 85                 # a number
        below: 1000
        for: 5m                   # optional duration

    The finding names the worst reading: observed value and status,
    expected limit.
    """

    parameter_schema = {
        'type': 'object', 'additionalProperties': False,
        'required': ['metric'],
        'anyOf': [{'required': ['status']}, {'required': ['above']},
                  {'required': ['below']}],
        'properties': {
            'metric': {'type': 'string', 'minLength': 1, 'maxLength': 128,
                       'pattern': r'^[a-z*?][A-Za-z0-9_.:*?-]*$'},
            'status': {'enum': ['warning', 'critical']},
            'above': {'type': 'number'},
            'below': {'type': 'number'},
            'for': policy_schema.DURATION,
        },
    }

    def metrics(self, params):
        return [params['metric']]

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
        # One pass over each matching metric's readings, not one lookup
        # per device and metric.
        selected = {d.id: d for d in devices}
        bad_of = self._bad
        candidates = {}
        for metric in snapshot.metrics(params['metric']):
            for dev_id, r in snapshot.readings_of(metric).items():
                dev = selected.get(dev_id)
                if dev is None:
                    continue
                why = bad_of(params, r.value, r.status)
                if why:
                    candidates.setdefault(dev, []).append(
                        (RANK.get(r.status, 0), metric, r, why))
        duration = params.get('for')
        if duration and candidates:
            candidates = self._held(candidates, params, snapshot,
                                    policy_schema.seconds(duration))
        out = []
        for dev, bad in candidates.items():
            bad.sort(key=lambda b: (-b[0], b[1]))
            _rank, metric, r, why = bad[0]
            expected = {k: params[k] for k in ('status', 'above', 'below')
                        if k in params}
            msg = '%s %s%s' % (metric, why, ' for %s' % duration
                               if duration else '')
            if len(bad) > 1:
                msg += ' (and %d more: %s)' % (len(bad) - 1, ', '.join(
                    b[1] for b in bad[1:4]))
            out.append(base.failure(dev, msg, observed={
                'metric': metric, 'value': r.value, 'status': r.status,
                'unit': r.unit}, expected=expected))
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
