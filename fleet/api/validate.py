"""Field checks of the service layer: the same limits on every backend.

Every write (devices, hierarchy levels, variables, a source's snapshot:
:mod:`fleet.api.snapshot_checks`) checks its fields here before the
database sees them, so bad input is one
:class:`~fleet.common.exception.Invalid` naming the field and the fix, never
a raw SQL error, and SQLite (which ignores column lengths) refuses exactly
what PostgreSQL and MariaDB would.

The length limits come from the column definitions in :mod:`fleet.db.models`
(:data:`MAX_LENGTH`); text columns get limits of their own
(:data:`MAX_DESCRIPTION`, :data:`MAX_VALUE_BYTES`) that every backend's
``TEXT`` holds. ``doc/source/user/inventory.rst`` lists them (a test keeps
the two in step).
"""

import ipaddress
import json
import re
import uuid as uuid_mod

from fleet.common import constants
from fleet.common import exception
from fleet.db import models

#: A variable's field in the change log is ``vars.KEY``.
VAR_FIELD_PREFIX = 'vars.'


def _length(*columns):
    return min(col.type.length for col in columns)


_t = {name: model.__table__.c for name, model in (
    ('cloud', models.Cloud), ('region', models.Region),
    ('cell', models.Cell), ('rack', models.Rack),
    ('device', models.Device), ('label', models.Label),
    ('variable', models.Variable), ('change', models.Change))}

#: Characters of a description (a ``TEXT`` column: MariaDB's holds 65,535
#: bytes, and the change log keeps old and new).
MAX_DESCRIPTION = 4096
#: Bytes of a variable's JSON text. MariaDB's ``TEXT`` holds 65,535; half
#: leaves room for an encrypted secret (larger than its plain text).
MAX_VALUE_BYTES = 32 * 1024
#: Nesting depth of a variable value (lists and objects in each other).
MAX_DEPTH = 32
#: Characters of a change's reason (``TEXT``, as descriptions).
MAX_REASON = 4096

#: Maximum characters of each string field, from the models' columns.
MAX_LENGTH = {
    'name': _length(*(_t[k].name for k in (
        'cloud', 'region', 'cell', 'rack', 'device'))),
    'uuid': _length(_t['device'].uuid),
    'type': _length(_t['device'].type),
    'role': _length(_t['device'].role),
    'serial': _length(_t['device'].serial),
    'asset_tag': _length(_t['device'].asset_tag),
    'mgmt_address': _length(_t['device'].mgmt_address),
    'external_id': _length(_t['device'].external_id),
    'owner': _length(_t['device'].source),
    'label': _length(_t['label'].label),
    'key': _length(_t['variable'].key, _t['change'].field) - len(
        VAR_FIELD_PREFIX),
    'description': MAX_DESCRIPTION,
    'reason': MAX_REASON,
    'actor': _length(_t['change'].actor),
}

NAME_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._:@-]{0,%d}'
                     % (MAX_LENGTH['name'] - 1))
ROLE_RE = re.compile(r'[a-z0-9][a-z0-9_-]{0,%d}' % (MAX_LENGTH['role'] - 1))
LABEL_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9._:/=-]{0,%d}'
                      % (MAX_LENGTH['label'] - 1))
KEY_RE = re.compile(r'[A-Za-z_][A-Za-z0-9_]{0,%d}' % (MAX_LENGTH['key'] - 1))
#: Serial numbers and asset tags as hardware and DMI report them.
TAG_CHARS = 'letters, digits, spaces and . _ - : / # + , ( ) @ ='
TAG_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9 ._:/#+,()@=-]*')
HOST_LABEL_RE = re.compile(r'[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?')
CONTROL_RE = re.compile('[\x00-\x08\x0b-\x1f\x7f]')
RESERVED_PREFIX = 'fleet_'


def _too_long(field, value, limit):
    if len(value) > limit:
        raise exception.Invalid(
            field, 'too long (%d characters; at most %d)'
            % (len(value), limit), 'shorten it')


def _string(field, value):
    if not isinstance(value, str):
        raise exception.Invalid(field, 'must be text, got %s'
                                % type(value).__name__, 'give a string')
    return value


def name(field, value):
    """A cloud, region, cell, rack or device name."""
    if not isinstance(value, str) or not NAME_RE.fullmatch(value):
        raise exception.Invalid(
            field, 'invalid name %r' % (value,),
            'use letters, digits and . _ : @ - (at most %d, starting with '
            'a letter or digit)' % MAX_LENGTH['name'])
    return value


def device_type(value):
    if value not in constants.DEVICE_TYPES:
        raise exception.Invalid('type', 'unknown device type %r' % (value,),
                                'use one of %s'
                                % ', '.join(constants.DEVICE_TYPES))
    return value


def role(value):
    if value is not None and not (isinstance(value, str) and
                                  ROLE_RE.fullmatch(value)):
        raise exception.Invalid(
            'role', 'invalid role %r' % (value,),
            'use lower-case letters, digits, - and _ (at most %d; e.g. '
            'compute, controller, network, storage, logging)'
            % MAX_LENGTH['role'])
    return value


def label(value):
    if not isinstance(value, str) or not LABEL_RE.fullmatch(value):
        raise exception.Invalid(
            'label', 'invalid label %r' % (value,),
            'use letters, digits and . _ : / = - (at most %d)'
            % MAX_LENGTH['label'])
    return value


def tag(field, value):
    """A serial number or asset tag (None passes)."""
    if value is None:
        return None
    _too_long(field, _string(field, value), MAX_LENGTH[field])
    if not TAG_RE.fullmatch(value):
        raise exception.Invalid(
            field, 'invalid value %r' % (value,),
            'use %s, starting with a letter or digit' % TAG_CHARS)
    return value


def mgmt_address(value):
    """An IP address or a host name (None passes)."""
    if value is None:
        return None
    field = 'mgmt_address'
    _too_long(field, _string(field, value), MAX_LENGTH[field])
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    host = value[:-1] if value.endswith('.') else value
    if not (host and len(host) <= 253 and all(
            HOST_LABEL_RE.fullmatch(part) for part in host.split('.'))):
        raise exception.Invalid(
            field, 'not an IP address or host name: %r' % (value,),
            'give an IPv4 or IPv6 address or a DNS name (letters, digits, '
            '- and dots)')
    return value


def uuid(value, field='uuid'):
    """A UUID in any form :class:`uuid.UUID` reads; returned canonical."""
    if value is None:
        return None
    try:
        if not isinstance(value, str) or len(value) > 45:
            raise ValueError(value)
        return str(uuid_mod.UUID(value))
    except ValueError:
        raise exception.Invalid(
            field, 'not a UUID: %r' % (value if isinstance(value, str) and
                                       len(value) <= 64 else
                                       '%.40s...' % (value,)),
            'give one like 1b4e28ba-2fa1-11d2-883f-0016d3cca427 or leave '
            'it out to have one generated') from None


def external_id(value):
    if value is None:
        return None
    value = str(value)
    _too_long('external_id', value, MAX_LENGTH['external_id'])
    return value


def description(value):
    """Free text: printable, at most :data:`MAX_DESCRIPTION` characters."""
    if value is None:
        return None
    _too_long('description', _string('description', value),
              MAX_DESCRIPTION)
    if CONTROL_RE.search(value):
        raise exception.Invalid('description', 'contains control '
                                'characters', 'use printable text')
    _utf8('description', value)
    return value


def context(ctx, reason=None):
    """The actor and reason a request records in the change log."""
    for field, text in (('actor', ctx.actor), ('reason', ctx.reason),
                        ('reason', reason)):
        if text is None:
            continue
        _too_long(field, _string(field, text), MAX_LENGTH[field])
        if CONTROL_RE.search(text):
            raise exception.Invalid(field, 'contains control characters',
                                    'use printable text')
        _utf8(field, text)


def _utf8(field, text):
    try:
        text.encode('utf-8')
    except UnicodeEncodeError:
        raise exception.Invalid(field, 'is not valid UTF-8 text',
                                'give the value in UTF-8') from None


def key(value):
    """A variable name usable in Ansible; ``fleet_*`` is reserved."""
    if not isinstance(value, str) or not KEY_RE.fullmatch(value):
        raise exception.Invalid(
            'key', 'invalid variable name %r' % (value,),
            'use letters, digits and _, starting with a letter or _, at '
            'most %d (it must be usable as an Ansible variable)'
            % MAX_LENGTH['key'])
    if value.startswith(RESERVED_PREFIX):
        raise exception.Invalid(
            'key', 'variable name %r uses the reserved prefix %r' % (
                value, RESERVED_PREFIX), 'choose another name (exports set '
            'fleet_uuid, fleet_type, fleet_role ... themselves)')
    return value


def value(key_name, obj):
    """The JSON text of a variable value, within the size and depth limits.

    :raises fleet.common.exception.Invalid: field ``vars.KEY``.
    """
    field = VAR_FIELD_PREFIX + str(key_name)
    _walk(field, obj)
    try:
        text = json.dumps(obj, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise exception.Invalid(field, 'value is not valid JSON (%s)' % exc,
                                'give a string, number, bool, null, list '
                                'or object') from None
    if len(text) > MAX_VALUE_BYTES:
        raise exception.Invalid(
            field, 'value too large (%d bytes of JSON; at most %d)'
            % (len(text), MAX_VALUE_BYTES), 'store less in one variable '
            '(split it, or keep large data elsewhere)')
    return text


def _walk(field, obj):
    """Depth, node count and UTF-8 of a value, without encoding it.

    The node count bounds the work: a YAML alias bomb is refused here
    before ``json.dumps`` would expand it.
    """
    stack, nodes = [(obj, 1)], 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > MAX_VALUE_BYTES:
            raise exception.Invalid(
                field, 'value too large (more than %d elements)'
                % MAX_VALUE_BYTES, 'store less in one variable')
        if isinstance(item, str):
            _utf8(field, item)
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise exception.Invalid(
                    field, 'value nested too deeply (more than %d levels)'
                    % MAX_DEPTH, 'flatten it')
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
            if isinstance(item, dict):
                stack.extend((k, depth + 1) for k in item if
                             isinstance(k, str))


def values(mapping):
    """``{key: JSON text}`` of a mapping of variables, every key checked."""
    return {key(k): value(k, v) for k, v in mapping.items()}


def device_fields(fields):
    """Check the plain fields of a device given as a dict; return them.

    ``uuid`` comes back canonical. Keys not named here pass unchanged.
    """
    out = dict(fields)
    for field in ('serial', 'asset_tag'):
        if field in out:
            tag(field, out[field])
    if 'mgmt_address' in out:
        mgmt_address(out['mgmt_address'])
    if 'uuid' in out:
        out['uuid'] = uuid(out['uuid'])
    if out.get('role') is not None:
        role(out['role'])
    if out.get('type') is not None:
        device_type(out['type'])
    return out
