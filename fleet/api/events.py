"""The events a committed transaction publishes (the event catalogue).

Two kinds of events leave a transaction once it has committed:

* events derived here from its change rows, so that every inventory
  writer (CLI, sync, revert, Mistral actions) publishes without calling
  anything:

  ``fleet.device.create`` / ``fleet.device.update`` / ``fleet.device.delete``
      one per device the transaction touched, its change rows grouped:
      ``{"device": {"id", "name", "uuid"}, "action", "changes": {field:
      {"old", "new"}}}``. Values are those of the change log: a secret
      variable's values are the mask, never the secret.
  ``fleet.change.create``
      one per transaction that wrote change rows: who, why, how many rows
      per object type and action, and the objects touched (at most
      :data:`MAX_OBJECTS`).

* events a service-layer module queues with
  :meth:`fleet.api.store.Txn.emit` for objects that are not change-logged
  this way (``fleet.alert.*``, later ``fleet.silence.*``,
  ``fleet.finding.*``).

Every payload carries ``event_id``, ``project_id`` (None for fleet-wide
events: devices belong to the operator), ``request_id``, ``actor`` and
``timestamp``; see :func:`envelope`. doc/source/user/notifications.rst
is the user's copy of this catalogue.
"""

import collections
import json
import uuid

import sqlalchemy as sa

from fleet.db import models

#: Objects listed in one ``fleet.change.create`` payload at most.
MAX_OBJECTS = 100

#: Event actions by change-log action.
ACTIONS = ('create', 'update', 'delete')


def envelope(txn, payload, project_id=None):
    """A copy of ``payload`` with the fields every event carries.

    ``event_id`` (a new UUID4, the same for every notifier and retry),
    ``project_id``, ``request_id``, ``actor`` and ``timestamp`` are added
    unless the payload has them already.
    """
    result = dict(payload)
    result.setdefault('event_id', str(uuid.uuid4()))
    result.setdefault('project_id', project_id)
    result.setdefault('request_id', txn.request_id)
    result.setdefault('actor', txn.actor)
    result.setdefault('timestamp', txn.now.isoformat())
    return result


def from_transaction(txn, rows, batch_size=2000):
    """``[(event_type, payload)]`` for a committed transaction.

    :param txn: the :class:`fleet.api.store.Txn` (its session is used to
        read the UUIDs of updated devices).
    :param rows: its change rows (dicts as :meth:`Txn.record` made them).
    """
    events = []
    if rows:
        events.extend(_device_events(txn, rows, batch_size))
        events.append(('fleet.change.create',
                       envelope(txn, _change_summary(txn, rows))))
    for event_type, payload, project_id in txn.events:
        events.append((event_type, envelope(txn, payload, project_id)))
    return events


def _value(text):
    if text is None:
        return None
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _device_events(txn, rows, batch_size):
    devices = collections.OrderedDict()
    for row in rows:
        if row['object_type'] != 'device':
            continue
        dev = devices.setdefault(row['object_id'], {
            'name': row['object_name'], 'uuid': None, 'action': 'update',
            'changes': collections.OrderedDict()})
        dev['name'] = row['object_name']
        old, new = _value(row['old']), _value(row['new'])
        if row['field'] is None and row['action'] in ('create', 'delete'):
            # The whole object: a create's new values, a delete's old ones.
            dev['action'] = row['action']
            whole = new if row['action'] == 'create' else old
            if isinstance(whole, dict):
                dev['uuid'] = whole.get('uuid') or dev['uuid']
                for key, value in whole.items():
                    if value is None or value == []:
                        continue
                    pair = ({'old': None, 'new': value}
                            if row['action'] == 'create' else
                            {'old': value, 'new': None})
                    dev['changes'].setdefault(key, pair)
            continue
        field = row['field'] or '(object)'
        if field in dev['changes']:
            dev['changes'][field]['new'] = new
        else:
            dev['changes'][field] = {'old': old, 'new': new}
    _fill_uuids(txn.session, devices, batch_size)
    events = []
    for dev_id, dev in devices.items():
        payload = {'device': {'id': dev_id, 'name': dev['name'],
                              'uuid': dev['uuid']},
                   'action': dev['action'],
                   'changes': dict(dev['changes'])}
        events.append(('fleet.device.%s' % dev['action'],
                       envelope(txn, payload)))
    return events


def _fill_uuids(session, devices, batch_size):
    wanted = [i for i, dev in devices.items() if dev['uuid'] is None]
    d = models.Device
    for start in range(0, len(wanted), batch_size):
        chunk = wanted[start:start + batch_size]
        for dev_id, dev_uuid in session.execute(
                sa.select(d.id, d.uuid).where(d.id.in_(chunk))):
            devices[dev_id]['uuid'] = dev_uuid


def _change_summary(txn, rows):
    counts = collections.defaultdict(collections.Counter)
    objects = collections.OrderedDict()
    for row in rows:
        counts[row['object_type']][row['action']] += 1
        key = (row['object_type'], row['object_id'])
        obj = objects.get(key)
        if obj is None:
            objects[key] = {'type': row['object_type'],
                            'id': row['object_id'],
                            'name': row['object_name'],
                            'action': (row['action'] if row['field'] is None
                                       else 'update')}
        elif row['field'] is None and row['action'] != 'update':
            obj['action'] = row['action']
    listed = list(objects.values())
    return {'reason': txn.reason, 'rows': len(rows),
            'counts': {kind: dict(c) for kind, c in sorted(counts.items())},
            'objects': listed[:MAX_OBJECTS],
            'objects_truncated': len(listed) > MAX_OBJECTS}
