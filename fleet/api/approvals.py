"""Approvals: a human says yes or no to a plan ``pending-approval``.

``approve`` takes the ``remediation`` lock (:data:`fleet.api.blast.LOCK`)
and the plan's row ``FOR UPDATE``, checks that it still awaits approval
and has not expired, checks the hand-off and the blast radius, and moves
it to ``pending`` with its slot (or to ``held`` when the blast radius is
full: the next ``remediation resolve`` starts it when a slot frees), all
in one transaction; only then is the executor asked. Two approvals of one
plan at once: the second waits for the first, then finds the plan no
longer awaiting approval and is refused, so exactly one execution starts.

``reject`` ends the plan (``rejected``) and acknowledges its finding (a
human has looked; the resolver leaves it alone). Who (``ctx.actor``) and
why (``ctx.reason``, required) are on the row and in the change log.
"""

from fleet.api import blast
from fleet.api import handoffs
from fleet.api import remediation
from fleet.common import exception
from fleet.db import models


class Expired(exception.Conflict):
    """The plan's approval time is over."""

    code = 'approval_expired'


def _text(when):
    return when.strftime('%Y-%m-%d %H:%M:%S UTC')


def _checked(txn, plan_id, verb):
    """The plan's row, locked; raises unless it awaits approval.

    :returns: ``(row, expired)``; an expired plan is marked ``expired``
        (and the caller commits that before refusing).
    """
    s = txn.session
    row = remediation.Remediations._row(s, plan_id, lock=True)
    if row.state == 'pending-approval' and row.expires_at is not None and \
            row.expires_at <= txn.now:
        old = row.state
        row.state = 'expired'
        row.detail = 'not approved before %s' % row.expires_at.isoformat()
        txn.record('update', 'remediation', row.id, row.device_name,
                   field='state', old=old, new='expired')
        return row, Expired(
            'remediation %s: its approval expired at %s; nothing was %s. '
            'Run "fleet remediation resolve" to plan it again.' % (
                row.uuid, _text(row.expires_at), verb), field='remediation',
            value=row.uuid)
    if row.state == 'expired':
        return row, Expired(
            'remediation %s: its approval expired%s; nothing was %s. Run '
            '"fleet remediation resolve" to plan it again.' % (
                row.uuid, ' at %s' % _text(row.expires_at)
                if row.expires_at else '', verb), field='remediation',
            value=row.uuid)
    if row.state != 'pending-approval':
        by = ' (by %s: %s)' % (row.decided_by, row.decided_reason) \
            if row.decided_by else ''
        raise exception.Conflict(
            'remediation %s does not await approval: it is %s%s.' % (
                row.uuid, row.state, by), field='remediation',
            value=row.uuid)
    return row, None


def _set(txn, row, **changes):
    for field, value in changes.items():
        old = getattr(row, field)
        if old != value:
            setattr(row, field, value)
            txn.record('update', 'remediation', row.id, row.device_name,
                       field=field, old=old, new=value)


def _finding_to(txn, row, status):
    from fleet.api.audit import findings

    if row.finding_id is not None:
        finding = txn.session.get(models.Finding, row.finding_id)
        if finding is not None:
            findings.move_row(txn, finding, status)


def _need_reason(ctx, verb):
    if not ctx.reason:
        raise exception.Invalid('reason', 'to %s a remediation needs a '
                                'reason' % verb, 'say why with --reason')


def accept(fleet, ctx, plan_id):
    """The database part of an approval (no executor is called).

    :returns: the remediation dict: ``pending`` (its slot taken) or
        ``held`` (the blast radius is full).
    :raises Expired: the approval time is over (the plan is marked
        ``expired``).
    :raises fleet.common.exception.Conflict: the plan does not await
        approval (approved or rejected already ...).
    :raises fleet.api.handoffs.HandedOff: its device is handed off.
    """
    _need_reason(ctx, 'approve')
    with fleet.transaction(ctx) as txn:
        s = txn.session
        blast.lock(s, fleet.lock_timeout)
        row, expired = _checked(txn, plan_id, 'started')
        if expired is None:
            dev = s.get(models.Device, row.device_id)
            handoffs.check(s, dev)
            decided = dict(decided_by=ctx.actor, decided_reason=ctx.reason,
                           decided_at=txn.now)
            try:
                blast.check(s, fleet.conf.remediation, dev)
            except blast.BlastRadius as exc:
                _set(txn, row, state='held', detail=str(exc), **decided)
            else:
                _set(txn, row, state='pending', holds_slot=True,
                     detail=None, **decided)
                _finding_to(txn, row, 'remediating')
        out = remediation._out(row)
    if expired is not None:
        raise expired
    return out


def approve(fleet, ctx, plan_id):
    """Approve a plan and start it (see :func:`accept`).

    :returns: the remediation dict (``running``; ``held`` when the blast
        radius is full; ``failed`` when the executor refused it).
    """
    rem = accept(fleet, ctx, plan_id)
    if rem['state'] != 'pending' or ctx.dry_run:
        return rem
    return fleet.remediations.execute_claimed(ctx, [rem['id']])[0]


def reject(fleet, ctx, plan_id):
    """Reject a plan awaiting approval; its finding is acknowledged.

    :raises Expired: the approval time is over already.
    :raises fleet.common.exception.Conflict: it does not await approval.
    """
    _need_reason(ctx, 'reject')
    with fleet.transaction(ctx) as txn:
        row, expired = _checked(txn, plan_id, 'rejected')
        if expired is None:
            _set(txn, row, state='rejected', decided_by=ctx.actor,
                 decided_reason=ctx.reason, decided_at=txn.now,
                 finished_at=txn.now)
            _finding_to(txn, row, 'acknowledged')
        out = remediation._out(row)
    if expired is not None:
        raise expired
    return out
