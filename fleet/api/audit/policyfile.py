"""Read and check policy files; every mistake located by line and column.

:func:`parse` reads one file with PyYAML's node composer, so each value
keeps its place (``Mark``) in the text; :func:`check` validates the
documents against :data:`fleet.api.audit.schema.POLICY` with
``jsonschema`` (all errors, not the first) and then what a schema cannot
say: the auditor exists and is enabled, its ``params`` match its own
schema, the selector's regions, cells and racks exist in the inventory,
rule names are unique over every file. Each :class:`Problem` names the
file, the line and column (1-based) and the field (``rules[2].params.
above``).
"""

import collections
import copy
import hashlib

import yaml

from fleet.api.audit import schema as policy_schema

#: One mistake in a policy file.
Problem = collections.namedtuple('Problem', 'file line column field message')


def _render(problem):
    return '%s:%d:%d: %s: %s' % problem
Problem.__str__ = _render  # noqa: E305


#: A parsed file: its name, text, Python value and the marks of its parts
#: (``marks[path] = (key_mark, value_mark)``, path a tuple of keys and
#: list indexes).
Parsed = collections.namedtuple('Parsed', 'file text data marks checksum')


class _Composer:
    """Turn PyYAML nodes into Python values, recording every mark."""

    def __init__(self, file, problems):
        self.file = file
        self.problems = problems
        self.marks = {}
        self._constructor = yaml.SafeLoader('')

    def value(self, node, path, key_mark=None):
        self.marks[path] = (key_mark or node.start_mark, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self._problem(key_node.start_mark, path,
                                  'a mapping key must be plain text')
                    continue
                key = self._constructor.construct_object(key_node)
                if key in out:
                    self._problem(key_node.start_mark, path + (key,),
                                  'duplicate key %r' % (key,))
                out[key] = self.value(value_node, path + (key,),
                                      key_node.start_mark)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, path + (i,))
                    for i, item in enumerate(node.value)]
        return self._constructor.construct_object(node, deep=True)

    def _problem(self, mark, path, message):
        self.problems.append(Problem(self.file, mark.line + 1,
                                     mark.column + 1, field(path), message))


def field(path):
    """``('rules', 2, 'params')`` -> ``rules[2].params``."""
    out = ''
    for part in path:
        if isinstance(part, int):
            out += '[%d]' % part
        else:
            out += ('.' if out else '') + str(part)
    return out or '(document)'


def parse(file, text, max_size, problems):
    """Parse one file; append its problems; return a :class:`Parsed` or
    None when it cannot be read as YAML.

    :param text: the file's content (bytes or str).
    :param max_size: the size limit in bytes.
    """
    size = len(text)
    if size > max_size:
        problems.append(Problem(file, 1, 1, '(document)',
                                'file is %d bytes, more than the limit of %d '
                                '([audit] max_policy_size)'
                                % (size, max_size)))
        return None
    if isinstance(text, bytes):
        try:
            text = text.decode('utf-8')
        except UnicodeDecodeError as exc:
            problems.append(Problem(file, 1, 1, '(document)',
                                    'not UTF-8 text (byte %d)' % exc.start))
            return None
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.append(Problem(
            file, mark.line + 1 if mark else 1,
            mark.column + 1 if mark else 1, '(document)',
            'YAML error: %s' % (exc.problem or exc.context or 'unreadable')))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(file, 1, 1, '(document)',
                                'YAML error: %s' % str(exc).splitlines()[0]))
        return None
    if len(nodes) != 1 or nodes[0] is None:
        problems.append(Problem(file, 1, 1, '(document)',
                                'a policy file holds exactly one YAML '
                                'document (found %d)' % len(nodes)))
        return None
    composer = _Composer(file, problems)
    try:
        data = composer.value(nodes[0], ())
    except yaml.YAMLError as exc:
        mark = getattr(exc, 'problem_mark', None)
        problems.append(Problem(file, mark.line + 1 if mark else 1,
                                mark.column + 1 if mark else 1, '(document)',
                                'YAML error: %s' % getattr(
                                    exc, 'problem', exc)))
        return None
    return Parsed(file, text, data, composer.marks,
                  hashlib.sha256(text.encode('utf-8')).hexdigest())


def _mark_of(parsed, path, key=False):
    """(line, column) of ``path`` or of its nearest known parent."""
    path = tuple(path)
    while path not in parsed.marks and path:
        path = path[:-1]
    key_mark, value_mark = parsed.marks.get(path, (None, None))
    mark = key_mark if key else value_mark
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


def _schema_problems(parsed, validator, base_path, instance, out):
    """jsonschema errors of ``instance`` (at ``base_path``) as Problems."""
    for err in sorted(validator.iter_errors(instance),
                      key=lambda e: list(map(str, e.absolute_path))):
        for path, message, on_key in _explain(err):
            full = tuple(base_path) + tuple(path)
            line, column = _mark_of(parsed, full, key=on_key)
            out.append(Problem(parsed.file, line, column, field(full),
                               message))


def _explain(err):
    """(path, message, on_key) for one jsonschema error."""
    path = list(err.absolute_path)
    if err.validator == 'additionalProperties' and isinstance(
            err.instance, dict):
        known = set(err.schema.get('properties', {}))
        extra = [k for k in err.instance if k not in known]
        return [(path + [k], 'unknown field %r; known fields: %s'
                 % (k, ', '.join(sorted(known)) or 'none'), True)
                for k in extra]
    if err.validator == 'required':
        missing = [k for k in err.validator_value
                   if k not in (err.instance or {})]
        return [(path, 'missing required field %r' % k, False)
                for k in missing]
    if err.validator == 'enum':
        return [(path, '%r is not one of %s' % (
            err.instance, ', '.join(map(str, err.validator_value))), False)]
    if err.validator == 'type':
        wanted = err.validator_value
        return [(path, 'must be %s, not %s' % (
            ' or '.join(wanted) if isinstance(wanted, list) else wanted,
            _json_type(err.instance)), False)]
    if err.validator == 'not' and isinstance(err.schema, dict) and \
            'description' in err.schema:
        return [(path, err.schema['description'], True)]
    if err.validator == 'pattern' and isinstance(err.schema, dict) and \
            'x-expected' in err.schema:
        return [(path, '%r is not %s' % (err.instance,
                                         err.schema['x-expected']), False)]
    if err.validator == 'dependentRequired':
        return [(path, '%s needs %s' % (
            ', '.join(k for k in err.validator_value
                      if k in (err.instance or {})), ' and '.join(
                sorted({v for k, vs in err.validator_value.items()
                        if k in (err.instance or {}) for v in vs}))),
                 False)]
    if err.validator == 'anyOf' and err.schema is not None and \
            'description' in err.schema:
        return [(path, 'must be %s' % err.schema['description'].rstrip(
            '.').lower(), False)]
    message = err.message
    if len(message) > 200:
        message = message[:197] + '...'
    return [(path, message, False)]


def _json_type(value):
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return 'list'
    if isinstance(value, dict):
        return 'mapping'
    return 'null' if value is None else type(value).__name__


Inventory = collections.namedtuple('Inventory', 'regions cells racks')
Inventory.__doc__ = 'Names of the levels a selector may name (sets).'


def check(parsed_files, auditor_schemas, inventory, taken_rules=None):
    """Validate parsed policy files; return every :class:`Problem`.

    :param parsed_files: :class:`Parsed` objects.
    :param auditor_schemas: ``{auditor name: parameter schema}`` of the
        enabled auditors, or ``{name: str}`` (why it cannot be used).
    :param inventory: an :class:`Inventory`.
    :param taken_rules: ``{rule name: policy name}`` of rules loaded from
        policies these files do not replace.
    """
    import jsonschema

    problems = []
    validator = jsonschema.Draft202012Validator(policy_schema.POLICY)
    param_validators = {}
    seen_rules = dict(taken_rules or {})
    seen_policies = {}
    for parsed in parsed_files:
        _schema_problems(parsed, validator, (), parsed.data, problems)
        data = parsed.data if isinstance(parsed.data, dict) else {}
        name = data.get('name')
        if isinstance(name, str):
            if name in seen_policies:
                line, column = _mark_of(parsed, ('name',))
                problems.append(Problem(
                    parsed.file, line, column, 'name',
                    'policy %r is also defined in %s'
                    % (name, seen_policies[name])))
            seen_policies[name] = parsed.file
        rules = data.get('rules')
        for i, rule in enumerate(rules if isinstance(rules, list) else ()):
            if isinstance(rule, dict):
                _check_rule(parsed, i, rule, auditor_schemas,
                            param_validators, inventory, seen_rules,
                            name, problems)
    return problems


def _check_rule(parsed, i, rule, auditor_schemas, param_validators,
                inventory, seen_rules, policy_name, problems):
    import jsonschema

    def at(path, message, key=False):
        full = ('rules', i) + tuple(path)
        line, column = _mark_of(parsed, full, key=key)
        problems.append(Problem(parsed.file, line, column, field(full),
                                message))

    name = rule.get('name')
    if isinstance(name, str):
        if name in seen_rules:
            at(('name',), 'duplicate rule name %r (also in policy %s)'
               % (name, seen_rules[name]))
        else:
            seen_rules[name] = policy_name
    auditor = rule.get('auditor')
    if isinstance(auditor, str):
        found = auditor_schemas.get(auditor)
        if found is None:
            at(('auditor',), 'unknown auditor %r; enabled auditors: %s '
               '([audit] enabled_auditors)' % (
                   auditor, ', '.join(sorted(
                       k for k, v in auditor_schemas.items()
                       if not isinstance(v, str))) or 'none'))
        elif isinstance(found, str):
            at(('auditor',), 'auditor %r cannot be used: %s'
               % (auditor, found))
        elif isinstance(rule.get('params', {}), dict):
            v = param_validators.get(auditor)
            if v is None:
                v = param_validators[auditor] = \
                    jsonschema.Draft202012Validator(found)
            _schema_problems(parsed, v, ('rules', i, 'params'),
                             rule.get('params', {}), problems)
    selector = rule.get('selector')
    if isinstance(selector, dict):
        _check_selector(selector, (), inventory, at)
        exclude = selector.get('exclude')
        if isinstance(exclude, dict):
            _check_selector(exclude, ('exclude',), inventory, at)


def _check_selector(selector, prefix, inventory, at):
    for level, known in (('region', inventory.regions),
                         ('cell', inventory.cells),
                         ('rack', inventory.racks)):
        value = selector.get(level)
        names = [value] if isinstance(value, str) else \
            value if isinstance(value, list) else []
        for j, name in enumerate(names):
            if isinstance(name, str) and name not in known:
                path = ('selector',) + prefix + (level,)
                if isinstance(value, list):
                    path += (j,)
                at(path, 'no %s named %r in the inventory; known: %s' % (
                    level, name, ', '.join(sorted(known)[:10]) or 'none'))


def with_defaults(rule):
    """A validated rule with the schema's defaults filled in."""
    out = copy.deepcopy(rule)
    for key, sub in policy_schema.RULE['properties'].items():
        if 'default' in sub and key not in out:
            out[key] = copy.deepcopy(sub['default'])
    out.setdefault('selector', {})
    return out
