"""Keep pyghmi's shared SDR cache from mixing BMCs up (pyghmi 1.6.19).

pyghmi keeps every Sensor Data Repository it downloads in one process-wide
dict (``pyghmi.ipmi.sdr.shared_sdrs``) keyed by the BMC's firmware
revision, manufacturer, product, device id and the SDR's last-change
time, and hands a cached SDR to any other BMC with the same key. Two BMCs
of one model and firmware whose repositories changed in the same second
(machines booted together, a lab's simulated BMCs) but hold different
sensors (a second PSU, an extra fan) then share one SDR: the second BMC's
extra sensors are silently never read, and a sensor number can be read
under another BMC's sensor name.

:func:`scope` narrows the cache to one BMC: inside it, on the calling
thread, pyghmi's key is extended with the BMC's address and port, so a
BMC only reuses its own SDR (after a new login, say). Outside any scope,
keys are pyghmi's own.
"""

import contextlib
import threading

from pyghmi.ipmi import sdr as _sdr

_local = threading.local()


class PerBmcCache(dict):
    """``shared_sdrs`` whose keys carry the calling thread's BMC."""

    @staticmethod
    def _key(key):
        return (getattr(_local, 'bmc', None), key)

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __setitem__(self, key, value):
        super().__setitem__(self._key(key), value)

    def __contains__(self, key):
        return super().__contains__(self._key(key))

    def get(self, key, default=None):
        return super().get(self._key(key), default)


def install():
    """Replace pyghmi's shared SDR dict (idempotent, process-wide)."""
    if not isinstance(_sdr.shared_sdrs, PerBmcCache):
        _sdr.shared_sdrs = PerBmcCache()


@contextlib.contextmanager
def scope(bmc):
    """SDR lookups of this thread belong to ``bmc`` (e.g. ``(host, port)``)."""
    before = getattr(_local, 'bmc', None)
    _local.bmc = bmc
    try:
        yield
    finally:
        _local.bmc = before
