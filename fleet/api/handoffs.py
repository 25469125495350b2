"""Hands-off: a device a human investigates leaves automatic management.

``device handoff DEVICE --reason`` takes it out; remediation refuses it
with a clear error until ``device handback DEVICE``. Both are recorded in
the change log (field ``hands_off``) with who and why.
"""

import sqlalchemy as sa

from fleet.api import refs
from fleet.common import exception
from fleet.db import models


class HandedOff(exception.Conflict):
    """The device is handed off to a human; nothing automatic touches it."""

    code = 'handed_off'

    def __init__(self, device, actor, reason):
        super().__init__(
            'device %r is handed off to a human (by %s: %s); nothing '
            'automatic runs on it. Hand it back first: fleet device '
            'handback %s' % (device, actor, reason, device),
            field='device', value=device)


class Handoffs:
    """Hand devices off to humans and back."""

    def __init__(self, fleet):
        self.fleet = fleet

    def handoff(self, ctx, device):
        """Hand ``device`` off; the context's reason is required.

        :returns: ``{'device', 'actor', 'reason', 'created_at'}``.
        :raises fleet.common.exception.Invalid: no reason given.
        """
        if not ctx.reason:
            raise exception.Invalid('reason', 'a hand-off needs a reason',
                                    'say why with --reason')
        with self.fleet.transaction(ctx) as txn:
            s = txn.session
            dev = refs.device(s, device)
            row = s.get(models.Handoff, dev.id)
            if row is None:
                row = models.Handoff(device_id=dev.id, actor=ctx.actor,
                                     reason=ctx.reason, created_at=txn.now)
                s.add(row)
                txn.record('update', 'device', dev.id, dev.name,
                           field='hands_off', old=False, new=True)
            out = self._out(dev.name, row)
        return out

    def handback(self, ctx, device):
        """Return ``device`` to automatic management (idempotent)."""
        with self.fleet.transaction(ctx, reason='handed back') as txn:
            s = txn.session
            dev = refs.device(s, device)
            row = s.get(models.Handoff, dev.id)
            if row is not None:
                s.delete(row)
                txn.record('update', 'device', dev.id, dev.name,
                           field='hands_off', old=True, new=False)
        return {'device': dev.name, 'hands_off': False}

    def get(self, ctx, device):
        """The hand-off of ``device`` as a dict, or None."""
        with self.fleet.reading() as s:
            dev = refs.device(s, device)
            row = s.get(models.Handoff, dev.id)
            return None if row is None else self._out(dev.name, row)

    def list(self, ctx):
        with self.fleet.reading() as s:
            q = (sa.select(models.Device.name, models.Handoff)
                 .join(models.Handoff,
                       models.Handoff.device_id == models.Device.id)
                 .order_by(models.Device.name))
            return [self._out(name, row) for name, row in s.execute(q)]

    @staticmethod
    def _out(name, row):
        return {'device': name, 'actor': row.actor, 'reason': row.reason,
                'created_at': row.created_at}


def check(session, dev):
    """Raise :class:`HandedOff` if ``dev`` (a Device row) is handed off."""
    row = session.get(models.Handoff, dev.id)
    if row is not None:
        raise HandedOff(dev.name, row.actor, row.reason)
