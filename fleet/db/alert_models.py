"""SQLAlchemy models of alerts and silences (see :mod:`fleet.api.alerts`).

An alert is one fingerprint: every receipt of the same fingerprint updates
the same row (dedupe). Labels and annotations are JSON text, as variable
values are. Imported by :mod:`fleet.db.models`, so the metadata Alembic
and the tests use holds these tables.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from fleet.db.base import Base
from fleet.db.base import NEVER_REUSE
from fleet.db.base import Timestamp


class Alert(Base):
    """One alert (a fingerprint) and its lifecycle.

    ``status`` is ``firing`` or ``resolved``; acknowledgement, silencing
    (``silence_id``), the repeat threshold (``held``) and ``flapping`` are
    separate fields beside it.
    """

    __tablename__ = 'alerts'
    __table_args__ = (
        sa.Index('ix_alerts_status_last_seen', 'status', 'last_seen'),
        NEVER_REUSE,
    )
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    fingerprint: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                     unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), index=True)
    source: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    severity: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    labels: orm.Mapped[str] = orm.mapped_column(sa.Text)
    annotations: orm.Mapped[str] = orm.mapped_column(sa.Text)
    generator_url: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    device_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='SET NULL'), index=True)
    device_unknown: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    occurrences: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    received: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    window_start: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp)
    window_count: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    returns: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    flap_start: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)
    flap_count: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    held: orm.Mapped[bool] = orm.mapped_column(sa.Boolean, nullable=False)
    flapping: orm.Mapped[bool] = orm.mapped_column(sa.Boolean,
                                                   nullable=False)
    silence_id: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    acknowledged_by: orm.Mapped[str | None] = orm.mapped_column(
        sa.String(255))
    acknowledged_at: orm.Mapped[datetime.datetime | None] = \
        orm.mapped_column(Timestamp)
    first_seen: orm.Mapped[datetime.datetime] = orm.mapped_column(Timestamp)
    last_seen: orm.Mapped[datetime.datetime] = orm.mapped_column(Timestamp)
    starts_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)
    ends_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)


class Silence(Base):
    """Alertmanager-style matchers that suppress alerts until expiry."""

    __tablename__ = 'silences'
    __table_args__ = (NEVER_REUSE,)
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    matchers: orm.Mapped[str] = orm.mapped_column(sa.Text)
    comment: orm.Mapped[str] = orm.mapped_column(sa.Text)
    created_by: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(Timestamp)
    expires_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, index=True)
