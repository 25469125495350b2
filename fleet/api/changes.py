"""The append-only change log: listing, "as of time T", and revert."""

import datetime
import json

import sqlalchemy as sa

from fleet.api import refs
from fleet.common import constants
from fleet.common import exception
from fleet.db import models


#: Object types the change log records: inventory scopes, remediations.
LOGGED_TYPES = constants.CHANGE_OBJECT_TYPES
#: Device fields that record operations, not attributes (power changes,
#: hand-offs): "as of" leaves them out.
OPERATIONAL_FIELDS = ('power', 'hands_off')


def parse_when(value, option='at'):
    """A revision: a change id (int) or an ISO 8601 time (UTC if naive).

    :param option: the option the value came from, for the error message.
    """
    if isinstance(value, int):
        return value
    if isinstance(value, datetime.datetime):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        when = datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        raise exception.Invalid(
            option, 'cannot read %r as a time or change id' % text,
            'give a change id (see: fleet change list) or an ISO 8601 time '
            'such as 2026-11-23T19:30:00Z')
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return when


def _row(change):
    return {'id': change.id, 'request_id': change.request_id,
            'created_at': change.created_at, 'actor': change.actor,
            'action': change.action, 'object_type': change.object_type,
            'object_name': change.object_name, 'field': change.field,
            'old': None if change.old is None else json.loads(change.old),
            'new': None if change.new is None else json.loads(change.new),
            'secret': change.secret, 'reason': change.reason}


class ChangeLog:
    """Read the change log and revert devices to a prior revision."""

    def __init__(self, fleet):
        self.fleet = fleet

    def list(self, ctx, object_type=None, name=None, actor=None, since=None,
             until=None, request_id=None, limit=100):
        with self.fleet.reading() as s:
            c = models.Change
            q = sa.select(c)
            if object_type:
                if object_type not in LOGGED_TYPES:
                    raise exception.Invalid(
                        'type', 'unknown object type %r' % object_type,
                        'use one of %s' % ', '.join(LOGGED_TYPES))
                q = q.where(c.object_type == object_type)
            if name:
                if object_type == 'device':
                    try:
                        dev_id = refs.device(s, name).id
                        q = q.where(c.object_id == dev_id)
                    except exception.NotFound:
                        q = q.where(c.object_name == name)
                else:
                    q = q.where(c.object_name == name)
            if actor:
                q = q.where(c.actor == actor)
            for value, option, newer in ((since, 'since', True),
                                         (until, 'until', False)):
                if value is None:
                    continue
                when = parse_when(value, option)
                col = c.id if isinstance(when, int) else c.created_at
                q = q.where(col >= when if newer else col <= when)
            if request_id:
                q = q.where(c.request_id == request_id)
            q = q.order_by(c.id.desc())
            if limit:
                q = q.limit(limit)
            return [_row(x) for x in s.scalars(q)]

    def show(self, ctx, change_id):
        with self.fleet.reading() as s:
            try:
                change_id = int(change_id)
            except (TypeError, ValueError):
                raise exception.Invalid('change', 'not a change id: %r'
                                        % (change_id,),
                                        'give the number from the ID column')
            change = s.get(models.Change, change_id)
            if change is None:
                raise exception.NotFound('change', change_id, '',
                                         hint='list_changes',
                                         key='with id')
            return _row(change)

    @staticmethod
    def _check_revision(s, at, option):
        """A change id must name a change; it is never taken as "now"."""
        if isinstance(at, int) and s.get(models.Change, at) is None:
            raise exception.Invalid(option, 'no change with id %d' % at,
                                    hint='list_changes')

    def _device_changes(self, s, dev_id, at):
        c = models.Change
        q = sa.select(c).where(c.object_type == 'device',
                               c.object_id == dev_id)
        if isinstance(at, int):
            q = q.where(c.id <= at)
        else:
            q = q.where(c.created_at <= at)
        return s.scalars(q.order_by(c.id)).all()

    def device_as_of(self, ctx, device, at, option='at'):
        """A device's attributes, labels and variables as of ``at``.

        :param at: change id or time (see :func:`parse_when`).
        :returns: {'attributes': {...}, 'labels': [...], 'vars': {...},
            'secret_keys': [...], 'revision': last change id applied}.
        """
        at = parse_when(at, option)
        with self.fleet.reading() as s:
            self._check_revision(s, at, option)
            dev = refs.device(s, device)
            rows = self._device_changes(s, dev.id, at)
        if not rows:
            raise exception.Invalid(
                option, 'device %r did not exist yet at %s' % (device, at),
                'see: fleet change list --type device --name %s' % device)
        attrs, labels, vars_, secret_keys = {}, [], {}, set()
        for ch in rows:
            new = None if ch.new is None else json.loads(ch.new)
            if ch.field is None:
                if ch.action == 'create':
                    attrs = {k: v for k, v in (new or {}).items()
                             if k != 'labels'}
                    labels = list((new or {}).get('labels') or [])
                elif ch.action == 'delete':
                    attrs, labels, vars_ = {}, [], {}
            elif ch.field.startswith('vars.'):
                key = ch.field[5:]
                if ch.action == 'delete':
                    vars_.pop(key, None)
                    secret_keys.discard(key)
                else:
                    vars_[key] = new
                    if ch.secret:
                        secret_keys.add(key)
                    else:
                        secret_keys.discard(key)
            elif ch.field == 'labels':
                labels = list(new or [])
            elif ch.field in OPERATIONAL_FIELDS:
                continue
            else:
                attrs[ch.field] = new
        return {'attributes': attrs, 'labels': labels, 'vars': vars_,
                'secret_keys': sorted(secret_keys),
                'revision': rows[-1].id}

    def revert_device_vars(self, ctx, device, at):
        """Set a device's own variables back to what they were at ``at``.

        Non-secret variables are restored, added or removed to match the
        revision; secret variables are left alone (the log never holds
        their values) and reported as ``skipped``. Recorded as one change
        set, with the context's reason (default: the revision); with
        ``ctx.dry_run`` nothing is written.

        :returns: [{'key', 'action', 'old', 'new'}] for every difference.
        """
        past = self.device_as_of(ctx, device, at, option='to')
        reason = 'revert to revision %s' % past['revision']
        plan = []
        with self.fleet.transaction(ctx, reason) as txn:
            s = txn.session
            dev = refs.device(s, device)
            current = {v.key: v for v in s.scalars(
                sa.select(models.Variable).where(
                    models.Variable.scope == 'device',
                    models.Variable.scope_id == dev.id))}
            encoded = {}
            for key in sorted(set(current) | set(past['vars'])):
                var = current.get(key)
                if key in past['secret_keys'] or (var and var.secret):
                    plan.append({'key': key, 'action': 'skipped (secret)',
                                 'old': constants.MASK, 'new': constants.MASK})
                    continue
                old = json.loads(var.value) if var else None
                if key not in past['vars']:
                    plan.append({'key': key, 'action': 'unset', 'old': old,
                                 'new': None})
                    txn.record('delete', 'device', dev.id, dev.name,
                               field='vars.' + key, old=var.value, raw=True)
                    s.delete(var)
                elif var is None or old != past['vars'][key]:
                    plan.append({'key': key,
                                 'action': 'set' if var else 'add',
                                 'old': old, 'new': past['vars'][key]})
                    encoded[key] = json.dumps(past['vars'][key])
            if encoded:
                self.fleet.variables.apply(txn, 'device', dev.id, dev.name,
                                           encoded)
        return plan
