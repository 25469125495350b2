"""Sync step: variables of devices and of hierarchy levels.

Device records carry ``vars`` (desired), ``facts`` (observed) and
``secrets``; a snapshot's ``variables`` and ``defaults`` set variables on
levels. Values are compared as JSON text; only differences are written and
recorded (secret values masked in the change log).
"""

import collections
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
    changes = []   # (device name, id, key, old row or None, text, ...)
    for rec in recs:
        dev_id = ids[rec.name]
        have = current.get(dev_id, {})
        for values, secret, observed in ((rec.vars, False, False),
                                         (rec.facts, False, True),
                                         (rec.secrets, True, False)):
            for key, value in values.items():
                text = json.dumps(value, sort_keys=True)
                old = have.get(key)
                if old is None or old.value != text or old.secret != secret:
                    changes.append((rec.name, dev_id, key, old, text, secret,
                                    observed))
    changes = _recheck(st, changes)
    _write_device_vars(st, changes, matched)


def _recheck(st, changes):
    """Re-read, locked, the rows about to be updated.

    Another writer (``var set``) may have changed one since the sync read
    it: the change log must record the value really replaced, and a value
    now equal to the new one is no change at all.
    """
    v = models.Variable
    ids = sorted(old.id for _n, _d, _k, old, *_r in changes
                 if old is not None)
    fresh = {}
    for batch in bulk.batches(ids, st.batch):
        for row in st.session.execute(sa.select(
                v.id, v.value, v.secret).where(
                    v.id.in_(batch)).with_for_update()):
            fresh[row.id] = row
    kept = []
    for name, dev_id, key, old, text, secret, observed in changes:
        if old is not None:
            old = fresh.get(old.id)
            if old is not None and old.value == text and \
                    old.secret == secret:
                continue
        kept.append((name, dev_id, key, old, text, secret, observed))
    return kept


def _write_device_vars(st, changes, matched):
    v = models.Variable
    now = st.txn.now
    inserts, updates = [], []
    changed_devices = {}
    for name, dev_id, key, old, text, secret, observed in changes:
        if old is None:
            inserts.append({
                'scope': 'device', 'scope_id': dev_id, 'key': key,
                'value': text, 'secret': secret, 'observed': observed,
                'updated_at': now})
            st.txn.record('create', 'device', dev_id, name,
                          field='vars.' + key, new=text, secret=secret,
                          raw=True)
        else:
            updates.append({'_id': old.id, 'value': text, 'secret': secret,
                            'observed': observed, 'updated_at': now})
            st.txn.record('update', 'device', dev_id, name,
                          field='vars.' + key, old=old.value, new=text,
                          secret=secret or old.secret, raw=True)
        if name in matched:
            changed_devices.setdefault(name, []).append(key)
    bulk.insert_many(st.session, v, inserts, st.batch)
    bulk.update_many(st.session, v, updates, st.batch)
    for name in sorted(changed_devices):
        st.report('changed', 'device', name, 'vars: %s' % ', '.join(
            sorted(changed_devices[name])))


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
    for item, scope_id in targets:
        scope = item['scope']
        obj_name = item.get('name') or 'defaults'
        have = existing[(scope, scope_id)]
        for values, secret in ((item.get('vars') or {}, False),
                               (item.get('secrets') or {}, True)):
            try:
                encoded = {variables_api.check_key(k):
                           variables_api.encode(k, val)
                           for k, val in values.items()}
            except exception.FleetError as exc:
                raise invalid(item.get('where') or obj_name, str(exc))
            if encoded and st.fleet.variables.apply(
                    st.txn, scope, scope_id, obj_name, encoded,
                    secret=secret, existing=have):
                st.report('changed', scope, obj_name, 'variables')


def _rows_of(st, objects):
    """``{(scope, scope_id): {key: Variable}}``, read locked, in batches."""
    v = models.Variable
    by_scope = collections.defaultdict(list)
    for scope, scope_id in objects:
        by_scope[scope].append(scope_id)
    existing = collections.defaultdict(dict)
    for scope, scope_ids in sorted(by_scope.items()):
        scope_ids.sort()
        for batch in bulk.batches(scope_ids, st.batch):
            for var in st.session.scalars(sa.select(v).where(
                    v.scope == scope, v.scope_id.in_(batch)
            ).with_for_update()):
                existing[(var.scope, var.scope_id)][var.key] = var
    return existing
