"""Look objects up by the names operators type, with one-line errors."""

import uuid as uuid_mod

import sqlalchemy as sa

from fleet.api import validate
from fleet.common import constants
from fleet.common import exception
from fleet.db import models

NAME_RE = validate.NAME_RE

SCOPES = constants.SCOPES
MODELS = {'cloud': models.Cloud, 'region': models.Region,
          'cell': models.Cell, 'rack': models.Rack,
          'device': models.Device}


check_name = validate.name


def _one(rows, kind, name, where, parent_field):
    if not rows:
        raise exception.NotFound(kind, name, where)
    if len(rows) > 1:
        raise exception.Ambiguous(kind, name, parent_field)
    return rows[0]


def _only(session, query, kind, hint):
    """The one ``kind`` that ``query`` selects, when no name is given.

    ``hint``: the error's hint when there is none.
    """
    rows = session.scalars(query.limit(2)).all()
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise exception.NotFound(kind, '(any)', '', hint=hint)
    raise exception.Invalid(kind, 'no %s given and more than one exists'
                            % kind, 'name one', hint='name_parent')


def cloud(session, name=None):
    """The cloud called ``name``; without a name, the only cloud."""
    if name is None:
        return _only(session, sa.select(models.Cloud), 'cloud',
                     hint='create_cloud')
    _plausible('cloud', name)
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
        return _only(session, q, 'region', hint='create_region')
    _plausible('region', name)
    rows = session.scalars(q.where(models.Region.name == name)).all()
    where = ' in cloud %r' % cloud_name if cloud_name else ''
    return _one(rows, 'region', name, where, 'cloud')


def _in_region(session, kind, model, name, region_name, cloud_name):
    """The ``kind`` (a level under a region) called ``name``."""
    _plausible(kind, name)
    q = sa.select(model).where(model.name == name)
    if region_name is not None or cloud_name is not None:
        q = q.where(model.region_id == region(
            session, region_name, cloud_name).id)
    rows = session.scalars(q).all()
    where = ' in region %r' % region_name if region_name else ''
    return _one(rows, kind, name, where, 'region')


def cell(session, name, region_name=None, cloud_name=None):
    """The cell ``name`` (in ``region_name`` / ``cloud_name`` if given)."""
    return _in_region(session, 'cell', models.Cell, name, region_name,
                      cloud_name)


def rack(session, name, region_name=None, cloud_name=None):
    """The rack ``name`` (in ``region_name`` / ``cloud_name`` if given)."""
    return _in_region(session, 'rack', models.Rack, name, region_name,
                      cloud_name)


def device(session, name_or_uuid):
    """A device by name or UUID."""
    col = models.Device.name
    if _is_uuid(name_or_uuid):
        col = models.Device.uuid
        name_or_uuid = str(uuid_mod.UUID(name_or_uuid))
    else:
        _plausible('device', name_or_uuid, hint='list_devices')
    row = session.scalars(sa.select(models.Device).where(
        col == name_or_uuid)).first()
    if row is None:
        raise exception.NotFound('device', name_or_uuid, '',
                                 hint='list_devices')
    return row


def _plausible(kind, name, hint=None):
    """NotFound, without a query, for a name no object can have.

    Text the database would choke on (a NUL byte, a name longer than the
    column) never reaches it.
    """
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise exception.NotFound(kind, name, '', hint=hint)


def _is_uuid(value):
    try:
        uuid_mod.UUID(str(value))
        return True
    except ValueError:
        return False


def require(session, kind, name, region_name=None, cloud_name=None):
    """Raise NotFound unless a ``kind`` called ``name`` exists.

    For list filters: the name may match in several places (that is not
    an error here); ``region_name``/``cloud_name`` narrow the search when
    given.
    """
    _plausible(kind, name)
    model = MODELS[kind]
    q = sa.select(model.id).where(model.name == name)
    where = ''
    if kind in ('cell', 'rack') and (region_name or cloud_name):
        q = q.where(model.region_id.in_(_region_ids(
            session, region_name, cloud_name)))
        where = ' in region %r' % region_name if region_name else ''
    elif kind == 'region' and cloud_name:
        q = q.where(model.cloud_id == cloud(session, cloud_name).id)
        where = ' in cloud %r' % cloud_name
    if session.scalar(q.limit(1)) is None:
        raise exception.NotFound(kind, name, where)


def _region_ids(session, region_name, cloud_name):
    q = sa.select(models.Region.id)
    if region_name:
        require(session, 'region', region_name, cloud_name=cloud_name)
        q = q.where(models.Region.name == region_name)
    if cloud_name:
        q = q.where(models.Region.cloud_id == cloud(session, cloud_name).id)
    return q


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
