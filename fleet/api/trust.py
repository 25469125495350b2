"""The trust ladder: how each rule's remediations went (``policy stats``).

Per rule, from the resolver's plans (remediation rows of the rule):

``fired``
    plans the resolver made (one per opening of a finding; a new one after
    an approval expired);
``approved`` / ``rejected``
    plans a human approved / rejected (``remediation approve|reject``);
``succeeded`` / ``failed``
    outcomes of the remediations that ran (a failure escalates its
    finding);
``escalated``
    findings the repeat threshold escalated to a human instead of acting;
``median_time_to_resolve``
    seconds from the plan to its success, the wait for approval included.

A rule in ``approve`` mode whose latest ``[remediation]
trust_promote_after`` outcomes (successes, failures, rejections) are all
successes is *proposed* for ``auto`` (``proposal: proposed: auto``). fleet
never changes a rule's mode itself: an operator edits the policy file and
loads it again.
"""

import statistics

import sqlalchemy as sa

from fleet.db import models

#: Outcomes that make or break a streak of successes.
OUTCOMES = ('succeeded', 'failed', 'rejected')
COUNTED = ('fired', 'approved', 'rejected', 'succeeded', 'failed',
           'escalated')


def stats(fleet, ctx, policy=None):
    """Per rule (every rule of ``policy``, or of every policy, that has a
    remediation or a record): the counts of :data:`COUNTED`,
    ``median_time_to_resolve`` (seconds or None), ``streak`` (successes in
    a row, newest first) and ``proposal`` (``'proposed: auto'`` or None).

    :raises fleet.common.exception.NotFound: an unknown policy.
    """
    after = fleet.conf.remediation.trust_promote_after
    rules = fleet.policies.rules(ctx, policy=policy)
    by_name = {r['name']: r for r in rules}
    r = models.Remediation
    rows = {}
    with fleet.reading() as s:
        q = sa.select(r.rule, r.state, r.decided_by, r.created_at,
                      r.finished_at).where(r.rule.isnot(None))
        if policy is not None:
            q = q.where(r.rule.in_(sorted(by_name)))
        for row in s.execute(q.order_by(r.id.desc())):
            rows.setdefault(row.rule, []).append(row)
    names = [n for n in by_name
             if by_name[n].get('remediation') or n in rows]
    names += sorted(n for n in rows if n not in by_name)
    out = []
    for name in names:
        rule = by_name.get(name)
        mine = rows.get(name, [])
        counts = dict.fromkeys(COUNTED, 0)
        counts['fired'] = len(mine)
        durations, streak, broken = [], 0, False
        for row in mine:
            if row.decided_by and row.state != 'rejected':
                counts['approved'] += 1
            if row.state in ('rejected', 'succeeded', 'failed',
                             'escalated'):
                counts[row.state] += 1
            if row.state == 'succeeded' and row.finished_at:
                durations.append(
                    (row.finished_at - row.created_at).total_seconds())
            if row.state in OUTCOMES and not broken:
                if row.state == 'succeeded':
                    streak += 1
                else:
                    broken = True
        mode = rule['mode'] if rule else None
        proposal = 'proposed: auto' if (
            mode == 'approve' and streak >= after) else None
        out.append(dict(
            counts, policy=rule['policy'] if rule else None, rule=name,
            mode=mode, median_time_to_resolve=round(
                statistics.median(durations), 3) if durations else None,
            streak=streak, proposal=proposal))
    return out
