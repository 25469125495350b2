"""Look objects up by the names operators type, with one-line errors."""

import re
import uuid as uuid_mod

import sqlalchemy as sa

from fleet.common import constants
from fleet.common import exception
from fleet.db import models

NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._:@-]{0,254}$')

SCOPES = constants.SCOPES
MODELS = {'cloud': models.Cloud, 'region': models.Region,
          'cell': models.Cell, 'rack': models.Rack,
          'device': models.Device}


def check_name(field, value):
    if not isinstance(value, str) or not NAME_RE.match(value):
        raise exception.Invalid(
            field, 'invalid name %r' % (value,),
            'use letters, digits and . _ : @ - (at most 255, starting '
            'with a letter or digit)')
    return value


def _one(rows, kind, name, where, parent_field):
    if not rows:
        raise exception.NotFound(kind, name, where)
    if len(rows) > 1:
        raise exception.Ambiguous(kind, name, parent_field)
    return rows[0]


def cloud(session, name=None):
    """The cloud called ``name``; without a name, the only cloud."""
    if name is None:
        rows = session.scalars(sa.select(models.Cloud).limit(2)).all()
        if len(rows) == 1:
            return rows[0]
        if not rows:
            raise exception.NotFound('cloud', '(any)', '',
                                     hint='create_cloud')
        raise exception.Invalid('cloud', 'no cloud given and more than one '
                                'exists', 'name one', hint='name_parent')
    row = session.scalars(sa.select(models.Cloud).where(
        models.Cloud.name == name)).first()
    if row is None:
        raise exception.NotFound('cloud', name)
    return row


def region(session, name=None, cloud_name=None):
    """The region ``name`` (in ``cloud_name`` when given)."""
    q = sa.select(models.Region)
    if cloud_name is not None:
        q = q.where(models.Region.cloud_id == cloud(session, cloud_name).id)
    if name is None:
        rows = session.scalars(q.limit(2)).all()
        if len(rows) == 1:
            return rows[0]
        if not rows:
            raise exception.NotFound('region', '(any)', '',
                                     hint='create_region')
        raise exception.Invalid('region', 'no region given and more than '
                                'one exists', 'name one', hint='name_parent')
    rows = session.scalars(q.where(models.Region.name == name)).all()
    where = ' in cloud %r' % cloud_name if cloud_name else ''
    return _one(rows, 'region', name, where, 'cloud')


def cell(session, name, region_name=None, cloud_name=None):
    q = sa.select(models.Cell).where(models.Cell.name == name)
    if region_name is not None or cloud_name is not None:
        q = q.where(models.Cell.region_id == region(
            session, region_name, cloud_name).id)
    rows = session.scalars(q).all()
    where = ' in region %r' % region_name if region_name else ''
    return _one(rows, 'cell', name, where, 'region')


def rack(session, name, region_name=None, cloud_name=None):
    q = sa.select(models.Rack).where(models.Rack.name == name)
    if region_name is not None or cloud_name is not None:
        q = q.where(models.Rack.region_id == region(
            session, region_name, cloud_name).id)
    rows = session.scalars(q).all()
    where = ' in region %r' % region_name if region_name else ''
    return _one(rows, 'rack', name, where, 'region')


def device(session, name_or_uuid):
    """A device by name or UUID."""
    col = models.Device.name
    if _is_uuid(name_or_uuid):
        col = models.Device.uuid
    row = session.scalars(sa.select(models.Device).where(
        col == name_or_uuid)).first()
    if row is None:
        raise exception.NotFound('device', name_or_uuid, '',
                                 hint='list_devices')
    return row


def _is_uuid(value):
    try:
        uuid_mod.UUID(str(value))
        return True
    except ValueError:
        return False


def scope_object(session, scope, name, region_name=None, cloud_name=None):
    """Return (scope_id, display name) for a variable scope."""
    if scope not in SCOPES:
        raise exception.Invalid('scope', 'unknown scope %r' % scope,
                                'use one of %s' % ', '.join(SCOPES))
    if scope == 'defaults':
        return 0, 'defaults'
    if scope == 'cloud':
        obj = cloud(session, name)
    elif scope == 'region':
        obj = region(session, name, cloud_name)
    elif scope == 'cell':
        obj = cell(session, name, region_name, cloud_name)
    elif scope == 'rack':
        obj = rack(session, name, region_name, cloud_name)
    else:
        obj = device(session, name)
    return obj.id, obj.name
