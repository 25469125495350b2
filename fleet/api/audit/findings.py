"""Findings: read them and move them through their lifecycle.

A finding is one rule failing for one device or group, keyed by a
fingerprint of (rule, subject). Lifecycle::

    open -> acknowledged -> remediating -> resolved
                                       \\-> escalated

An audit opens findings, and resolves those whose check passes again (a
resolved finding that fails again is reopened); operators acknowledge and
resolve them (``finding ack/resolve``); the remediation layer moves them
to ``remediating`` and ``escalated``. Every status change is in the change
log (object type ``finding``) and is published as ``fleet.finding.create``
/ ``.update`` / ``.resolve``.
"""

import hashlib
import json

import sqlalchemy as sa

from fleet.common import exception
from fleet.db import models

STATUSES = ('open', 'acknowledged', 'remediating', 'escalated', 'resolved')
#: Statuses of a finding still in force (an audit keeps it up to date).
ACTIVE = ('open', 'acknowledged', 'remediating', 'escalated')
#: Allowed moves: status -> statuses it may go to.
MOVES = {
    'open': ('acknowledged', 'remediating', 'escalated', 'resolved'),
    'acknowledged': ('remediating', 'escalated', 'resolved'),
    'remediating': ('escalated', 'resolved'),
    'escalated': ('acknowledged', 'remediating', 'resolved'),
    'resolved': ('open',),
}
SEVERITIES = ('info', 'warning', 'critical', 'error')


def fingerprint(rule, subject):
    """The stable key of a finding: sha256 of rule and subject."""
    return hashlib.sha256(('%s\0%s' % (rule, subject)).encode(
        'utf-8')).hexdigest()


def object_name(rule, subject):
    """What the change log calls a finding: ``rule: subject``."""
    return ('%s: %s' % (rule, subject))[:255]


def _decode(text):
    return None if text is None else json.loads(text)


def payload(row):
    """A finding as a dict (rows of :data:`COLUMNS` or a Finding)."""
    get = row.get if isinstance(row, dict) else \
        (lambda k: getattr(row, k))
    return {'id': get('id'), 'fingerprint': get('fingerprint'),
            'rule': get('rule'), 'policy': get('policy'),
            'auditor': get('auditor'), 'subject': get('subject'),
            'severity': get('severity'), 'status': get('status'),
            'message': get('message'),
            'observed': _decode(get('observed')),
            'expected': _decode(get('expected')), 'count': get('count'),
            'first_seen': get('first_seen'), 'last_seen': get('last_seen'),
            'resolved_at': get('resolved_at')}


def event_payload(data):
    """JSON-able event payload (times as ISO text)."""
    return {k: (v.isoformat() if hasattr(v, 'isoformat') else v)
            for k, v in data.items()}


def resolve_where(txn, condition, why):
    """Resolve every active finding matching ``condition`` (in ``txn``)."""
    f = models.Finding
    s = txn.session
    rows = list(s.scalars(sa.select(f).where(condition,
                                             f.status.in_(ACTIVE))))
    for row in rows:
        txn.record('update', 'finding', row.id,
                   object_name(row.rule, row.subject), field='status',
                   old=row.status, new='resolved')
        row.status = 'resolved'
        row.resolved_at = txn.now
        row.message = '%s (%s)' % (row.message, why) \
            if why not in row.message else row.message
        txn.emit('fleet.finding.resolve', event_payload(payload(row)))
    s.flush()
    return len(rows)


def move_row(txn, row, status):
    """Move Finding ``row`` to ``status`` inside ``txn``.

    Only if :data:`MOVES` allows it (a change row and an event); returns
    False if not.
    """
    if status == row.status:
        return True
    if status not in MOVES[row.status]:
        return False
    txn.record('update', 'finding', row.id,
               object_name(row.rule, row.subject), field='status',
               old=row.status, new=status)
    row.status = status
    row.resolved_at = txn.now if status == 'resolved' else None
    if status == 'open':
        row.opened_at = txn.now
    txn.emit('fleet.finding.resolve' if status == 'resolved'
             else 'fleet.finding.update', event_payload(payload(row)))
    return True


def outcome(txn, finding_id, state):
    """A finished remediation's finding: resolved when it ``succeeded``,
    escalated to a human when it failed (as far as :data:`MOVES` allow).
    """
    if finding_id is None:
        return
    row = txn.session.get(models.Finding, finding_id)
    if row is not None and row.status != 'resolved':
        move_row(txn, row, 'resolved' if state == 'succeeded'
                 else 'escalated')


class Findings:
    """List, show, acknowledge and resolve findings."""

    def __init__(self, fleet):
        self.fleet = fleet

    def list(self, ctx, status=None, rule=None, device=None, severity=None,
             policy=None, limit=None):
        """Findings, worst severity first, then newest.

        :param status: a status or a list; default the active ones
            (:data:`ACTIVE`); ``all`` for every finding.
        :param device: a device name or UUID (its per-device findings).
        :raises fleet.common.exception.Invalid: an unknown status or
            severity.
        :raises fleet.common.exception.NotFound: an unknown device.
        """
        from fleet.api import refs

        statuses = _statuses(status)
        if severity is not None and severity not in SEVERITIES:
            raise exception.Invalid('severity', 'unknown severity %r'
                                    % (severity,), 'use one of %s'
                                    % ', '.join(SEVERITIES))
        f = models.Finding
        with self.fleet.reading() as s:
            q = sa.select(f)
            if statuses is not None:
                q = q.where(f.status.in_(statuses))
            if rule:
                q = q.where(f.rule == rule)
            if policy:
                q = q.where(f.policy == policy)
            if severity:
                q = q.where(f.severity == severity)
            if device:
                q = q.where(f.device_id == refs.device(s, device).id)
            rank = sa.case({'error': 4, 'critical': 3, 'warning': 2,
                            'info': 1}, value=f.severity, else_=0)
            q = q.order_by(rank.desc(), f.last_seen.desc(), f.id.desc())
            if limit:
                q = q.limit(limit)
            return [payload(row) for row in s.scalars(q)]

    def show(self, ctx, ref):
        """One finding by id or fingerprint (or a unique prefix of one)."""
        with self.fleet.reading() as s:
            return payload(_get(s, ref))

    def ack(self, ctx, ref):
        """Acknowledge a finding (a human is on it)."""
        return self.move(ctx, ref, 'acknowledged')

    def resolve(self, ctx, ref):
        """Resolve a finding by hand; the next audit reopens it if the
        check still fails."""
        return self.move(ctx, ref, 'resolved')

    def move(self, ctx, ref, status):
        """Move a finding to ``status`` along :data:`MOVES`.

        :raises fleet.common.exception.Conflict: the move is not allowed
            from the finding's status.
        """
        if status not in STATUSES:
            raise exception.Invalid('status', 'unknown status %r'
                                    % (status,), 'use one of %s'
                                    % ', '.join(STATUSES))
        with self.fleet.transaction(ctx) as txn:
            row = _get(txn.session, ref)
            if not move_row(txn, row, status):
                raise exception.Conflict(
                    'finding %d is %s; it cannot become %s (from %s: %s).'
                    % (row.id, row.status, status, row.status,
                       ', '.join(MOVES[row.status])), field='status',
                    value=status)
            txn.session.flush()
            return payload(row)

    def history(self, ctx, ref):
        """The change-log rows of one finding, oldest first."""
        with self.fleet.reading() as s:
            row = _get(s, ref)
            c = models.Change
            return [{'created_at': ch.created_at, 'actor': ch.actor,
                     'action': ch.action, 'field': ch.field,
                     'old': _decode(ch.old), 'new': _decode(ch.new),
                     'reason': ch.reason}
                    for ch in s.scalars(sa.select(c).where(
                        c.object_type == 'finding',
                        c.object_id == row.id).order_by(c.id))]


def _statuses(status):
    if status is None:
        return list(ACTIVE)
    if status == 'all' or status == ['all']:
        return None
    wanted = [status] if isinstance(status, str) else list(status)
    for one in wanted:
        if one not in STATUSES:
            raise exception.Invalid('status', 'unknown status %r' % (one,),
                                    'use one of %s or all'
                                    % ', '.join(STATUSES))
    return wanted


def _get(s, ref):
    f = models.Finding
    text = str(ref).strip()
    row = None
    if text.isdigit():
        row = s.get(f, int(text))
    elif len(text) >= 6 and all(c in '0123456789abcdef' for c in text):
        rows = list(s.scalars(sa.select(f).where(
            f.fingerprint.like(text + '%')).limit(2)))
        if len(rows) > 1:
            raise exception.Invalid('finding', 'fingerprint prefix %r is '
                                    'ambiguous' % text,
                                    'give more characters or the id')
        row = rows[0] if rows else None
    if row is None:
        raise exception.NotFound('finding', text, key='with id or '
                                 'fingerprint', field='finding')
    return row
