"""Sync step: check a snapshot's records before anything is read.

Types, names, labels, variable names and values, duplicate names and
parent cycles inside the snapshot. Errors are
:class:`~fleet.common.exception.InvalidInput` naming the record's
``where`` (``assets.yaml: devices[3] (n-1)``, ``ironic node 1be2...``).
"""

from fleet.api import devices as devices_api
from fleet.api import refs
from fleet.api.sync import state as state_mod
from fleet.api import variables as variables_api
from fleet.common import exception

invalid = state_mod.invalid


def validate(snapshot):
    """Raise InvalidInput for the first bad record of ``snapshot``."""
    names, uuids = {}, {}
    for rec in snapshot.devices:
        where = rec.where or 'device %r' % rec.name
        try:
            refs.check_name('name', rec.name)
            devices_api.check_type(rec.type)
            devices_api.check_role(rec.role)
            for label in rec.labels or ():
                devices_api.check_label(label)
            for key, value in list(rec.vars.items()) + list(
                    rec.facts.items()) + list(rec.secrets.items()):
                variables_api.check_key(key)
                variables_api.encode(key, value)
        except exception.FleetError as exc:
            raise invalid(where, str(exc))
        _check_keys_once(rec, where)
        if rec.name in names:
            raise invalid(where, 'duplicate device name %r (also at %s); '
                          'give each device a unique name'
                          % (rec.name, names[rec.name]))
        names[rec.name] = where
        if rec.uuid is not None:
            if rec.uuid in uuids:
                raise invalid(where, 'duplicate uuid %r (also at %s); give '
                              'each device its own uuid'
                              % (rec.uuid, uuids[rec.uuid]))
            uuids[rec.uuid] = where
    _check_parent_cycles(snapshot)


def _check_keys_once(rec, where):
    """A variable is a var, a fact or a secret of a device, not two."""
    seen = {}
    for kind, values in (('vars', rec.vars), ('facts', rec.facts),
                         ('secrets', rec.secrets)):
        for key in values:
            if key in seen:
                raise invalid(where, 'variable %r is under both %s and %s; '
                              'keep it under one' % (key, seen[key], kind))
            seen[key] = kind


def _check_parent_cycles(snapshot):
    parents = {r.name: r.parent for r in snapshot.devices if r.parent}
    for start in parents:
        seen, node = [], start
        while node in parents:
            if node in seen:
                cycle = ' -> '.join(seen[seen.index(node):] + [node])
                raise invalid('device %r' % start, 'parent cycle %s; break '
                              'it by removing one parent' % cycle)
            seen.append(node)
            node = parents[node]
