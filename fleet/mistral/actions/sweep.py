"""``fleet.collect``, ``fleet.audit``, ``fleet.resolve``: the sweep's steps.

The shipped workbook ``fleet_sweep`` runs them from a Mistral cron
trigger (``[remediation] sweep_pattern``, pushed by ``fleet workbook
sync``), so a large fleet is swept by Mistral's executors, sharded by
rack or region with ``with-items`` when the operator's own workbook says
so.
"""

from fleet.mistral.actions import base


def _connection_factory(cloud):
    def connect():
        import openstack
        return openstack.connect(cloud=cloud)
    return connect


class Collect(base.FleetAction):
    """Run the enabled collectors (or one) over a selection of devices.

    :param collector: one collector (``ipmi``, ``nova``, ``prometheus``);
        default: every one in ``[collectors] enabled_collectors``.
    :param region: only devices of this region (likewise ``cell``,
        ``rack``, ``role``, ``device``).
    :param cloud: the clouds.yaml cloud the ``nova`` collector reads
        (default: openstacksdk's ``OS_CLOUD`` on the executor's host).
    :returns: ``{'collectors': [{collector, devices, read, failed,
        readings, seconds, error}], 'errors': [...]}``; a collector whose
        peer is down is reported with its error, it does not fail the
        action.
    """

    def __init__(self, collector=None, device=None, region=None, cell=None,
                 rack=None, role=None, cloud=None, fleet_config=None):
        super().__init__(fleet_config=fleet_config,
                         reason='periodic sweep: collect')
        self.collector = collector
        self.place = {'device': device, 'region': region, 'cell': cell,
                      'rack': rack, 'role': role}
        self.cloud = cloud

    def act(self, fleet, ctx):
        runs = fleet.collect.run(
            ctx, collector=self.collector,
            params={'connection_factory': _connection_factory(self.cloud)},
            **{k: v for k, v in self.place.items() if v})
        rows = [{'collector': r.collector, 'devices': r.devices,
                 'read': r.read, 'failed': r.failed,
                 'readings': r.readings, 'seconds': round(r.elapsed, 2),
                 'error': r.error} for r in runs]
        return {'collectors': rows,
                'errors': [r['error'] for r in rows if r['error']]}


class Audit(base.FleetAction):
    """Run the loaded policies' enabled rules (or one policy's).

    :param policy: only this policy's rules (default: every loaded one).
    :param rules: only these rules (names).
    :returns: ``{'rules', 'devices', 'opened', 'still_open', 'reopened',
        'resolved', 'errors', 'per_rule'}`` of the audit.
    """

    def __init__(self, policy=None, rules=None, fleet_config=None):
        super().__init__(fleet_config=fleet_config,
                         reason='periodic sweep: audit')
        self.policy = policy
        self.rules = list(rules) if rules else None

    def act(self, fleet, ctx):
        return fleet.audit.run(ctx, policy=self.policy,
                               rules=self.rules)._asdict()


class Resolve(base.FleetAction):
    """Decide what to do about the open findings, by their rules' mode.

    The resolver (:meth:`fleet.api.resolver.Resolver.resolve`, as ``fleet
    remediation resolve``): ``notify`` rules get an event, ``approve``
    rules a plan pending approval, ``auto`` rules' remediations start
    (within the blast radius; held otherwise, or escalated past the
    rule's repeat threshold).

    :param policy: only this policy's rules (default: every loaded one).
    :param findings: only these finding ids.
    :param dry_run: decide and roll back: write nothing, start nothing.
    :returns: ``{'decisions': [{finding, rule, policy, device, mode,
        decision, state, remediation, workflow, executor, input,
        expires_at, detail}], 'counts': {decision: n}}``.
    """

    def __init__(self, policy=None, findings=None, dry_run=False,
                 fleet_config=None):
        super().__init__(fleet_config=fleet_config,
                         reason='periodic sweep: resolve')
        self.policy = policy
        self.findings = list(findings) if findings else None
        self.dry_run = bool(dry_run)

    def context(self, fleet, context):
        return fleet.context(actor=base.actor_of(context),
                             reason=self.reason, dry_run=self.dry_run)

    def act(self, fleet, ctx):
        rows = fleet.resolver.resolve(ctx, findings=self.findings,
                                      policy=self.policy)
        counts = {}
        for row in rows:
            counts[row['decision']] = counts.get(row['decision'], 0) + 1
        return {'decisions': rows, 'counts': counts}
