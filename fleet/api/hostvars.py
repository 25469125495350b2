"""One device's Ansible host variables, as the inventory export gives them.

The export (:meth:`fleet.api.export.Exporter.ansible`) renders the whole
fleet at once; the ``ansible`` executor needs one host's variables: the
same ones, resolved by :func:`fleet.api.resolve.resolve` for that device
only (one statement).
"""

from fleet.api import refs
from fleet.api import resolve
from fleet.db import models


def ansible_host(fleet, device, include_secrets=False):
    """``{key: value}``: the host variables of ``device`` in the export.

    The resolved variables, over ``fleet_uuid``, ``fleet_type``,
    ``fleet_role``, ``fleet_region``, ``fleet_cell`` and ``fleet_rack``;
    ``ansible_host`` is the management address unless a variable sets
    it. Secret variables (decrypted) only with ``include_secrets``.

    :param device: a device name or UUID.
    :raises fleet.common.exception.NotFound: no such device.
    """
    with fleet.reading() as s:
        dev = refs.device(s, device)
        got = resolve.resolve(
            s, [dev.id], include_secrets=include_secrets,
            keyring=fleet.keyring if include_secrets else None)[dev.id]

        def name_of(model, level_id):
            return None if level_id is None else s.get(model, level_id).name

        out = {'fleet_uuid': dev.uuid, 'fleet_type': dev.type,
               'fleet_role': dev.role,
               'fleet_region': name_of(models.Region, dev.region_id)}
        if dev.cell_id is not None:
            out['fleet_cell'] = name_of(models.Cell, dev.cell_id)
        if dev.rack_id is not None:
            out['fleet_rack'] = name_of(models.Rack, dev.rack_id)
        mgmt = dev.mgmt_address
    out.update((key, resolve.decode(r.text)) for key, r in got.items())
    if mgmt and 'ansible_host' not in out:
        out['ansible_host'] = mgmt
    return out


def secret_values(fleet, device):
    """The plain values of the secret variables ``device`` resolves.

    For scrubbing them out of what a playbook run reports; never print or
    log the result.
    """
    with fleet.reading() as s:
        dev = refs.device(s, device)
        got = resolve.resolve(s, [dev.id], keyring=fleet.keyring)[dev.id]
    return [resolve.decode(r.text) for r in got.values() if r.secret]
