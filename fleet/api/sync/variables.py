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
    inserts, updates = [], []
    changed_devices = {}
    now = st.txn.now
    for rec in recs:
        dev_id = ids[rec.name]
        have = current.get(dev_id, {})
        for values, secret, observed in ((rec.vars, False, False),
                                         (rec.facts, False, True),
                                         (rec.secrets, True, False)):
            for key, value in values.items():
                text = json.dumps(value, sort_keys=True)
                old = have.get(key)
                if old is None:
                    inserts.append({
                        'scope': 'device', 'scope_id': dev_id, 'key': key,
                        'value': text, 'secret': secret,
                        'observed': observed, 'updated_at': now})
                    st.txn.record('create', 'device', dev_id, rec.name,
                                  field='vars.' + key, new=text,
                                  secret=secret, raw=True)
                elif old.value != text or old.secret != secret:
                    updates.append({'_id': old.id, 'value': text,
                                    'secret': secret, 'observed': observed,
                                    'updated_at': now})
                    st.txn.record('update', 'device', dev_id, rec.name,
                                  field='vars.' + key, old=old.value,
                                  new=text, secret=secret or old.secret,
                                  raw=True)
                else:
                    continue
                if rec.name in matched:
                    changed_devices.setdefault(rec.name, []).append(key)
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
    v = models.Variable
    existing = collections.defaultdict(dict)
    for var in st.session.scalars(sa.select(v).where(v.scope != 'device')):
        existing[(var.scope, var.scope_id)][var.key] = var
    for item in items:
        scope = item['scope']
        scope_id = hierarchy.scope_id(item, ids)
        obj_name = item.get('name') or 'defaults'
        have = existing[(scope, scope_id)] if scope != 'device' else None
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
