"""Alerts: intake, reads, acknowledgement and resolution (FLT004, FLT014).

``Fleet.alerts`` is an :class:`Alerts`; ``Fleet.silences`` a
:class:`fleet.api.alerts.silences.Silences`. The lifecycle is described in
:mod:`fleet.api.alerts.state`, the intake (fingerprints, dedupe,
occurrences, repeat thresholds, flapping) in :mod:`fleet.api.alerts.intake`,
rules in :mod:`fleet.api.alerts.rules`. Every state change lands in the
change log (object type ``alert``) and queues a ``fleet.alert.*`` event.
"""

import json

import sqlalchemy as sa

from fleet.api.alerts import intake as intake_mod
from fleet.api.alerts import linking
from fleet.api.alerts import metrics
from fleet.api.alerts import payloads
from fleet.api.alerts import rules as rules_mod
from fleet.api.alerts import state as state_mod
from fleet.api import refs
from fleet.common import exception
from fleet.db import alert_models
from fleet.db import models

#: ``alert list --status`` choices: ``firing``/``resolved`` are the status,
#: the others the flags of firing alerts; ``actionable`` what automation
#: may act on.
STATUS_FILTERS = ('firing', 'resolved', 'acknowledged', 'suppressed',
                  'flapping', 'held', 'actionable')


class Alerts:
    """Take alerts in and act on them."""

    def __init__(self, fleet):
        self.fleet = fleet
        conf = fleet.conf
        if conf is None:
            from fleet.conf import CONF as conf
        group = conf.alerts
        self.rulebook = rules_mod.RuleBook(group)
        self.intake = intake_mod.Intake(
            fleet, self.rulebook, linking.Linker(group))

    # -- intake ---------------------------------------------------------------
    def _limit(self):
        return self.fleet.conf.alerts.max_alerts_per_post

    def receive_alertmanager(self, ctx, body):
        """Store an Alertmanager webhook payload (version 4).

        :returns: :class:`fleet.api.alerts.intake.Result`; bad alerts are
            in its ``rejected`` list, the good ones of the post stored.
        :raises fleet.common.exception.Invalid: the post as a whole is bad;
            nothing is stored.
        """
        incoming, rejected = payloads.alertmanager(body, self._limit())
        metrics.rejected('alertmanager', len(rejected))
        return self._reacted(ctx, self.intake.ingest(ctx, incoming,
                                                     rejected))

    def receive(self, ctx, body):
        """Store a post of fleet's generic form (see the alerts guide)."""
        incoming, rejected = payloads.generic(body, self._limit())
        metrics.rejected('generic', len(rejected))
        return self._reacted(ctx, self.intake.ingest(ctx, incoming,
                                                     rejected))

    def _reacted(self, ctx, result):
        """``result``, its newly actionable alerts handed to the reactor
        (:mod:`fleet.api.reactions`; a no-op outside fleet-api)."""
        if result.actionable and not ctx.dry_run:
            self.fleet.reactions.submit(ctx, result.actionable)
        return result

    def ingest(self, ctx, incoming):
        """Store :class:`~fleet.api.alerts.payloads.Incoming` records
        (in-process sources)."""
        return self.intake.ingest(ctx, incoming)

    def collected(self, ctx, readings, events, names, txn=None):
        """Raise and resolve alerts from one collector's sweep.

        :param names: ``{device id: device name}``.
        :param txn: the caller's transaction to write in, before any
            other read of it (``fleet collect`` stores the readings in the
            same one); default one of its own.
        See :mod:`fleet.api.alerts.internal`.
        """
        from fleet.api.alerts import internal

        incoming = internal.from_readings(readings, names) + \
            internal.from_sel(events, names)
        return self.intake.ingest(ctx, incoming, txn=txn)

    # -- reads ----------------------------------------------------------------
    def _query(self, now):
        a = alert_models.Alert.__table__
        s = alert_models.Silence.__table__
        d = models.Device.__table__
        active = sa.and_(s.c.id == a.c.silence_id, s.c.expires_at > now)
        q = sa.select(a, d.c.name.label('device'),
                      (s.c.id.is_not(None)).label('silenced')).select_from(
            a.outerjoin(d, d.c.id == a.c.device_id).outerjoin(s, active))
        return a, s, q

    def list(self, ctx, status=None, device=None, severity=None, name=None,
             limit=None):
        """Alerts as dicts, most recently seen first.

        :param status: one of :data:`STATUS_FILTERS`.
        :param device: a device name or UUID.
        """
        if status is not None and status not in STATUS_FILTERS:
            raise exception.Invalid('status', 'unknown status %r' % (status,),
                                    'use one of %s'
                                    % ', '.join(STATUS_FILTERS))
        now = models.utcnow()
        a, s, q = self._query(now)
        firing = a.c.status == 'firing'
        silenced = s.c.id.is_not(None)
        where = {
            'firing': firing, 'resolved': a.c.status == 'resolved',
            'acknowledged': sa.and_(firing, a.c.acknowledged_by.is_not(None)),
            'suppressed': sa.and_(firing, silenced),
            'flapping': sa.and_(firing, a.c.flapping.is_(True)),
            'held': sa.and_(firing, a.c.held.is_(True)),
            'actionable': sa.and_(firing, sa.not_(silenced),
                                  a.c.held.is_(False),
                                  a.c.flapping.is_(False),
                                  a.c.acknowledged_by.is_(None)),
        }
        with self.fleet.reading() as session:
            if status:
                q = q.where(where[status])
            if device:
                q = q.where(a.c.device_id == refs.device(session, device).id)
            if severity:
                q = q.where(a.c.severity == severity.lower())
            if name:
                q = q.where(a.c.name == name)
            q = q.order_by(a.c.last_seen.desc(), a.c.id.desc())
            if limit:
                q = q.limit(limit)
            return [_out(row._asdict()) for row in session.execute(q)]

    def get(self, ctx, alert):
        """One alert by id (or fingerprint) as a dict.

        :raises fleet.common.exception.NotFound: no such alert.
        """
        now = models.utcnow()
        a, _s, q = self._query(now)
        with self.fleet.reading() as session:
            row = session.execute(q.where(_key(a, alert))).first()
        if row is None:
            raise exception.NotFound('alert', str(alert), key='with id')
        return _out(row._asdict())

    def history(self, ctx, alert):
        """The alert's change-log rows, oldest first."""
        found = self.get(ctx, alert)
        c = models.Change
        with self.fleet.reading() as session:
            rows = session.scalars(sa.select(c).where(
                c.object_type == 'alert', c.object_id == found['id']
            ).order_by(c.id)).all()
            return [{'id': r.id, 'created_at': r.created_at,
                     'actor': r.actor, 'action': r.action, 'field': r.field,
                     'old': None if r.old is None else json.loads(r.old),
                     'new': None if r.new is None else json.loads(r.new),
                     'reason': r.reason, 'request_id': r.request_id}
                    for r in rows]

    # -- a human's actions ----------------------------------------------------
    def acknowledge(self, ctx, alert, reason=None):
        """A human takes the alert: no longer actionable; clears flapping.

        :raises fleet.common.exception.Conflict: it is resolved.
        """
        def change(row, now):
            if row['status'] == 'resolved':
                raise exception.Conflict(
                    'alert %s is resolved; nothing to acknowledge'
                    % row['id'], field='alert')
            return {'acknowledged_by': ctx.actor[:255],
                    'acknowledged_at': now, 'flapping': False,
                    'flap_count': 0, 'flap_start': None}
        return self._act(ctx, alert, reason, change, 'acknowledged_by')

    def unacknowledge(self, ctx, alert, reason=None):
        """Undo :meth:`acknowledge`.

        :raises fleet.common.exception.Conflict: it is not acknowledged.
        """
        def change(row, now):
            if not row['acknowledged_by']:
                raise exception.Conflict('alert %s is not acknowledged'
                                         % row['id'], field='alert')
            return {'acknowledged_by': None, 'acknowledged_at': None}
        return self._act(ctx, alert, reason, change, 'acknowledged_by')

    def resolve(self, ctx, alert, reason=None):
        """Resolve by hand (the sender may fire it again).

        :raises fleet.common.exception.Conflict: already resolved.
        """
        def change(row, now):
            if row['status'] == 'resolved':
                raise exception.Conflict('alert %s is resolved already'
                                         % row['id'], field='alert')
            return {'status': 'resolved', 'ends_at': now, 'held': False}
        return self._act(ctx, alert, reason, change, 'status')

    def _act(self, ctx, alert, reason, change, field):
        a = alert_models.Alert.__table__
        s = alert_models.Silence.__table__
        with self.fleet.transaction(ctx, reason) as txn:
            from fleet.db import locks
            locks.acquire(txn.session, intake_mod.LOCK,
                          self.fleet.lock_timeout)
            conn = txn.session.connection()
            row = conn.execute(sa.select(a).where(_key(a, alert))).first()
            if row is None:
                raise exception.NotFound('alert', str(alert), key='with id')
            row = row._asdict()
            active = row['silence_id'] is not None and conn.execute(
                sa.select(s.c.id).where(s.c.id == row['silence_id'],
                                        s.c.expires_at > txn.now)
            ).first() is not None
            before = state_mod.state(row, silence_active=active)
            values = change(row, txn.now)
            old = row[field]
            row.update(values)
            after = state_mod.state(row, silence_active=active)
            conn.execute(a.update().where(a.c.id == row['id']).values(
                values))
            txn.record('update' if after != 'resolved' else 'resolve',
                       'alert', row['id'], row['name'][:255], field=field,
                       old=old, new=row[field])
            if before != after:
                txn.record('update' if after != 'resolved' else 'resolve',
                           'alert', row['id'], row['name'][:255],
                           field='state', old=before, new=after)
            txn.emit('fleet.alert.resolve' if after == 'resolved' and
                     before != 'resolved' else 'fleet.alert.update',
                     state_mod.event_payload(row, after),
                     project_id=row['project_id'])
        return self.get(ctx, row['id'])


def _key(a, alert):
    """WHERE clause for an id (int or digits) or a fingerprint."""
    text = str(alert).strip()
    if text.isdigit() and len(text) < 12:
        return a.c.id == int(text)
    if not payloads.FINGERPRINT_RE.match(text):
        raise exception.NotFound('alert', text[:80], key='with id')
    return a.c.fingerprint == text


def _out(row):
    silenced = bool(row.pop('silenced', False))
    row['suppressed'] = silenced and row['status'] == 'firing'
    row['state'] = state_mod.state(row, silence_active=silenced)
    row['actionable'] = row['state'] == 'firing'
    row['labels'] = json.loads(row['labels'])
    row['annotations'] = json.loads(row['annotations'])
    row['held'] = bool(row['held'])
    row['flapping'] = bool(row['flapping'])
    row['device_unknown'] = bool(row['device_unknown'])
    for key in ('window_start', 'window_count', 'flap_start', 'flap_count'):
        row.pop(key, None)
    if not silenced:
        row['silence_id'] = None
    return row
