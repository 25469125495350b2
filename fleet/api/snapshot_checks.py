"""Checks of a source's snapshot, record by record, before a sync writes.

Each record's fields go through :mod:`fleet.api.validate`; here are the
checks across records (names and UUIDs given twice, parent cycles, a
variable under two of vars/facts/secrets) and the error naming the record
(``InvalidAssetFile`` for asset files, ``InvalidInput`` for other sources).
"""

from fleet.api import validate
from fleet.common import constants
from fleet.common import exception


def check(snap):
    """Check every record of a source's snapshot before anything is written.

    :raises fleet.common.exception.InvalidInput: (``InvalidAssetFile`` for
        asset files) naming the record and the field.
    """
    error = (exception.InvalidAssetFile if snap.strict_hierarchy
             else exception.InvalidInput)
    for kind in ('clouds', 'regions', 'cells', 'racks'):
        for item in getattr(snap, kind):
            where = item.get('where') or '%s %r' % (kind[:-1],
                                                    item.get('name'))
            _record(error, where, _level, item)
    for item in snap.variables:
        where = item.get('where') or '%s %r' % (item.get('scope'),
                                                item.get('name'))
        _record(error, where, _level_vars, item)
    _record(error, 'defaults', validate.values, snap.defaults or {})
    names, uuids = {}, {}
    for rec in snap.devices:
        where = rec.where or 'device %r' % rec.name
        _record(error, where, _device, rec)
        for seen, value_, what in ((names, rec.name, 'name'),
                                   (uuids, rec.uuid, 'uuid')):
            if value_ is None:
                continue
            if value_ in seen:
                raise error(where, 'duplicate device %s %r (also at %s); '
                            'give each device its own' % (
                                what, value_, seen[value_]), field=what)
            seen[value_] = where
    _parent_cycles(error, snap.devices)


def _record(error, where, check, item):
    try:
        check(item)
    except exception.FleetError as exc:
        raise error(where, str(exc), field=exc.field) from None


def _level(item):
    validate.name('name', item.get('name'))
    for parent in ('cloud', 'region', 'cell'):
        if item.get(parent) is not None:
            validate.name(parent, item[parent])
    validate.description(item.get('description'))


def _level_vars(item):
    if item.get('scope') not in constants.SCOPES:
        raise exception.Invalid(
            'scope', 'unknown scope %r' % (item.get('scope'),),
            'use one of %s' % ', '.join(constants.SCOPES))
    for parent in ('name', 'region', 'cloud'):
        if item.get(parent) is not None:
            validate.name(parent, item[parent])
    _disjoint({'vars': item.get('vars') or {},
               'secrets': item.get('secrets') or {}})


def _device(rec):
    validate.name('name', rec.name)
    for parent in ('cloud', 'region', 'cell', 'rack', 'parent'):
        if getattr(rec, parent) is not None:
            validate.name(parent, getattr(rec, parent))
    validate.device_type(rec.type)
    validate.role(rec.role)
    for field in ('serial', 'asset_tag'):
        # A number from an API source's JSON (Ironic's "extra") is its text.
        value_ = getattr(rec, field)
        if isinstance(value_, int) and not isinstance(value_, bool):
            setattr(rec, field, str(value_))
    validate.tag('serial', rec.serial)
    validate.tag('asset_tag', rec.asset_tag)
    validate.mgmt_address(rec.mgmt_address)
    if rec.uuid is not None:
        rec.uuid = validate.uuid(rec.uuid)
    validate.external_id(rec.external_id)
    for one in rec.labels or ():
        validate.label(one)
    _disjoint({'vars': rec.vars, 'facts': rec.facts,
               'secrets': rec.secrets})


def _disjoint(groups):
    """Check each group of variables; a key may be in one group only."""
    seen = {}
    for group, mapping in groups.items():
        validate.values(mapping)
        for k in mapping:
            if k in seen:
                raise exception.Invalid(
                    validate.VAR_FIELD_PREFIX + k, 'given under both %s and %s'
                    % (seen[k], group), 'keep it under one of them')
            seen[k] = group


def _parent_cycles(error, records):
    parents = {r.name: r.parent for r in records if r.parent}
    for start in parents:
        seen, node = [], start
        while node in parents:
            if node in seen:
                cycle = ' -> '.join(seen[seen.index(node):] + [node])
                raise error('device %r' % start, 'parent cycle %s; break '
                            'it by removing one parent' % cycle)
            seen.append(node)
            node = parents[node]


def new_uuids(snap, inserts, existing):
    """Check that devices a sync creates take no UUID already in use.

    :param inserts: the new device rows (dicts with ``name``, ``uuid``).
    :param existing: rows of the devices in the inventory (``.uuid``,
        ``.name``).
    """
    given = {rec.name: rec for rec in snap.devices if rec.uuid}
    wanted = [row for row in inserts if row['name'] in given]
    if not wanted:
        return
    used = {row.uuid: row.name for row in existing}
    for row in wanted:
        if row['uuid'] in used:
            rec = given[row['name']]
            error = (exception.InvalidAssetFile if snap.strict_hierarchy
                     else exception.InvalidInput)
            raise error(rec.where or 'device %r' % rec.name,
                        'uuid %s is already the UUID of device %r; give '
                        'another UUID or leave it out'
                        % (row['uuid'], used[row['uuid']]), field='uuid')
