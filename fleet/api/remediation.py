"""Remediations: a workflow run on a device by an executor, safely.

``plan`` says what would run (workflow, input, devices, executor) and
checks it (known workflow and inputs, device not handed off, blast radius)
without writing; ``start`` takes a blast-radius slot under the
``remediation`` lock, persists the remediation with its idempotency key
and only then asks the executor; ``follow`` waits for the outcome and
``reconcile`` picks up remediations a stopped fleet left pending or
running, asking the executor by key instead of starting again. Every step
lands in the change log (object type ``remediation``) with who and why.

States: ``pending`` (persisted, executor not yet confirmed) ->
``running`` -> ``succeeded`` | ``failed``. The resolver
(:mod:`fleet.api.resolver`) adds its plans' states before these:
``pending-approval`` -> ``pending`` | ``rejected`` | ``expired``;
``held`` (the blast radius is full) -> ``pending``; ``notified`` and
``escalated`` (decisions that act on nothing). A remediation of a finding
moves the finding: ``remediating`` when it starts, ``resolved`` when it
succeeds, ``escalated`` when it fails.
"""

import json
import logging
import threading
import time
import uuid as uuid_mod

import sqlalchemy as sa

from fleet.api import blast
from fleet.api import handoffs
from fleet.api import refs
from fleet.common import exception
from fleet.db import models

LOG = logging.getLogger(__name__)
ACTIVE = ('pending', 'running')
#: Plans of the resolver, before anything runs or instead of it.
PLAN_STATES = ('pending-approval', 'held', 'notified', 'escalated',
               'rejected', 'expired')
STATES = PLAN_STATES + ('pending', 'running', 'succeeded', 'failed')


def _out(row):
    return {'id': row.uuid, 'device': row.device_name,
            'workflow': row.workflow, 'executor': row.executor,
            'input': json.loads(row.input), 'state': row.state,
            'holds_slot': row.holds_slot, 'execution_id': row.execution_id,
            'idempotency_key': row.idempotency_key,
            'output': None if row.output is None else json.loads(row.output),
            'error': row.error, 'actor': row.actor, 'reason': row.reason,
            'created_at': row.created_at, 'updated_at': row.updated_at,
            'finished_at': row.finished_at, 'finding': row.finding_id,
            'rule': row.rule, 'policy': row.policy, 'mode': row.mode,
            'expires_at': row.expires_at, 'decided_by': row.decided_by,
            'decided_reason': row.decided_reason,
            'decided_at': row.decided_at, 'detail': row.detail}


class Remediations:
    """Plan, start, follow and reconcile remediations."""

    def __init__(self, fleet):
        self.fleet = fleet
        self._loaded = threading.local()

    @property
    def options(self):
        return self.fleet.conf.remediation

    def executor(self, name=None):
        """The executor ``name`` (loaded once per thread), given the fleet."""
        from fleet.plugins import loader

        name = name or self.options.default_executor
        loaded = self._loaded.__dict__
        if name not in loaded:
            executor = loader.load('executors', name, self.fleet.conf)
            executor.fleet = self.fleet
            loaded[name] = executor
        return loaded[name]

    def describe(self, workflow, executor=None, strict=True):
        """What ``workflow`` takes and does, said by the executor running it.

        An enabled executor is asked (:meth:`Executor.describe`); the
        default executor, when not enabled, is described from the known
        workbooks (plans and dry runs need no executor); any other
        executor that is not enabled is refused.

        :param strict: raise for an unknown workflow or executor; when
            False (recording an outcome), return None instead.
        :raises fleet.common.exception.Invalid: unknown workflow.
        :raises fleet.common.exception.PluginNotEnabled: see above.
        """
        from fleet.plugins.executors import base
        from fleet.plugins import loader
        from fleet import workbooks

        name = executor or self.options.default_executor
        runner = base.Executor
        if (name in loader.enabled_names('executors', self.fleet.conf) or
                (strict and name != self.options.default_executor)):
            try:
                runner = self.executor(name)
            except exception.FleetError:
                if strict:
                    raise
        if runner is base.Executor:
            info = workbooks.workflow(workflow, self.options.workbook_dirs)
        else:
            info = runner.describe(workflow, self.options.workbook_dirs)
        if info is None and strict:
            raise exception.Invalid(
                'workflow', runner.unknown_workflow % (workflow,),
                runner.unknown_workflow_fix, value=workflow)
        return info

    # -- planning ------------------------------------------------------------
    def plan(self, ctx, workflow, device, inputs=None, executor=None):
        """What would run: ``{workflow, executor, devices, input, tags}``.

        Checks everything :meth:`start` checks except the executor's own
        pre-condition, and writes nothing.

        :raises fleet.common.exception.Invalid: unknown workflow or input.
        :raises fleet.api.handoffs.HandedOff: the device is handed off.
        :raises fleet.api.blast.BlastRadius: a limit would be exceeded.
        """
        if not ctx.reason:
            raise exception.Invalid('reason', 'a remediation needs a reason',
                                    'say why with --reason')
        info = self.describe(workflow, executor)
        wf_input = {'host': None, 'reason': ctx.reason}
        wf_input.update(inputs or {})
        unknown = sorted(set(wf_input) - set(info['input']))
        if unknown:
            raise exception.Invalid(
                'input', '%s takes no input %s' % (workflow,
                                                   ', '.join(unknown)),
                'it takes %s' % ', '.join(info['input']))
        with self.fleet.reading() as s:
            dev = refs.device(s, device)
            wf_input['host'] = dev.name
            handoffs.check(s, dev)
            blast.check(s, self.options, dev)
        missing = [k for k in info['required'] if wf_input.get(k) is None]
        if missing:
            raise exception.Invalid(
                'input', '%s needs %s' % (workflow, ', '.join(missing)),
                'give them with --input KEY=VALUE')
        return {'workflow': workflow, 'executor': executor or
                self.options.default_executor, 'devices': [dev.name],
                'input': wf_input, 'tags': info['tags']}

    # -- starting ------------------------------------------------------------
    def start(self, ctx, plan, key=None):
        """Persist the plan's remediation, then ask the executor to run it.

        :param key: idempotency key; a remediation with this key already
            persisted is returned as it is (nothing starts twice).
        :returns: the remediation dict (state ``running``, or ``failed``
            when the executor refused it).
        """
        rem = self.claim(ctx, plan, key)
        if rem['state'] != 'pending':
            return rem
        return self._execute(ctx, rem['id'])

    def claim(self, ctx, plan, key=None):
        """Take the device's blast-radius slot and persist the remediation.

        Under the ``remediation`` lock: the hand-off and blast-radius
        checks, then the new row (state ``pending``) with its idempotency
        key, in one transaction. The executor is not called.

        :returns: the remediation dict; the existing one for a known key.
        """
        key = key or str(uuid_mod.uuid4())
        device = plan['devices'][0]
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            blast.lock(s, self.fleet.lock_timeout)
            existing = s.scalar(sa.select(models.Remediation).where(
                models.Remediation.idempotency_key == key))
            if existing is not None:
                return _out(existing)
            dev = refs.device(s, device)
            handoffs.check(s, dev)
            blast.check(s, self.options, dev)
            row = models.Remediation(
                uuid=str(uuid_mod.uuid4()), idempotency_key=key,
                device_id=dev.id, device_name=dev.name,
                workflow=plan['workflow'], executor=plan['executor'],
                input=json.dumps(plan['input'], sort_keys=True),
                state='pending', holds_slot=True, actor=ctx.actor,
                reason=ctx.reason)
            s.add(row)
            s.flush()
            txn.record('create', 'remediation', row.id, dev.name, new={
                'id': row.uuid, 'workflow': row.workflow,
                'executor': row.executor, 'input': plan['input']})
            return _out(row)

    def _params(self, row):
        return {'workflow': row['workflow'], 'input': row['input'],
                'key': row['idempotency_key'], 'device': row['device'],
                'description': 'fleet remediation %s of %s' % (
                    row['id'], row['device'])}

    def _execute(self, ctx, rem_id, found=None):
        rem = self.show(ctx, rem_id)
        executor = self.executor(rem['executor'])
        params = self._params(rem)
        try:
            if found is None:
                executor.pre_condition(params)
                found = executor.execute(params)
        except exception.Conflict as exc:
            return self.finish(ctx, rem_id, 'failed', error=str(exc),
                               release=True)
        return self._update(ctx, rem_id, state='running',
                            execution_id=found.get('execution_id'))

    def execute_claimed(self, ctx, rem_ids):
        """Ask the executors to run remediations claimed ``pending``
        (:func:`fleet.api.claimed.execute`)."""
        from fleet.api import claimed

        return claimed.execute(self, ctx, rem_ids)

    def _update(self, ctx, rem_id, **changes):
        with self.fleet.transaction(ctx) as txn:
            row = self._row(txn.session, rem_id, lock=True)
            for field, value in changes.items():
                old = getattr(row, field)
                if old != value:
                    setattr(row, field, value)
                    txn.record('update', 'remediation', row.id,
                               row.device_name, field=field, old=old,
                               new=value)
            return _out(row)

    def finish(self, ctx, rem_id, state, output=None, error=None,
               release=False, steps=None):
        """Record the outcome; free or keep the blast-radius slot.

        :param steps: what the executor ran, ``[{'name', 'state'}]`` in
            order (a Mistral execution's tasks): one change row ``steps``,
            so the change log tells the story of the run.

        A success frees the slot unless the workflow is tagged
        ``fleet-out``; a ``fleet-return`` success frees every slot of the
        device; a failure keeps it (the device stays out, with the error,
        for a human) unless ``release`` (nothing was started).
        """
        from fleet import workbooks

        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            row = self._row(s, rem_id, lock=True)
            if row.state not in ACTIVE:
                return _out(row)
            info = self.describe(row.workflow, row.executor,
                                 strict=False) or {}
            tags = info.get('tags', [])
            if steps:
                txn.record('update', 'remediation', row.id,
                           row.device_name, field='steps', new=', '.join(
                               '%s %s' % (st['name'], st['state'])
                               for st in steps)[:2000])
            txn.record('update', 'remediation', row.id, row.device_name,
                       field='state', old=row.state, new=state)
            row.state = state
            row.output = None if output is None else json.dumps(
                output, sort_keys=True, default=str)
            row.error = error
            row.finished_at = txn.now
            # A failure keeps the device out (with its reason) for a human
            # to look at, unless nothing was started at all.
            keep = (state == 'failed' and not release) or (
                state == 'succeeded' and workbooks.LEAVES_OUT in tags)
            if state == 'succeeded' and workbooks.RETURNS in tags:
                for other in s.scalars(sa.select(models.Remediation).where(
                        models.Remediation.device_id == row.device_id,
                        models.Remediation.holds_slot.is_(True))):
                    other.holds_slot = False
                    txn.record('update', 'remediation', other.id,
                               other.device_name, field='holds_slot',
                               old=True, new=False)
            if not keep and row.holds_slot:
                row.holds_slot = False
                txn.record('update', 'remediation', row.id,
                           row.device_name, field='holds_slot', old=True,
                           new=False)
            from fleet.api.audit import findings
            findings.outcome(txn, row.finding_id, state)
            return _out(row)

    # -- following -----------------------------------------------------------
    def follow(self, ctx, rem_id, timeout=None, interval=0.5):
        """Wait until the remediation ends (or ``timeout`` s); return it."""
        timeout = self.options.wait_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            rem = self.refresh(ctx, rem_id)
            if rem['state'] not in ACTIVE or time.monotonic() >= deadline:
                return rem
            time.sleep(interval)

    def refresh(self, ctx, rem_id):
        """Ask the executor once; record the outcome if it has ended."""
        rem = self.show(ctx, rem_id)
        if rem['state'] != 'running':
            return rem
        executor = self.executor(rem['executor'])
        got = executor.status(self._params(rem),
                              {'execution_id': rem['execution_id']})
        if got['state'] == 'running':
            return rem
        return self.finish(ctx, rem_id, got['state'], output=got['output'],
                           error=got['error'], steps=got.get('steps'))

    def reconcile(self, ctx):
        """Pick up what a stopped fleet left pending or running.

        A pending remediation is looked up by its idempotency key first
        and started (with the same key) only if the executor has nothing;
        a running one is refreshed. Returns the remediations looked at.
        """
        with self.fleet.reading() as s:
            ids = list(s.scalars(sa.select(models.Remediation.uuid).where(
                models.Remediation.state.in_(ACTIVE))
                .order_by(models.Remediation.id)))
        out = []
        for rem_id in ids:
            rem = self.show(ctx, rem_id)
            if rem['state'] == 'pending':
                found = self.executor(rem['executor']).find(
                    self._params(rem))
                rem = self._execute(ctx, rem_id, found=found)
            out.append(self.refresh(ctx, rem_id))
        return out

    # -- reads ---------------------------------------------------------------
    @staticmethod
    def _row(s, rem_id, lock=False):
        q = sa.select(models.Remediation).where(sa.or_(
            models.Remediation.uuid == str(rem_id),
            models.Remediation.idempotency_key == str(rem_id)))
        if lock:
            q = q.with_for_update()
        row = s.scalar(q)
        if row is None:
            raise exception.NotFound('remediation', rem_id,
                                     hint=None, key='with id')
        return row

    def show(self, ctx, rem_id):
        with self.fleet.reading() as s:
            return _out(self._row(s, rem_id))

    def list(self, ctx, device=None, state=None, limit=None):
        if state is not None and state not in STATES:
            raise exception.Invalid('state', 'unknown state %r' % (state,),
                                    'use one of %s' % ', '.join(STATES))
        with self.fleet.reading() as s:
            q = sa.select(models.Remediation)
            if device:
                q = q.where(models.Remediation.device_id ==
                            refs.device(s, device).id)
            if state:
                q = q.where(models.Remediation.state == state)
            q = q.order_by(models.Remediation.id.desc())
            if limit:
                q = q.limit(limit)
            return [_out(r) for r in s.scalars(q)]
