"""The JSON Schema of a policy file (checked with ``jsonschema``).

A policy file is YAML: a ``name``, an optional ``description`` and a list
of ``rules``. Each rule selects devices (:data:`SELECTOR`), names an
auditor and its ``params`` (checked against the auditor's own
``parameter_schema``), a ``severity``, and, for the remediation layer, a
``remediation`` (workflow and input), a ``mode`` and a ``repeat``
threshold. The policy file reference (``doc/source/user/policy-reference
.rst``) is generated from this schema by :func:`reference_rst`.
"""

NAME = {'type': 'string', 'pattern': r'^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$',
        'description': 'Letters, digits and ``_ . : -``, at most 255.'}
SEVERITIES = ('info', 'warning', 'critical')
#: The severity of the finding an auditor failure records.
ERROR_SEVERITY = 'error'
MODES = ('notify', 'approve', 'auto')
DURATION = {'type': 'string', 'pattern': r'^[0-9]{1,6}[smhd]$',
            'description': 'A duration: a number and ``s``, ``m``, ``h`` '
                           'or ``d`` (``90s``, ``5m``, ``1h``).'}


def _names(what):
    return {'description': 'One %s or a list (any of them).' % what,
            'anyOf': [{'type': 'string', 'minLength': 1, 'maxLength': 255},
                      {'type': 'array', 'minItems': 1,
                       'items': {'type': 'string', 'minLength': 1,
                                 'maxLength': 255}}]}


_MATCH = {
    'region': _names('region name'),
    'cell': _names('cell name'),
    'rack': _names('rack name'),
    'role': _names('device role (``compute``, ``controller`` ...)'),
    'type': _names('device type (``host``, ``switch`` ...)'),
    'labels': {'description': 'Labels a device must all carry.',
               'type': 'array', 'items': {'type': 'string', 'minLength': 1,
                                          'maxLength': 255}},
}

SELECTOR = {
    'type': 'object', 'additionalProperties': False,
    'description': 'Which devices the rule checks; every given field must '
                   'match. No selector: every device.',
    'properties': dict(_MATCH, exclude={
        'type': 'object', 'additionalProperties': False,
        'description': 'Devices left out: any field that matches excludes '
                       'the device (``labels``: any of them).',
        'properties': dict(_MATCH, devices=_names('device name'))}),
}

RULE = {
    'type': 'object', 'additionalProperties': False,
    'required': ['name', 'auditor'],
    'properties': {
        'name': dict(NAME, description='Unique among every loaded policy. '
                     + NAME['description']),
        'description': {'type': 'string', 'maxLength': 4096,
                        'description': 'What the rule checks and why.'},
        'enabled': {'type': 'boolean', 'default': True,
                    'description': '``false`` keeps the rule but never runs '
                                   'it.'},
        'selector': SELECTOR,
        'auditor': {'type': 'string', 'minLength': 1, 'maxLength': 64,
                    'description': 'An enabled auditor (``[audit] '
                                   'enabled_auditors``).'},
        'params': {'type': 'object', 'default': {},
                   'description': "The auditor's parameters, checked "
                                  "against its own schema (see the auditor "
                                  "catalogue)."},
        'severity': {'enum': list(SEVERITIES), 'default': 'warning',
                     'description': 'Severity of the findings: %s.'
                                    % ', '.join(SEVERITIES)},
        'remediation': {
            'type': 'object', 'additionalProperties': False,
            'required': ['workflow'],
            'description': 'What the remediation layer runs for a finding '
                           '(stored and validated; audits do not act on it).',
            'properties': {
                'workflow': {'type': 'string', 'minLength': 1,
                             'maxLength': 255,
                             'description': 'Mistral workflow name '
                                            '(``fleet.drain_host``).'},
                'input': {'type': 'object',
                          'description': "The workflow's input."}}},
        'mode': {'enum': list(MODES), 'default': 'notify',
                 'description': '``notify`` (tell a human), ``approve`` '
                                '(remediate after approval) or ``auto``.'},
        'repeat': {
            'type': 'object', 'additionalProperties': False,
            'required': ['count', 'window'],
            'description': 'The repeat threshold: at most ``count`` '
                           'remediations per device within ``window``; '
                           'the next finding is escalated to a human '
                           'instead of acted on.',
            'properties': {
                'count': {'type': 'integer', 'minimum': 1,
                          'maximum': 100000,
                          'description': 'Remediations, 1 or more.'},
                'window': DURATION}},
        'approval_ttl': dict(DURATION, description=(
            'How long a plan of this rule waits for ``remediation '
            'approve`` before it expires (``approve`` mode; default '
            '``[remediation] approval_ttl``). ' + DURATION['description'])),
    },
}

POLICY = {
    '$schema': 'https://json-schema.org/draft/2020-12/schema',
    'title': 'fleet policy file',
    'type': 'object', 'additionalProperties': False,
    'required': ['name', 'rules'],
    'properties': {
        'name': dict(NAME, description='The policy name; loading a file '
                     'with the name of a loaded policy replaces it. '
                     + NAME['description']),
        'description': {'type': 'string', 'maxLength': 4096,
                        'description': 'What the policy is for.'},
        'rules': {'type': 'array', 'items': RULE,
                  'description': 'The rules, run in this order.'},
    },
}


def seconds(duration):
    """``'5m'`` -> 300."""
    return int(duration[:-1]) * {'s': 1, 'm': 60, 'h': 3600,
                                 'd': 86400}[duration[-1]]


def _type_of(schema):
    if 'enum' in schema:
        return 'one of ' + ', '.join('``%s``' % v for v in schema['enum'])
    if 'anyOf' in schema:
        return 'string or list of strings'
    kind = schema.get('type', 'any')
    if kind == 'array' and 'items' in schema and \
            schema['items'].get('type') != 'object':
        return 'list of %ss' % schema['items'].get('type', 'value')
    return {'object': 'mapping', 'array': 'list'}.get(kind, kind)


def _rows(schema, prefix, required=()):
    for name, sub in schema.get('properties', {}).items():
        path = prefix + name
        extra = []
        if name in required:
            extra.append('required')
        if 'default' in sub:
            extra.append('default ``%s``' % (
                str(sub['default']).lower()
                if isinstance(sub['default'], bool) else sub['default']))
        yield path, _type_of(sub), sub.get('description', ''), extra
        if sub.get('type') == 'object' and 'properties' in sub:
            yield from _rows(sub, path + '.', sub.get('required', ()))
        if sub.get('type') == 'array' and 'properties' in sub.get(
                'items', {}):
            yield from _rows(sub['items'], path + '[].',
                             sub['items'].get('required', ()))


def reference_rst():
    """The policy file reference as reStructuredText, from :data:`POLICY`."""
    lines = [
        '.. This file is generated from fleet/api/audit/schema.py by',
        '   "python -m fleet.api.audit.schema"; a unit test checks it.',
        '',
        '=====================',
        'Policy file reference',
        '=====================',
        '',
        'A policy file is YAML, checked against a JSON Schema (draft '
        '2020-12) by',
        '``openstack fleet policy validate``. Fields:',
        '',
        '.. list-table::',
        '   :header-rows: 1',
        '   :widths: 25 20 55',
        '',
        '   * - Field',
        '     - Type',
        '     - Meaning',
    ]
    for path, kind, text, extra in _rows(POLICY, '', POLICY['required']):
        if extra:
            text = '%s (%s)' % (text, ', '.join(extra))
        lines += ['   * - ``%s``' % path, '     - %s' % kind,
                  '     - %s' % text]
    lines += ['', 'Durations: %s' % DURATION['description'], '']
    lines += _auditor_sections()
    return '\n'.join(lines)


#: The built-in auditors whose parameters the reference lists.
BUILT_IN = (('threshold', 'fleet.plugins.auditors.threshold',
             'ThresholdAuditor'),
            ('expected_state', 'fleet.plugins.auditors.expected_state',
             'ExpectedStateAuditor'),
            ('ha', 'fleet.plugins.auditors.ha', 'HAAuditor'),
            ('capacity', 'fleet.plugins.auditors.capacity',
             'CapacityAuditor'),
            ('security', 'fleet.plugins.auditors.security',
             'SecurityAuditor'))


def _auditor_sections():
    """``rules[].params`` of each built-in auditor, from its
    ``parameter_schema``."""
    import importlib

    lines = ['Auditor parameters', '==================', '',
             "``rules[].params`` is checked against the rule's auditor's "
             'own schema; the',
             'built-in auditors take these (see the audit guide for what '
             'each checks).', '']
    for name, module, cls in BUILT_IN:
        schema = getattr(importlib.import_module(module),
                         cls).parameter_schema
        lines += ['``%s``' % name, '-' * (len(name) + 4), '']
        if schema.get('description'):
            text = schema['description']
            lines += ['Give %s%s.' % (text[0].lower(), text[1:]), '']
        lines += ['.. list-table::', '   :header-rows: 1',
                  '   :widths: 25 20 55', '', '   * - Field',
                  '     - Type', '     - Meaning']
        for path, kind, text, extra in _rows(schema, '',
                                             schema.get('required', ())):
            if extra:
                text = '%s (%s)' % (text, ', '.join(extra))
            lines += ['   * - ``%s``' % path, '     - %s' % kind,
                      '     - %s' % text]
        lines.append('')
    return lines


if __name__ == '__main__':
    print(reference_rst(), end='')
