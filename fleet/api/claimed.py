"""Start remediations claimed ``pending`` (the resolver's and approvals').

The claim (slot, row, idempotency key) is committed before this runs; a
crash in between leaves them ``pending`` for
:meth:`fleet.api.remediation.Remediations.reconcile`.
"""

import sqlalchemy as sa

from fleet.api import remediation
from fleet.common import exception
from fleet.db import models


def execute(rems, ctx, rem_ids):
    """Ask the executors to run remediations claimed ``pending``.

    Each is started by its idempotency key; those started move to
    ``running`` together, in one transaction; one an executor refuses
    fails and frees its slot (``finish``). A crash between the
    claim and this leaves them ``pending`` for ``reconcile``.

    :returns: the remediation dicts, in order.
    """
    executors, started, out = {}, {}, {}
    try:
        for rem_id in rem_ids:
            rem = rems.show(ctx, rem_id)
            if rem['state'] != 'pending':
                out[rem_id] = rem
                continue
            name = rem['executor']
            if name not in executors:
                executors[name] = rems.executor(name)
            params = rems._params(rem)
            try:
                executors[name].pre_condition(params)
                found = executors[name].execute(params)
            except exception.Conflict as exc:
                out[rem_id] = rems.finish(ctx, rem_id, 'failed',
                                          error=str(exc), release=True)
                continue
            started[rem_id] = found.get('execution_id')
    finally:
        # Those started are running even if a later one could not be
        # asked (the executor unreachable: reconcile picks them up).
        if started:
            out.update(_running(rems, ctx, started))
    return [out[i] for i in rem_ids if i in out]


def _running(rems, ctx, started):
    """``{uuid: execution id}`` -> running, in one transaction."""
    out = {}
    with rems.fleet.transaction(ctx) as txn:
        for row in txn.session.scalars(
                sa.select(models.Remediation).where(
                    models.Remediation.uuid.in_(sorted(started)))
                .with_for_update()):
            for field, value in (('state', 'running'),
                                 ('execution_id', started[row.uuid])):
                if getattr(row, field) != value:
                    txn.record('update', 'remediation', row.id,
                               row.device_name, field=field,
                               old=getattr(row, field), new=value)
                    setattr(row, field, value)
            out[row.uuid] = remediation._out(row)
    return out
