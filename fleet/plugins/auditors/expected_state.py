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
        return self.audit_each(devices, params, snapshot)

    def check(self, device, params, snapshot):
        values = snapshot.variables(device.id)
        missing_fails = params.get('missing', 'fail') == 'fail'
        observed, expected, diffs = {}, {}, []
        for fact, fact_path, desired_path, want in _compiled(params):
            if desired_path is not None:
                want = _get(values, desired_path)
                if want is _MISSING:
                    continue
            got = _get(values, fact_path)
            if got is _MISSING:
                if not missing_fails:
                    continue
                got_text = None
                diffs.append('%s missing (expected %s)' % (fact,
                                                           _show(want)))
            elif got != want:
                got_text = got
                diffs.append('%s is %s, expected %s' % (fact, _show(got),
                                                        _show(want)))
            else:
                continue
            observed[fact] = got_text
            expected[fact] = want
        if not diffs:
            return None
        return base.failure(device, '; '.join(diffs), observed=observed,
                            expected=expected)


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


def _get(values, parts):
    value = values
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
