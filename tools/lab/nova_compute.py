"""nova-compute with the fake virt driver sized like a plausible server.

Runs inside the nova lab venv, with nova-compute's usual arguments::

    python -m tools.lab.nova_compute --config-file nova.conf \
        --config-file compute-1.conf

``fake.FakeDriverWithoutFakeNodes`` reports 1000 vCPUs, 800 GB RAM and
600 TB disk, fixed as class attributes with no config option; this wrapper
sets smaller numbers (env ``FLEET_LAB_VCPUS``, ``FLEET_LAB_MEMORY_MB``,
``FLEET_LAB_DISK_GB``) before handing over to nova-compute's own main().
"""

import os
import sys

# nova.cmd.compute applies nova's monkey patching on import: keep it first.
from nova.cmd import compute  # noqa: I100
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


def main():
    for attr, value in capacity().items():
        setattr(fake.FakeDriver, attr, value)
    sys.argv[0] = 'nova-compute'
    return compute.main()


if __name__ == '__main__':
    sys.exit(main())
