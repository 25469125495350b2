"""Power a device on, off or through a cycle over IPMI (pyghmi).

The device's BMC address, user and password come from its resolved
variables (``bmc`` and the secret ``bmc_password``, as the IPMI collector
reads them). The password never leaves this module: results, errors and
change-log rows carry the BMC's address and the power state only. Every
change of power is recorded in the change log (field ``power``) with the
context's actor and reason; ``status`` only reads.
"""

import logging
import time

from fleet.api import refs
from fleet.common import exception

LOG = logging.getLogger(__name__)

ACTIONS = ('status', 'on', 'off', 'cycle')
#: Seconds a cycle keeps the host off, so that the BMC's power state (and
#: anything watching it) sees the off.
CYCLE_OFF_SECONDS = 1.0


class Power:
    """IPMI power control of one device at a time."""

    def __init__(self, fleet):
        self.fleet = fleet

    def _credentials(self, ctx, name):
        from fleet.plugins.collectors import ipmi
        from fleet.plugins.collectors import ipmi_session

        with self.fleet.reading() as s:
            dev = refs.device(s, name)
            device = {'id': dev.id, 'name': dev.name,
                      'mgmt_address': dev.mgmt_address}
        got = self.fleet.variables.secrets(
            ctx, [dev.id], ['bmc', 'bmc_password']).get(dev.id, {})
        creds = ipmi.bmc_credentials(dict(device, variables=got))
        if isinstance(creds, str):
            raise exception.Invalid(
                'bmc', 'device %r: %s' % (name, creds),
                'set its bmc variable ({"address", "username"}) and the '
                'secret bmc_password')
        return device, ipmi_session.Credentials(*creds)

    def run(self, ctx, name, action, timeout=30.0):
        """Do ``action`` (status, on, off, cycle); return the power state.

        :returns: ``{'device', 'action', 'bmc', 'before', 'power'}``, the
            state read before acting and after.
        :raises fleet.common.exception.Invalid: an unknown action or a
            device without BMC credentials.
        :raises fleet.common.exception.SourceUnavailable: the BMC refused
            or did not answer (the reason without the password).
        """
        if action not in ACTIONS:
            raise exception.Invalid('action', 'unknown power action %r'
                                    % (action,),
                                    'use one of %s' % ', '.join(ACTIONS))
        device, creds = self._credentials(ctx, name)
        from fleet.plugins.collectors import ipmi_session

        try:
            before, after = self._ipmi(device['id'], creds, action, timeout)
        except Exception as exc:  # noqa: BLE001 - every failure is a reason
            reason = ipmi_session.classify(exc, creds)
            raise exception.SourceUnavailable(
                kind='Power', source=name, service='its BMC',
                reason=reason) from None
        out = {'device': device['name'], 'action': action,
               'bmc': creds.where, 'before': before, 'power': after}
        if action != 'status' and not ctx.dry_run:
            with self.fleet.transaction(ctx) as txn:
                txn.record('update', 'device', device['id'], device['name'],
                           field='power', old=before, new='%s (%s)' % (
                               after, action))
        LOG.info('power %s of %s by %s: %s -> %s', action, name, ctx.actor,
                 before, after)
        return out

    @staticmethod
    def _ipmi(device_id, creds, action, timeout):
        # The collector's session pool: it clears what pyghmi caches per
        # BMC process-wide (a session an earlier sensor read logged out of
        # fails the next command).
        from fleet.plugins.collectors import ipmi_session

        pool = ipmi_session.SessionPool()
        try:
            with pool.session(device_id, creds) as (cmd, _fresh):
                before = cmd.get_power()['powerstate']
                if action in ('on', 'off'):
                    cmd.set_power(action, wait=timeout)
                elif action == 'cycle':
                    cmd.set_power('off', wait=timeout)
                    time.sleep(CYCLE_OFF_SECONDS)
                    cmd.set_power('on', wait=timeout)
                after = cmd.get_power()['powerstate']
        finally:
            pool.close()
        return before, after

    def sensors(self, ctx, name):
        """Read one device's BMC now (the ipmi collector) and store it.

        :returns: ``{'device', 'status', 'readings', 'failing', 'unknown',
            'error'}``: ``status`` is the worst status of the sensors that
            gave a reading (``unknown`` when the BMC could not be read),
            ``failing`` the metrics in warning or critical, ``unknown``
            those without a reading, ``error`` why the BMC could not be
            read (or None).
        """
        from fleet.common import readings as readings_mod

        run = self.fleet.collect.run(ctx, collector='ipmi', device=name)[0]
        rows = [r for r in self.fleet.telemetry.latest(ctx, device=name)
                if r['source'] in (None, 'ipmi')]
        known = [r['status'] for r in rows if r['status'] != 'unknown']
        error = run.error or run.failed.get(name)
        worst = 'unknown' if error or not known else max(
            known, key=lambda s: readings_mod.STATUS_RANK.get(s, 1))
        return {'device': name, 'status': worst,
                'readings': {r['metric']: {'value': r['value'],
                                           'unit': r['unit'],
                                           'status': r['status']}
                             for r in rows},
                'failing': sorted(r['metric'] for r in rows
                                  if r['status'] in ('warning', 'critical')),
                'unknown': sorted(r['metric'] for r in rows
                                  if r['status'] == 'unknown'),
                'error': error}
