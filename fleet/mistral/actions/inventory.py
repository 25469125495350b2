"""``fleet.device_get`` and ``fleet.device_update``: fleet's inventory."""

from fleet.mistral.actions import base


class DeviceGet(base.FleetAction):
    """A device's attributes and resolved variables, secrets masked.

    :param device: the fleet device (name or UUID).
    """

    def __init__(self, device, fleet_config=None):
        super().__init__(fleet_config=fleet_config)
        self.device = device

    def act(self, fleet, ctx):
        out = fleet.devices.show(ctx, self.device)
        out['variables'] = {v['key']: v['value'] for v in
                            fleet.variables.resolved(ctx, self.device)}
        return out


class DeviceUpdate(base.FleetAction):
    """Record what a workflow did to a device, in fleet's change log.

    :param device: the fleet device (name or UUID).
    :param facts: variables to set on the device (observed facts).
    :param labels_add: labels to put on the device.
    :param labels_remove: labels to take off (missing ones are ignored).
    :param hands_off: true hands the device off to a human, false hands
        it back.
    :param reason: why; recorded with every change.
    """

    def __init__(self, device, facts=None, labels_add=None,
                 labels_remove=None, hands_off=None, reason=None,
                 fleet_config=None):
        super().__init__(fleet_config=fleet_config, reason=reason)
        self.device = device
        self.facts = facts or {}
        self.labels_add = list(labels_add or [])
        self.labels_remove = list(labels_remove or [])
        self.hands_off = hands_off

    def act(self, fleet, ctx):
        ctx = ctx.replace(reason=self.reason or 'workflow %s' % ctx.actor)
        if self.facts:
            fleet.variables.set(ctx, 'device', self.device, self.facts)
        if self.labels_add:
            fleet.labels.add(ctx, self.device, self.labels_add)
        if self.labels_remove:
            have = {x['label'] for x in fleet.labels.list(ctx, self.device)}
            gone = [x for x in self.labels_remove if x in have]
            if gone:
                fleet.labels.remove(ctx, self.device, gone)
        if self.hands_off is True:
            fleet.handoffs.handoff(ctx, self.device)
        elif self.hands_off is False:
            fleet.handoffs.handback(ctx, self.device)
        out = fleet.devices.show(ctx, self.device)
        out['hands_off'] = fleet.handoffs.get(ctx, self.device)
        return out
