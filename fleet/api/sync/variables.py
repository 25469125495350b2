"""Sync step: variables of devices and of hierarchy levels.

Device records carry ``vars`` (desired), ``facts`` (observed) and
``secrets``; a snapshot's ``variables`` and ``defaults`` set variables on
levels. Values are compared as JSON text; only differences are written and
recorded (secret values masked in the change log).

Every variable the sync writes goes through :func:`_write` (bulk
statements per batch). The current values compared are read under the sync
lock; the rows about to be replaced are read again locked (``FOR UPDATE``),
so a concurrent ``var set`` is never recorded with a stale old value.
"""

import collections
import dataclasses
import json

import sqlalchemy as sa

from fleet.api.sync import state as state_mod
from fleet.api import variables as variables_api
from fleet.common import exception
from fleet.db import bulk
from fleet.db import models

invalid = state_mod.invalid
# Below this many devices the current values are read with an IN list;
# above it one scan of the device variables is cheaper.
IN_LIST_MAX = 500


@dataclasses.dataclass
class VarChange:
    """One variable to create (``old`` None) or replace."""

    scope: str
    scope_id: int
    obj_name: str
    key: str
    old: object     # a row with id, value, secret; or None
    text: str
    secret: bool
    observed: bool


def _differs(st, old, key, text, secret):
    """Whether stored row ``old`` (or None) differs from ``text``."""
    return (old is None or old.secret != secret or
            _plain(st, old, key) != text)


def _plain(st, row, key):
    """The JSON text of a stored row (secret values are encrypted)."""
    if row.secret:
        return st.fleet.keyring.decrypt(row.value, 'vars.' + key)
    return row.value


def apply_device_vars(st, ids, matched):
    """Write the variables of every device record that has some."""
    recs = [r for r in st.snap.devices if r.vars or r.facts or r.secrets]
    if not recs:
        return
    v = models.Variable
    current = collections.defaultdict(dict)
    matched_ids = {matched[r.name].id for r in recs if r.name in matched}
    if matched_ids:
        q = sa.select(v.id, v.scope_id, v.key, v.value, v.secret).where(
            v.scope == 'device')
        if len(matched_ids) < IN_LIST_MAX:
            q = q.where(v.scope_id.in_(matched_ids))
        for row in st.session.execute(q):
            if row.scope_id in matched_ids:
                current[row.scope_id][row.key] = row
    changes = []
    for rec in recs:
        dev_id = ids[rec.name]
        have = current.get(dev_id, {})
        for values, secret, observed in ((rec.vars, False, False),
                                         (rec.facts, False, True),
                                         (rec.secrets, True, False)):
            for key, value in values.items():
                text = json.dumps(value, sort_keys=True)
                old = have.get(key)
                if _differs(st, old, key, text, secret):
                    changes.append(VarChange('device', dev_id, rec.name, key,
                                             old, text, secret, observed))
    changes = _recheck(st, changes)
    _write(st, changes)
    changed_devices = collections.defaultdict(list)
    for ch in changes:
        if ch.obj_name in matched:
            changed_devices[ch.obj_name].append(ch.key)
    for name in sorted(changed_devices):
        st.report('changed', 'device', name, 'vars: %s' % ', '.join(
            sorted(changed_devices[name])))


def _recheck(st, changes):
    """Re-read, locked, the rows about to be updated.

    Another writer (``var set``) may have changed one since the sync read
    it: the change log must record the value really replaced, and a value
    now equal to the new one is no change at all.
    """
    v = models.Variable
    ids = sorted(ch.old.id for ch in changes if ch.old is not None)
    fresh = {}
    for batch in bulk.batches(ids, st.batch):
        for row in st.session.execute(sa.select(
                v.id, v.value, v.secret).where(
                    v.id.in_(batch)).with_for_update()):
            fresh[row.id] = row
    kept = []
    for ch in changes:
        if ch.old is not None:
            ch.old = fresh.get(ch.old.id)
            if not _differs(st, ch.old, ch.key, ch.text, ch.secret):
                continue
        kept.append(ch)
    return kept


def apply_level_vars(st, hierarchy, ids):
    """Write the snapshot's level variables and defaults."""
    items = list(st.snap.variables)
    if st.snap.defaults:
        items.append({'scope': 'defaults', 'name': None,
                      'vars': st.snap.defaults})
    if not items:
        return
    targets = [(item, hierarchy.scope_id(item, ids)) for item in items]
    existing = _rows_of(st, {(item['scope'], scope_id)
                             for item, scope_id in targets})
    changes, given, changed = [], {}, []
    for item, scope_id in targets:
        scope = item['scope']
        obj_name = item.get('name') or 'defaults'
        where = item.get('where') or obj_name
        have = existing[(scope, scope_id)]
        for values, secret in ((item.get('vars') or {}, False),
                               (item.get('secrets') or {}, True)):
            try:
                encoded = {variables_api.check_key(k):
                           variables_api.encode(k, val)
                           for k, val in values.items()}
            except exception.FleetError as exc:
                raise invalid(where, str(exc))
            for key, text in encoded.items():
                first = given.get((scope, scope_id, key))
                if first is not None:
                    raise invalid(where, 'variable %r of %s %r is also set '
                                  'at %s; set it once' % (key, scope,
                                                          obj_name, first))
                given[(scope, scope_id, key)] = where
                old = have.get(key)
                if _differs(st, old, key, text, secret):
                    changes.append(VarChange(scope, scope_id, obj_name, key,
                                             old, text, secret, False))
                    changed.append((scope, obj_name))
    _write(st, changes)
    for scope, obj_name in dict.fromkeys(changed):
        st.report('changed', scope, obj_name, 'variables')


def _rows_of(st, objects):
    """``{(scope, scope_id): {key: row}}``, read locked, in batches."""
    v = models.Variable
    by_scope = collections.defaultdict(list)
    for scope, scope_id in objects:
        by_scope[scope].append(scope_id)
    existing = collections.defaultdict(dict)
    for scope, scope_ids in sorted(by_scope.items()):
        for batch in bulk.batches(sorted(scope_ids), st.batch):
            for row in st.session.execute(sa.select(
                    v.id, v.scope, v.scope_id, v.key, v.value, v.secret
            ).where(v.scope == scope, v.scope_id.in_(batch)
                    ).with_for_update()):
                existing[(row.scope, row.scope_id)][row.key] = row
    return existing


def _write(st, changes):
    """Create and update the variables of ``changes``; record each.

    Secret values are stored encrypted (``fleet.keyring``); the change log
    masks them.
    """
    now = st.txn.now
    keyring = st.fleet.keyring
    inserts, updates = [], []
    for ch in changes:
        field = 'vars.' + ch.key
        stored = keyring.encrypt(ch.text, field) if ch.secret else ch.text
        if ch.old is None:
            inserts.append({
                'scope': ch.scope, 'scope_id': ch.scope_id, 'key': ch.key,
                'value': stored, 'secret': ch.secret,
                'observed': ch.observed, 'updated_at': now})
            st.txn.record('create', ch.scope, ch.scope_id, ch.obj_name,
                          field=field, new=ch.text, secret=ch.secret,
                          raw=True)
        else:
            updates.append({'_id': ch.old.id, 'value': stored,
                            'secret': ch.secret, 'observed': ch.observed,
                            'updated_at': now})
            st.txn.record('update', ch.scope, ch.scope_id, ch.obj_name,
                          field=field, old=_plain(st, ch.old, ch.key),
                          new=ch.text, secret=ch.secret or ch.old.secret,
                          raw=True)
    bulk.insert_many(st.session, models.Variable, inserts, st.batch)
    bulk.update_many(st.session, models.Variable, updates, st.batch)
