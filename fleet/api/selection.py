"""Select devices by placement, role, type and labels, in SQL.

The filters operators type (``--region``, ``--rack``, ``--role``,
``--label`` ...) become one subquery of device ids that any read can join
(readings, health, later findings). A level name that matches nothing is an
error, never an empty selection.
"""

import sqlalchemy as sa

from fleet.api import refs
from fleet.db import models


def device_ids(session, device=None, cloud=None, region=None, cell=None,
               rack=None, role=None, label=None, type=None):
    """A SELECT of the ids of matching devices, or None for "all".

    :param label: one label or a list (all must match).
    :raises fleet.common.exception.NotFound: a named device or level does
        not exist.
    """
    d = models.Device
    q = sa.select(d.id)
    filtered = False
    if device is not None:
        q = q.where(d.id == refs.device(session, device).id)
        filtered = True
    if cloud is not None:
        cloud_id = refs.cloud(session, cloud).id
        q = q.where(d.region_id.in_(sa.select(models.Region.id).where(
            models.Region.cloud_id == cloud_id)))
        filtered = True
    if region is not None:
        q = q.where(d.region_id == refs.region(session, region, cloud).id)
        filtered = True
    if cell is not None:
        q = q.where(d.cell_id == refs.cell(session, cell, region, cloud).id)
        filtered = True
    if rack is not None:
        q = q.where(d.rack_id == refs.rack(session, rack, region, cloud).id)
        filtered = True
    if role is not None:
        q = q.where(d.role == role)
        filtered = True
    if type is not None:
        q = q.where(d.type == type)
        filtered = True
    for one in ([label] if isinstance(label, str) else label or ()):
        q = q.where(d.id.in_(sa.select(models.Label.device_id).where(
            models.Label.label == one)))
        filtered = True
    return q if filtered else None
