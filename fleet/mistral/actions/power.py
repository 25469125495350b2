"""``fleet.ipmi_power`` and ``fleet.sensor_read``: the device's BMC."""

from fleet.mistral.actions import base


class IpmiPower(base.FleetAction):
    """Power a device on, off, through a cycle, or read its power state.

    Uses the device's resolved BMC credentials; the result holds the BMC's
    address and the power states before and after, never the password.

    :param device: the fleet device (name or UUID).
    :param action: ``status``, ``on``, ``off`` or ``cycle``.
    :param reason: recorded in fleet's change log with the power change.
    :param timeout: seconds to wait for the BMC to reach the new state.
    """

    def __init__(self, device, action='status', reason=None, timeout=30,
                 fleet_config=None):
        super().__init__(fleet_config=fleet_config, reason=reason)
        self.device = device
        self.action = action
        self.timeout = timeout

    def act(self, fleet, ctx):
        return fleet.power.run(ctx, self.device, self.action,
                               timeout=float(self.timeout))


class SensorRead(base.FleetAction):
    """Read one device's BMC through the ipmi collector and store it.

    :param device: the fleet device (name or UUID).
    :returns: ``{'device', 'status', 'readings': {metric: {value, unit,
        status}}, 'failing': [metrics not ok]}``; ``status`` is the worst
        of the readings (``ok``, ``warning``, ``critical``, ``unknown``).
    """

    def __init__(self, device, fleet_config=None):
        super().__init__(fleet_config=fleet_config)
        self.device = device

    def act(self, fleet, ctx):
        return fleet.power.sensors(ctx, self.device)
