"""Run the rules of the loaded policies and write their findings.

One audit is one transaction: the rules are read, a
:class:`~fleet.api.audit.snapshot.Snapshot` loads everything the rules'
auditors need at once, each rule runs over its selected devices, and the
findings are written in batches (executemany): new failures open
findings, failures seen before refresh theirs, resolved findings that fail
again reopen, and active findings of the audited rules that did not fail
this time resolve. With ``ctx.dry_run`` nothing is written; the summary
says what would have happened.
"""

import collections
import json

import sqlalchemy as sa

from fleet.api.audit import findings as findings_mod
from fleet.api.audit import snapshot as snapshot_mod
from fleet.db import bulk
from fleet.db import locks
from fleet.db import models
from fleet.plugins.auditors import base as auditor_base

Summary = collections.namedtuple(
    'Summary', 'rules devices opened still_open reopened resolved errors '
    'per_rule')
Summary.__doc__ = """What an audit did.

``per_rule``: ``[{rule, auditor, devices, failing, opened, resolved,
errors}]``.
"""


_ENCODE = json.JSONEncoder(sort_keys=True, default=str).encode
#: The change-log value of a finding's status, already JSON.
_OPEN = json.dumps('open')
#: The writer lock of audits (:data:`fleet.db.locks.FINDINGS`).
LOCK = locks.FINDINGS


def _json(value):
    return None if value is None else _ENCODE(value)


class Audit:
    """``fleet.audit``: run audits."""

    def __init__(self, fleet):
        self.fleet = fleet

    def run(self, ctx, policy=None, rules=None, progress=None,
            auditors=None):
        """Run the enabled rules (of ``policy``, or only ``rules``).

        :param progress: called as ``progress(done, total, rule_name)``.
        :param auditors: ``{name: Auditor}`` to use instead of loading the
            enabled ones (tests).
        :returns: a :class:`Summary`.
        :raises fleet.common.exception.NotFound: unknown policy or rule.
        :raises fleet.common.exception.PluginNotEnabled: a rule names an
            auditor that is no longer enabled.
        """
        from fleet.plugins import loader

        conf = self.fleet.conf
        with self.fleet.transaction(ctx, reason='audit') as txn:
            s = txn.session
            # Audits compare findings with what they find and write the
            # difference: a concurrent audit (two fleet-api workers'
            # reactions, a reaction and the sweep) waits, then reads what
            # this one committed, instead of inserting the same findings.
            locks.acquire(s, LOCK, self.fleet.lock_timeout)
            todo = self.fleet.policies.rules(ctx, policy, rules, session=s)
            if auditors is None:
                auditors = {}
                for name in sorted({r['auditor'] for r in todo}):
                    auditors[name] = loader.load('auditors', name, conf)
            snap = snapshot_mod.Snapshot(s, self.fleet.batch_size,
                                         self.fleet.keyring, txn.now)
            selected = [(r, snap.select(r['selector'])) for r in todo]
            self._prefetch(snap, selected, auditors)
            failing = {}
            per_rule = []
            for i, (rule, devices) in enumerate(selected):
                if progress is not None:
                    progress(i, len(selected), rule['name'])
                found = self._run_rule(auditors[rule['auditor']], rule,
                                       devices, snap)
                errors = 0
                for f in found:
                    fp = findings_mod.fingerprint(rule['name'], f.subject)
                    failing[fp] = (rule, f)
                    errors += bool(f.error)
                per_rule.append({'rule': rule['name'],
                                 'auditor': rule['auditor'],
                                 'devices': len(devices),
                                 'failing': len(found), 'errors': errors})
            if progress is not None:
                progress(len(selected), len(selected), None)
            counts = self._write(txn, [r['name'] for r in todo], failing,
                                 per_rule)
        return Summary(len(todo), len(snap.devices), per_rule=per_rule,
                       errors=sum(r['errors'] for r in per_rule), **counts)

    @staticmethod
    def _prefetch(snap, selected, auditors):
        metrics, variables, secrets = set(), set(), {}
        for rule, devices in selected:
            auditor = auditors[rule['auditor']]
            params = rule['params']
            metrics.update(auditor.metrics(params))
            variables.update(auditor.variables(params))
            for key in auditor.secrets(params):
                secrets.setdefault(key, set()).update(d.id for d in devices)
        snap.load_readings(metrics)
        snap.load_variables(variables)
        for key, ids in secrets.items():
            snap.load_secrets(sorted(ids), [key])

    @staticmethod
    def _run_rule(auditor, rule, devices, snap):
        try:
            return list(auditor.audit(devices, rule['params'], snap))
        except Exception as exc:  # noqa: BLE001 - the audit goes on
            lines = str(exc).strip().splitlines()
            text = '%s: %s' % (type(exc).__name__, lines[0][:300]) \
                if lines else type(exc).__name__
            return [auditor_base.Failure('rule %s' % rule['name'], None,
                                         'auditor failed: %s' % text,
                                         None, None, True)]

    def _write(self, txn, rule_names, failing, per_rule):
        s = txn.session
        f = models.Finding
        now = txn.now
        existing = {}
        for batch in bulk.batches(sorted(rule_names), 500):
            for row in s.execute(sa.select(
                    f.id, f.fingerprint, f.status, f.rule, f.subject,
                    f.count, f.severity, f.message, f.observed,
                    f.expected).where(f.rule.in_(batch))):
                existing[row.fingerprint] = row
        inserts, updates, same = [], [], []
        opened = still = reopened = 0
        by_rule = {r['rule']: r for r in per_rule}
        for r in per_rule:
            r['opened'] = r['resolved'] = 0
        for fp, (rule, fail) in failing.items():
            severity = 'error' if fail.error else rule['severity']
            values = {'message': fail.message[:4000],
                      'observed': _json(fail.observed),
                      'expected': _json(fail.expected),
                      'severity': severity, 'last_seen': now,
                      'updated_at': now}
            old = existing.get(fp)
            name = findings_mod.object_name(rule['name'], fail.subject)
            if old is None:
                row = dict(values, fingerprint=fp, rule=rule['name'],
                           policy=rule['policy'], auditor=rule['auditor'],
                           subject=fail.subject[:255],
                           device_id=fail.device.id if fail.device else None,
                           status='open', count=1, first_seen=now,
                           opened_at=now, resolved_at=None)
                inserts.append(row)
                opened += 1
                by_rule[rule['name']]['opened'] += 1
            elif old.status == 'resolved':
                updates.append(dict(values, _id=old.id, status='open',
                                    count=old.count + 1, resolved_at=None,
                                    opened_at=now))
                txn.record('update', 'finding', old.id, name,
                           field='status', old='resolved', new='open')
                txn.emit('fleet.finding.update', {
                    'id': old.id, 'fingerprint': fp, 'rule': rule['name'],
                    'subject': fail.subject, 'status': 'open',
                    'severity': severity, 'message': values['message']})
                reopened += 1
                by_rule[rule['name']]['opened'] += 1
            else:
                if (old.message, old.observed, old.expected,
                        old.severity) == (values['message'],
                                          values['observed'],
                                          values['expected'], severity):
                    # Unchanged: counted and stamped set-wise below.
                    same.append(old.id)
                else:
                    updates.append(dict(values, _id=old.id,
                                        count=old.count + 1))
                still += 1
        gone = [row for fp, row in existing.items()
                if fp not in failing and row.status in findings_mod.ACTIVE]
        for row in gone:
            updates.append({'_id': row.id, 'status': 'resolved',
                            'resolved_at': now, 'updated_at': now})
            txn.record('update', 'finding', row.id,
                       findings_mod.object_name(row.rule, row.subject),
                       field='status', old=row.status, new='resolved')
            txn.emit('fleet.finding.resolve', {
                'id': row.id, 'fingerprint': row.fingerprint,
                'rule': row.rule, 'subject': row.subject,
                'status': 'resolved'})
            if row.rule in by_rule:
                by_rule[row.rule]['resolved'] += 1
        # New rows get ids above the highest one now (sequences and
        # autoincrement only go up): one range read finds them again.
        above = s.scalar(sa.select(sa.func.max(f.id))) if inserts else None
        bulk.insert_many(s, f, inserts, self.fleet.batch_size, copy=True)
        bulk.update_many(s, f, updates, self.fleet.batch_size)
        bulk.update_ids(s, f, same, {'count': f.__table__.c.count + 1,
                                     'last_seen': now, 'updated_at': now},
                        self.fleet.batch_size)
        if inserts:
            self._record_opened(txn, inserts, above)
        return {'opened': opened, 'still_open': still,
                'reopened': reopened, 'resolved': len(gone)}

    def _record_opened(self, txn, inserts, above):
        """Change-log rows and events of new findings (ids read back: the
        rows above the highest id before the insert, then by fingerprint
        any that a concurrent writer made this miss)."""
        f = models.Finding
        ids = {}
        q = sa.select(f.fingerprint, f.id)
        if above is not None:
            q = q.where(f.id > above)
        ids.update(snapshot_mod._raw(txn.session.connection(), q))
        fps = [r['fingerprint'] for r in inserts
               if r['fingerprint'] not in ids]
        for batch in bulk.batches(fps, self.fleet.batch_size):
            ids.update(txn.session.execute(sa.select(
                f.fingerprint, f.id).where(f.fingerprint.in_(batch))).all())
        for row in inserts:
            fid = ids[row['fingerprint']]
            txn.record('create', 'finding', fid,
                       findings_mod.object_name(row['rule'], row['subject']),
                       field='status', new=_OPEN, raw=True)
            txn.emit('fleet.finding.create', {
                'id': fid, 'fingerprint': row['fingerprint'],
                'rule': row['rule'], 'policy': row['policy'],
                'subject': row['subject'], 'status': 'open',
                'severity': row['severity'], 'message': row['message']})
