"""One batch of the resolver's decisions (see :mod:`fleet.api.resolver`).

:class:`Batch` runs inside the resolver's locked transaction: it reads the
blast-radius budget, the hand-offs and the repeat counts once, then
decides finding by finding in memory and writes the plans.
"""

import datetime
import json
import uuid as uuid_mod

import sqlalchemy as sa

from fleet.api import blast
from fleet.db import models

#: Plan states that are still in force (block a new plan of the finding).
LIVE = ('pending-approval', 'held', 'pending', 'running')
#: Plans counted by the repeat threshold (they act, or are about to).
ACTS = ('pending-approval', 'held', 'pending', 'running', 'succeeded',
        'failed')
#: What a decision says, by the state of the row it leaves.
DECISION = {'notified': 'notify', 'pending-approval': 'approve',
            'pending': 'start', 'held': 'held', 'escalated': 'escalate',
            'expired': 'expire'}


def _device_cols():
    d = models.Device
    return (d.id.label('dev_id'), d.name.label('dev_name'), d.rack_id,
            d.cell_id, d.region_id, d.role)


class _Dev:
    """What the blast-radius budget reads of a device."""

    __slots__ = ('id', 'name', 'rack_id', 'cell_id', 'region_id', 'role')

    def __init__(self, row):
        self.id, self.name = row.dev_id, row.dev_name
        self.rack_id, self.cell_id = row.rack_id, row.cell_id
        self.region_id, self.role = row.region_id, row.role


class Rule:
    """A rule with a remediation, its workflow checked once per run."""

    def __init__(self, rule, options, describe):
        self.name = rule['name']
        self.policy = rule['policy']
        self.mode = rule['mode']
        self.workflow = rule['remediation']['workflow']
        self.input = rule['remediation'].get('input') or {}
        self.repeat = (rule['repeat_count'], rule['repeat_window']) \
            if rule.get('repeat_count') else None
        self.ttl = rule.get('approval_ttl') or options.approval_ttl
        self.executor = options.default_executor
        self.problem = None
        info = describe(self.workflow, strict=False)
        if info is None:
            self.problem = ('rule %s: no known workbook has workflow %r '
                            '(see: fleet workbook list)' % (self.name,
                                                            self.workflow))
            return
        unknown = sorted(set(self.input) - set(info['input']) -
                         {'host', 'reason'})
        missing = [k for k in info['required']
                   if k not in ('host', 'reason') and
                   self.input.get(k) is None]
        if unknown:
            self.problem = 'rule %s: %s takes no input %s' % (
                self.name, self.workflow, ', '.join(unknown))
        elif missing:
            self.problem = 'rule %s: %s needs input %s' % (
                self.name, self.workflow, ', '.join(missing))

    def wf_input(self, finding_id, device):
        out = {'host': device,
               'reason': 'finding %d of rule %s' % (finding_id, self.name)}
        out.update(self.input)
        out['host'] = device
        return out


class Batch:
    """One batch of decisions inside one locked transaction."""

    def __init__(self, resolver, txn, rules):
        self.fleet = resolver.fleet
        self.options = resolver.options
        self.txn = txn
        self.s = txn.session
        self.now = txn.now
        self.rules = rules
        self.claimed = []
        self.created = []
        self.moves = []
        self.budget = blast.Budget(self.s, self.options)
        self.handed_off = set(self.s.scalars(sa.select(
            models.Handoff.device_id)))
        self.repeats = self._repeat_counts()

    def _repeat_counts(self):
        r = models.Remediation
        counts = {}
        for rule in self.rules.values():
            if not rule.repeat:
                continue
            since = self.now - datetime.timedelta(seconds=rule.repeat[1])
            for dev_id, n in self.s.execute(
                    sa.select(r.device_id, sa.func.count()).where(
                        r.rule == rule.name, r.state.in_(ACTS),
                        r.created_at >= since).group_by(r.device_id)):
                counts[(rule.name, dev_id)] = n
        return counts

    # -- reading -----------------------------------------------------------
    def candidates(self, wanted, after, limit):
        """Open findings of devices, of rules with a remediation.

        Only those no plan of their current opening covers; by id, after
        ``after``.
        """
        if not self.rules:
            return []
        f, r, d = models.Finding, models.Remediation, models.Device
        opened = sa.func.coalesce(f.opened_at, f.first_seen)
        covered = sa.exists().where(r.finding_id == f.id, sa.or_(
            r.state.in_(LIVE),
            sa.and_(r.state != 'expired', r.created_at >= opened)))
        q = sa.select(f.id, f.rule, *_device_cols()).join(
            d, d.id == f.device_id).where(
            f.status == 'open', f.rule.in_(sorted(self.rules)), ~covered,
            f.id > after)
        if wanted is not None:
            q = q.where(f.id.in_(wanted))
        return self.s.execute(q.order_by(f.id).limit(limit)).all()

    # -- deciding ----------------------------------------------------------
    def decide(self, rows):
        """Decide for candidate ``rows``.

        The new plans are inserted together (one flush), then
        change-logged.
        """
        out = self._decide(rows)
        self.s.flush()
        for rem, new in self.created:
            self.txn.record('create', 'remediation', rem.id,
                            rem.device_name, new=new)
        self.created = []
        self._move_findings()
        return out

    def _move_findings(self):
        """The findings' moves of this batch, their rows read together."""
        from fleet.api.audit import findings

        moves, self.moves = self.moves, []
        if not moves:
            return
        f = models.Finding
        rows = {}
        ids = sorted({fid for fid, _status in moves})
        for start in range(0, len(ids), 500):
            rows.update((row.id, row) for row in self.s.scalars(
                sa.select(f).where(f.id.in_(ids[start:start + 500]))))
        for fid, status in moves:
            if fid in rows:
                findings.move_row(self.txn, rows[fid], status)

    def _decide(self, rows):
        out = []
        for row in rows:
            rule = self.rules[row.rule]
            dev = _Dev(row)
            if rule.mode != 'notify' and rule.problem:
                out.append(self._skip(row, rule, rule.problem))
                continue
            if rule.mode == 'notify':
                out.append(self._plan(row, rule, dev, 'notified'))
                continue
            key = (rule.name, dev.id)
            if rule.repeat and self.repeats.get(key, 0) >= rule.repeat[0]:
                out.append(self._escalate(row, rule, dev))
                continue
            self.repeats[key] = self.repeats.get(key, 0) + 1
            if dev.id in self.handed_off:
                out.append(self._plan(row, rule, dev, 'held',
                                      detail=self._handoff_text(dev)))
            elif rule.mode == 'approve':
                out.append(self._plan(row, rule, dev, 'pending-approval'))
            else:
                refused = self.budget.take(dev)
                out.append(self._plan(
                    row, rule, dev, 'held' if refused else 'pending',
                    detail=str(refused) if refused else None))
        return out

    def _handoff_text(self, dev):
        h = self.s.get(models.Handoff, dev.id)
        return 'device %s is handed off to a human (by %s: %s)' % (
            dev.name, h.actor, h.reason)

    def _skip(self, row, rule, why):
        return {'finding': row.id, 'rule': rule.name, 'policy': rule.policy,
                'device': row.dev_name, 'mode': rule.mode,
                'decision': 'skip', 'state': None, 'remediation': None,
                'workflow': rule.workflow, 'input': None,
                'executor': rule.executor, 'expires_at': None,
                'detail': why}

    def _plan(self, row, rule, dev, state, detail=None):
        wf_input = rule.wf_input(row.id, dev.name)
        expires = self.now + datetime.timedelta(seconds=rule.ttl) \
            if state == 'pending-approval' else None
        rem = models.Remediation(
            uuid=str(uuid_mod.uuid4()), idempotency_key=str(uuid_mod.uuid4()),
            device_id=dev.id, device_name=dev.name, workflow=rule.workflow,
            executor=rule.executor,
            input=json.dumps(wf_input, sort_keys=True), state=state,
            holds_slot=state == 'pending', actor=self.txn.actor,
            reason=wf_input.get('reason'), finding_id=row.id,
            rule=rule.name, policy=rule.policy, mode=rule.mode,
            expires_at=expires, detail=detail, created_at=self.now,
            updated_at=self.now)
        self.s.add(rem)
        self.created.append((rem, {
            'id': rem.uuid, 'state': state, 'finding': row.id,
            'rule': rule.name, 'mode': rule.mode, 'workflow': rule.workflow,
            'input': wf_input, 'expires_at': expires, 'detail': detail}))
        decision = self._decision(rem, wf_input)
        if state == 'pending':
            self.claimed.append(rem.uuid)
            self._finding_to(row.id, 'remediating')
        elif state in ('notified', 'pending-approval'):
            self.txn.emit('fleet.remediation.%s' % (
                'notify' if state == 'notified' else 'approval'),
                _event(decision))
        return decision

    def _escalate(self, row, rule, dev):
        count, window = rule.repeat
        why = ('repeat threshold: rule %s remediated %s %d time%s within '
               '%ds (repeat count %d); escalated to a human instead of '
               'acting again' % (rule.name, dev.name, count,
                                 '' if count == 1 else 's', window, count))
        decision = self._plan(row, rule, dev, 'escalated', detail=why)
        self._finding_to(row.id, 'escalated')
        self.txn.emit('fleet.remediation.escalate',
                      _event(decision))
        return decision

    def _finding_to(self, finding_id, status):
        self.moves.append((finding_id, status))

    @staticmethod
    def _decision(rem, wf_input):
        return {'finding': rem.finding_id, 'rule': rem.rule,
                'policy': rem.policy, 'device': rem.device_name,
                'mode': rem.mode, 'decision': DECISION[rem.state],
                'state': rem.state, 'remediation': rem.uuid,
                'workflow': rem.workflow, 'input': wf_input,
                'executor': rem.executor, 'expires_at': rem.expires_at,
                'detail': rem.detail}

    def _update(self, rem, **changes):
        for field, value in changes.items():
            old = getattr(rem, field)
            if old != value:
                setattr(rem, field, value)
                self.txn.record('update', 'remediation', rem.id,
                                rem.device_name, field=field, old=old,
                                new=value)

    # -- plans of earlier runs ---------------------------------------------
    def expire(self, wanted):
        """Plans past their approval expiry become ``expired``."""
        r = models.Remediation
        q = sa.select(r).where(r.state == 'pending-approval',
                               r.expires_at <= self.now)
        q = self._scoped(q, wanted)
        out = []
        for rem in self.s.scalars(q.order_by(r.id).with_for_update()):
            self._update(rem, state='expired',
                         detail='not approved before %s' % (
                             rem.expires_at.isoformat(),))
            out.append(self._decision(rem, json.loads(rem.input)))
        return out

    def retry_held(self, wanted):
        """Held plans, oldest first: start (or ask approval) if they fit."""
        r, d, f = models.Remediation, models.Device, models.Finding
        q = sa.select(r, f.status, *_device_cols()).join(
            d, d.id == r.device_id).outerjoin(f, f.id == r.finding_id).where(
            r.state == 'held')
        q = self._scoped(q, wanted)
        out = []
        for row in self.s.execute(q.order_by(r.id)).all():
            rem, fstatus = row[0], row[1]
            dev = _Dev(row)
            if rem.finding_id is not None and fstatus != 'open':
                self._update(rem, state='expired',
                             detail='finding is %s' % fstatus)
            elif dev.id in self.handed_off:
                self._update(rem, detail=self._handoff_text(dev))
            elif rem.mode == 'approve' and rem.decided_by is None:
                rule = self.rules.get(rem.rule)
                ttl = rule.ttl if rule else self.options.approval_ttl
                self._update(rem, state='pending-approval', detail=None,
                             expires_at=self.now + datetime.timedelta(
                                 seconds=ttl))
            else:
                refused = self.budget.take(dev)
                if refused:
                    self._update(rem, detail=str(refused))
                else:
                    self._update(rem, state='pending', holds_slot=True,
                                 detail=None)
                    self.claimed.append(rem.uuid)
                    if rem.finding_id is not None:
                        self._finding_to(rem.finding_id, 'remediating')
            out.append(self._decision(rem, json.loads(rem.input)))
        self._move_findings()
        return out

    def _scoped(self, q, wanted):
        r = models.Remediation
        q = q.where(r.rule.in_(sorted(self.rules)))
        if wanted is not None:
            q = q.where(r.finding_id.in_(wanted))
        return q


def _event(decision):
    """A decision as an event payload (JSON-able)."""
    return {k: (v.isoformat() if hasattr(v, 'isoformat') else v)
            for k, v in decision.items()}
