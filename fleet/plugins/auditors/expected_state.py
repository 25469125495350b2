"""The ``expected_state`` auditor: observed facts against desired state."""

from fleet.plugins.auditors import base

_MISSING = object()


class ExpectedStateAuditor(base.Auditor):
    """Observed facts against desired values (FLT011).

    Facts are the variables inventory sources record (``nova.status``,
    ``nova.state``, ``ironic.maintenance``, ``ironic.power_state``, or OS,
    kernel and firmware facts a source or an operator sets); the desired
    value is either given in the rule (``expect``) or read from a variable
    resolved down the hierarchy (``desired``: set it at the region, cell,
    rack or device). Each check names a dotted path into the variables.
    Params::

        checks:
          - fact: nova.status       # observed, dotted path
            expect: enabled         # literal desired value
          - fact: ironic.maintenance
            expect: false
          - fact: os.kernel
            desired: desired.kernel # a variable resolved down the tree
        missing: fail               # fail (default) | skip: no such fact

    The finding lists every check that differs, expected vs observed; a
    ``desired`` variable no level sets skips that check.
    """

    parameter_schema = {
        'type': 'object', 'additionalProperties': False,
        'required': ['checks'],
        'properties': {
            'checks': {
                'type': 'array', 'minItems': 1,
                'items': {
                    'type': 'object', 'additionalProperties': False,
                    'required': ['fact'],
                    'oneOf': [{'required': ['expect']},
                              {'required': ['desired']}],
                    'properties': {
                        'fact': {'type': 'string', 'minLength': 1,
                                 'maxLength': 255},
                        'expect': {},
                        'desired': {'type': 'string', 'minLength': 1,
                                    'maxLength': 255}}}},
            'missing': {'enum': ['fail', 'skip']},
        },
    }

    def variables(self, params):
        keys = set()
        for check in params['checks']:
            keys.add(check['fact'].split('.')[0])
            if 'desired' in check:
                keys.add(check['desired'].split('.')[0])
        return keys

    def audit(self, devices, params, snapshot):
        # Check by check over every device (the values of a fact key are
        # resolved once for the fleet), not device by device.
        missing_fails = params.get('missing', 'fail') == 'fail'
        found = {}
        failed = {}
        for fact, fact_path, desired_path, want in _compiled(params):
            facts = snapshot.values_of(fact_path[0])
            fact_rest = fact_path[1:]
            wants = None
            if desired_path is not None:
                wants = snapshot.values_of(desired_path[0])
                want_rest = desired_path[1:]
            for dev in devices:
                dev_id = dev.id
                if dev_id in failed:
                    continue
                try:
                    if wants is not None:
                        want = _get(wants.get(dev_id, _MISSING), want_rest)
                        if want is _MISSING:
                            continue
                    got = _get(facts.get(dev_id, _MISSING), fact_rest)
                    if got is _MISSING:
                        if not missing_fails:
                            continue
                        got_text = None
                        diff = '%s missing (expected %s)' % (fact,
                                                             _show(want))
                    elif got != want:
                        got_text = got
                        diff = '%s is %s, expected %s' % (
                            fact, _show(got), _show(want))
                    else:
                        continue
                except Exception as exc:  # noqa: BLE001 - one device
                    failed[dev_id] = exc
                    found.pop(dev_id, None)
                    continue
                one = found.get(dev_id)
                if one is None:
                    one = found[dev_id] = ({}, {}, [])
                one[0][fact] = got_text
                one[1][fact] = want
                one[2].append(diff)
        if not found and not failed:
            return []
        out = []
        for dev in devices:
            one = found.get(dev.id)
            if one is not None:
                out.append(base.failure(dev, '; '.join(one[2]),
                                        observed=one[0], expected=one[1]))
            elif dev.id in failed:
                out.append(base.error(dev, failed[dev.id]))
        return out


def _compiled(params):
    """``[(fact, fact parts, desired parts or None, expect)]``, split once
    per rule (kept in ``params`` under a private key)."""
    got = params.get('_compiled')
    if got is None:
        got = params['_compiled'] = [
            (c['fact'], tuple(c['fact'].split('.')),
             tuple(c['desired'].split('.')) if 'desired' in c else None,
             c.get('expect')) for c in params['checks']]
    return got


def _get(value, parts):
    """``value`` at the dotted ``parts`` under it, or _MISSING."""
    if value is _MISSING:
        return value
    for part in parts:
        if type(value) is not dict:
            return _MISSING
        value = value.get(part, _MISSING)
        if value is _MISSING:
            return _MISSING
    return value


def _show(value):
    text = repr(value) if isinstance(value, str) else str(value).lower() \
        if isinstance(value, bool) else str(value)
    return text if len(text) <= 80 else text[:77] + '...'
