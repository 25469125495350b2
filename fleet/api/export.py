"""Inventory exports of the whole fleet with resolved variables.

Resolution is :mod:`fleet.api.resolve`'s. Two formats: ``json`` (every
device's resolved variables, decoded) and the Ansible dynamic inventory
(:mod:`fleet.api.export_ansible`, built for 100,000 devices).
"""

import contextlib
import gc

from fleet.api import export_ansible
from fleet.api import resolve


@contextlib.contextmanager
def _no_gc():
    """Pause the cyclic garbage collector while building a large export.

    The export allocates millions of tuples, dicts and strings and no
    reference cycles; the collector's passes over the growing heap cost
    5-10% of an export of 100,000 devices. Reference counting still frees
    everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Exporter:
    """Resolve all devices at once and write exports."""

    def __init__(self, fleet):
        self.fleet = fleet

    def resolved_all(self, ctx, include_secrets=False):
        """``{device name: {key: value}}`` for every device (decoded).

        The ``json`` export format.
        """
        with _no_gc(), self.fleet.reading() as s:
            return {name: {k: resolve.decode(v) for k, v in merged.items()}
                    for name, merged in resolve.fleet_wide(
                        s, self.fleet.keyring if include_secrets
                        else None)}

    def ansible(self, ctx, include_secrets=False):
        """An Ansible dynamic inventory (JSON text) of the whole fleet.

        Groups: ``cloud_<c>`` (children: its regions), ``region_<r>``,
        ``cell_<r>_<c>``, ``rack_<r>_<k>``, ``role_<x>``, ``type_<t>``,
        ``label_<l>``, and ``fleet_missing`` for devices their source no
        longer reports (limit plays with ``--limit '!fleet_missing'``).
        Host variables: the resolved variables plus
        ``fleet_uuid``, ``fleet_type``, ``fleet_role``, ``fleet_region``,
        ``fleet_cell``, ``fleet_rack``; ``ansible_host`` defaults to the
        management address. Secret variables only with ``include_secrets``.
        """
        with _no_gc():
            with self.fleet.reading() as s:
                rows = export_ansible.Rows(s.connection(), self.fleet.keyring
                                    if include_secrets else None)
            text = export_ansible.Writer(rows).render()
            # Freed while the collector is off: back on with a million
            # objects alive, its first pass would walk them all (about 5%
            # of the export).
            del rows
        return text
