"""The resolver: open findings of rules with a remediation -> decisions.

For each open finding of a device whose rule has a ``remediation``
(workflow and input), :meth:`Resolver.resolve` decides by the rule's
``mode``, once per opening of the finding:

``notify``
    a ``notified`` row and a ``fleet.remediation.notify`` event; nothing
    else (the finding stays open for a human).
``approve``
    a plan ``pending-approval`` until ``expires_at`` (the rule's
    ``approval_ttl`` or ``[remediation] approval_ttl``), announced by a
    ``fleet.remediation.approval`` event; ``remediation approve|reject``
    decide (:mod:`fleet.api.approvals`).
``auto``
    the remediation starts at once: its blast-radius slot is taken and
    the row persisted (``pending``) in the deciding transaction, then the
    executor is asked (:meth:`fleet.api.remediation.Remediations.
    execute_claimed`).

Before acting (``approve`` and ``auto``), the rule's repeat threshold
(``repeat: {count: K, window: W}``): a device already remediated K times
by the rule within W is not acted on again; its finding is ``escalated``
to a human (an ``escalated`` row, a ``fleet.remediation.escalate``
event). A plan that would take one device more out than the blast radius
allows, or whose device is handed off, is ``held`` (nothing starts); each
later ``resolve`` tries held plans again first, oldest first.

Every decision of one batch is made in one transaction under the
``remediation`` lock (:data:`fleet.api.blast.LOCK`), so two resolvers (or
a resolver and an approval) never both take the last slot; with
``ctx.dry_run`` the same code runs and is rolled back, and no executor is
called. Every row written is in the change log (object type
``remediation``) with who and why.
"""

import sqlalchemy as sa

from fleet.api import blast
from fleet.api import decisions
from fleet.common import exception
from fleet.db import models


class Resolver:
    """Decide what to do about open findings; approve, reject, stats."""

    def __init__(self, fleet):
        self.fleet = fleet

    @property
    def options(self):
        return self.fleet.conf.remediation

    # -- the Python API (Mistral actions, fleet-api) ----------------------
    def resolve(self, ctx, findings=None, policy=None):
        """Decide for open findings; start ``auto`` remediations.

        :param findings: only these finding ids (a list), else every open
            finding of a rule with a remediation.
        :param policy: only the rules of this policy.
        :returns: the decisions, dicts with ``finding``, ``rule``,
            ``policy``, ``device``, ``mode``, ``decision`` (``notify``,
            ``approve``, ``start``, ``held``, ``escalate``, ``expire``,
            ``skip``), ``state``, ``remediation``, ``workflow``,
            ``input``, ``executor``, ``expires_at`` and ``detail``.
        :raises fleet.common.exception.NotFound: an unknown policy.
        """
        rules = self._rules(ctx, policy)
        wanted = None if findings is None else sorted(
            {self._finding_id(f) for f in findings})
        out, claimed = [], []
        after, first = 0, True
        # A dry run decides in one transaction: what its batches take of
        # the blast radius is rolled back, never seen by the next batch.
        batch = None if ctx.dry_run else self.options.resolve_batch
        while True:
            with self.fleet.transaction(
                    ctx, reason='remediation resolve') as txn:
                blast.lock(txn.session, self.fleet.lock_timeout)
                run = decisions.Batch(self, txn, rules)
                if first:
                    out += run.expire(wanted)
                    out += run.retry_held(wanted)
                rows = run.candidates(wanted, after, batch)
                out += run.decide(rows)
                claimed += run.claimed
            first = False
            if batch is None or len(rows) < batch:
                break
            after = rows[-1].id
        if wanted:
            out += self._skipped(wanted, out, rules)
        if claimed and not ctx.dry_run:
            started = {r['id']: r for r in
                       self.fleet.remediations.execute_claimed(ctx, claimed)}
            for dec in out:
                rem = started.get(dec['remediation'])
                if rem is not None:
                    dec['state'] = rem['state']
                    dec['detail'] = rem['error'] or dec['detail']
        return out

    def approve(self, ctx, plan_id):
        """Approve a plan awaiting approval (:mod:`fleet.api.approvals`)."""
        from fleet.api import approvals

        return approvals.approve(self.fleet, ctx, plan_id)

    def reject(self, ctx, plan_id):
        """Reject a plan awaiting approval."""
        from fleet.api import approvals

        return approvals.reject(self.fleet, ctx, plan_id)

    def stats(self, ctx, policy=None):
        """The trust ladder per rule (see :mod:`fleet.api.trust`)."""
        from fleet.api import trust

        return trust.stats(self.fleet, ctx, policy)

    # -- helpers -----------------------------------------------------------
    def _rules(self, ctx, policy):
        describe = self.fleet.remediations.describe
        return {r['name']: decisions.Rule(r, self.options, describe)
                for r in self.fleet.policies.rules(ctx, policy=policy)
                if r.get('remediation')}

    @staticmethod
    def _finding_id(ref):
        text = str(ref).strip()
        if not text.isdigit():
            raise exception.Invalid('finding', 'expected a finding id, got '
                                    '%r' % text, 'see: fleet finding list')
        return int(text)

    def _skipped(self, wanted, out, rules):
        """A ``skip`` decision for each asked-for finding not decided."""
        seen = {d['finding'] for d in out}
        f, r = models.Finding, models.Remediation
        skipped = []
        with self.fleet.reading() as s:
            for fid in wanted:
                if fid in seen:
                    continue
                row = s.get(f, fid)
                if row is None:
                    raise exception.NotFound('finding', fid, key='with id',
                                             field='finding')
                if row.rule not in rules:
                    why = 'rule %s has no remediation (or is not in the ' \
                          'policy asked for)' % row.rule
                elif row.status != 'open':
                    why = 'finding is %s, not open' % row.status
                elif row.device_id is None:
                    why = 'finding is about %s, not one device' % row.subject
                else:
                    plan = s.scalar(sa.select(r).where(
                        r.finding_id == fid).order_by(r.id.desc()).limit(1))
                    why = 'decided already: remediation %s is %s' % (
                        plan.uuid, plan.state) if plan else 'not decided'
                skipped.append({
                    'finding': fid, 'rule': row.rule, 'policy': row.policy,
                    'device': row.subject, 'mode': None, 'decision': 'skip',
                    'state': None, 'remediation': None, 'workflow': None,
                    'input': None, 'executor': None, 'expires_at': None,
                    'detail': why})
        return skipped
