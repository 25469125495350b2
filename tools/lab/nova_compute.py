"""nova-compute with the fake virt driver sized like a plausible server.

Runs inside the nova lab venv, with nova-compute's usual arguments::

    python -m tools.lab.nova_compute --config-file nova.conf \
        --config-file compute-1.conf

Two adjustments before handing over to nova-compute's own main():

* Capacity: ``fake.FakeDriverWithoutFakeNodes`` reports 1000 vCPUs, 800 GB
  RAM and 600 TB disk, fixed as class attributes with no config option;
  this sets smaller numbers (env ``FLEET_LAB_VCPUS``, ``FLEET_LAB_MEMORY_MB``,
  ``FLEET_LAB_DISK_GB``).
* Persistence: the fake driver keeps its guests in memory only, so after a
  lab restart every server would be "unexpectedly not found" (power state
  NOSTATE, and stop/migrate fail). At start-up, instances the database
  places on this host are re-adopted in the state their vm_state implies,
  as a real hypervisor's guests would survive a nova-compute restart.
"""

import os
import sys

# nova.cmd.compute applies nova's monkey patching on import: keep it first.
from nova.cmd import compute
from nova.compute import manager
from nova.compute import power_state
from nova.compute import vm_states
from nova.virt import fake

DEFAULT_CAPACITY = {'vcpus': 16, 'memory_mb': 65536, 'local_gb': 500}


def capacity():
    """vCPUs, RAM (MB) and disk (GB) for the fake hypervisor."""
    return {
        'vcpus': int(os.environ.get('FLEET_LAB_VCPUS',
                                    DEFAULT_CAPACITY['vcpus'])),
        'memory_mb': int(os.environ.get('FLEET_LAB_MEMORY_MB',
                                        DEFAULT_CAPACITY['memory_mb'])),
        'local_gb': int(os.environ.get('FLEET_LAB_DISK_GB',
                                       DEFAULT_CAPACITY['local_gb'])),
    }


# vm_state of a surviving guest -> the power state the fake reports.
ADOPT_STATES = {
    vm_states.ACTIVE: power_state.RUNNING,
    vm_states.STOPPED: power_state.SHUTDOWN,
    vm_states.PAUSED: power_state.PAUSED,
    vm_states.SUSPENDED: power_state.SUSPENDED,
    vm_states.RESCUED: power_state.RUNNING,
    vm_states.RESIZED: power_state.RUNNING,
}


def adopt(driver, instance):
    """Register an instance of this host with the fake driver, once."""
    state = ADOPT_STATES.get(instance.vm_state)
    if state is None or instance.uuid in driver.instances:
        return
    flavor = instance.flavor
    driver.resources.claim(vcpus=flavor.vcpus, mem=flavor.memory_mb,
                           disk=flavor.root_gb)
    driver.instances[instance.uuid] = fake.FakeInstance(
        instance.name, state, instance.uuid)


def patch_init_instance():
    """Adopt each instance before nova-compute's start-up check of it."""
    original = manager.ComputeManager._init_instance

    def _init_instance(self, context, instance):
        if isinstance(self.driver, fake.FakeDriver):
            adopt(self.driver, instance)
        return original(self, context, instance)

    manager.ComputeManager._init_instance = _init_instance


def main():
    for attr, value in capacity().items():
        setattr(fake.FakeDriver, attr, value)
    patch_init_instance()
    sys.argv[0] = 'nova-compute'
    return compute.main()


if __name__ == '__main__':
    sys.exit(main())
