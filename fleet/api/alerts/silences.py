"""Silences: Alertmanager-style matchers that suppress alerts until expiry.

A silenced alert is still stored and counted; its state is ``suppressed``
and it is not actionable. Creating a silence applies it at once to the
firing alerts it matches; an expired or deleted silence no longer
suppresses anything (reads compare the expiry with the time now).
"""

import json

import sqlalchemy as sa

from fleet.api.alerts import intake as intake_mod
from fleet.api.alerts import matchers as matchers_mod
from fleet.common import exception
from fleet.db import alert_models
from fleet.db import bulk
from fleet.db import locks
from fleet.db import models

MAX_COMMENT = 4096


def _out(row, now):
    return {'id': row.id, 'matchers': [str(matchers_mod.from_dict(m))
                                       for m in json.loads(row.matchers)],
            'comment': row.comment, 'created_by': row.created_by,
            'created_at': row.created_at, 'expires_at': row.expires_at,
            'active': row.expires_at > now}


class Silences:
    """Create, list and delete silences."""

    def __init__(self, fleet):
        self.fleet = fleet

    def create(self, ctx, matchers, expires, comment):
        """A new silence; returns it as a dict with ``alerts`` silenced.

        :param matchers: texts (``name=value`` ...) or matcher dicts.
        :param expires: a duration (``2h``) or an ISO 8601 time.
        :raises fleet.common.exception.Invalid: a bad matcher (field
            ``matcher``), an expiry not in the future (``expires``), no
            comment (``comment``).
        """
        parsed = matchers_mod.parse_all(matchers)
        if not isinstance(comment, str) or not comment.strip():
            raise exception.Invalid('comment', 'say why the alerts are '
                                    'silenced')
        if len(comment) > MAX_COMMENT:
            raise exception.Invalid('comment', 'at most %d characters'
                                    % MAX_COMMENT)
        s = alert_models.Silence.__table__
        a = alert_models.Alert.__table__
        with self.fleet.transaction(ctx) as txn:
            now = txn.now
            expires_at = matchers_mod.parse_expiry(expires, now)
            locks.acquire(txn.session, intake_mod.LOCK,
                          self.fleet.lock_timeout)
            conn = txn.session.connection()
            stored = json.dumps([m.to_dict() for m in parsed])
            silence_id = conn.execute(s.insert().values(
                matchers=stored, comment=comment,
                created_by=ctx.actor[:255], created_at=now,
                expires_at=expires_at)).inserted_primary_key[0]
            txn.record('create', 'silence', silence_id,
                       ','.join(str(m) for m in parsed)[:255],
                       new={'matchers': [str(m) for m in parsed],
                            'expires_at': expires_at.isoformat(),
                            'comment': comment})
            hit = []
            for row in conn.execute(sa.select(
                    a.c.id, a.c.name, a.c.labels, a.c.fingerprint,
                    a.c.project_id).where(a.c.status == 'firing')):
                labels = dict(json.loads(row.labels), alertname=row.name)
                if matchers_mod.matches_all(parsed, labels):
                    hit.append(row)
            bulk.update_ids(txn.session, alert_models.Alert,
                            [r.id for r in hit], {'silence_id': silence_id},
                            self.fleet.batch_size)
            for row in hit:
                txn.record('update', 'alert', row.id, row.name[:255],
                           field='silence_id', new=silence_id)
                txn.emit('fleet.alert.update', {
                    'id': row.id, 'fingerprint': row.fingerprint,
                    'name': row.name, 'state': 'suppressed',
                    'actionable': False, 'silence_id': silence_id},
                    project_id=row.project_id)
        result = self.get(ctx, silence_id)
        result['alerts'] = len(hit)
        return result

    def get(self, ctx, silence_id):
        s = alert_models.Silence
        with self.fleet.reading() as session:
            row = session.scalars(sa.select(s).where(
                s.id == _id(silence_id))).first()
            if row is None:
                raise exception.NotFound('silence', str(silence_id),
                                         key='with id')
            return _out(row, models.utcnow())

    def list(self, ctx, expired=False):
        """Silences, newest first; expired ones too with ``expired``."""
        s = alert_models.Silence
        now = models.utcnow()
        with self.fleet.reading() as session:
            q = sa.select(s).order_by(s.id.desc())
            if not expired:
                q = q.where(s.expires_at > now)
            return [_out(row, now) for row in session.scalars(q)]

    def delete(self, ctx, silence_id, reason=None):
        """Delete a silence; the alerts it suppressed are no longer.

        :raises fleet.common.exception.NotFound: no such silence.
        """
        s = alert_models.Silence.__table__
        a = alert_models.Alert.__table__
        sid = _id(silence_id)
        with self.fleet.transaction(ctx, reason) as txn:
            locks.acquire(txn.session, intake_mod.LOCK,
                          self.fleet.lock_timeout)
            conn = txn.session.connection()
            row = conn.execute(sa.select(s).where(s.c.id == sid)).first()
            if row is None:
                raise exception.NotFound('silence', str(silence_id),
                                         key='with id')
            old = _out(row, txn.now)
            conn.execute(a.update().where(a.c.silence_id == sid).values(
                silence_id=None))
            conn.execute(s.delete().where(s.c.id == sid))
            txn.record('delete', 'silence', sid,
                       ','.join(old['matchers'])[:255],
                       old={'matchers': old['matchers'],
                            'expires_at': old['expires_at'].isoformat(),
                            'comment': old['comment']})
        return old


def _id(value):
    text = str(value).strip()
    if not text.isdigit() or len(text) > 12:
        raise exception.NotFound('silence', text[:80], key='with id')
    return int(text)
