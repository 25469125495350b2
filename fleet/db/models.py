"""SQLAlchemy models of the fleet inventory.

Hierarchy: cloud -> region -> cell (optional) -> rack (optional) -> device.
A device may have a parent device (chassis, blade, TOR switch). Variables
hang off any level (``scope``) or are global defaults. Every write is also
recorded in ``changes`` (see :mod:`fleet.api.changes`).

Variable values are stored as JSON text, not a database JSON type: the text is
validated on write, is the same on every backend, and exports splice it
without decoding.
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

# Also the names the rest of fleet uses: models.Base, models.utcnow ...
from fleet.db.base import Base
from fleet.db.base import NEVER_REUSE
from fleet.db.base import Timestamp
from fleet.db.base import TimestampMixin
from fleet.db.base import utcnow


class LevelMixin(TimestampMixin):
    """The columns of every level above devices: id, name, description."""

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class RegionalMixin(LevelMixin):
    """A cell or rack: in one region, where its name is unique."""

    region_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('regions.id', ondelete='RESTRICT'), index=True)

    @orm.declared_attr.directive
    def __table_args__(cls):
        return _unique_in(cls.__tablename__, 'region')


def _unique_in(table, parent):
    """``__table_args__``: names unique in the parent; ids never reused."""
    return (sa.UniqueConstraint('%s_id' % parent, 'name',
                                name='uq_%s_%s_name' % (table, parent)),
            NEVER_REUSE)


class Cloud(LevelMixin, Base):
    __tablename__ = 'clouds'
    __table_args__ = (NEVER_REUSE,)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)


class Region(LevelMixin, Base):
    __tablename__ = 'regions'
    __table_args__ = _unique_in('regions', 'cloud')
    cloud_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('clouds.id', ondelete='RESTRICT'), index=True)


class Cell(RegionalMixin, Base):
    __tablename__ = 'cells'


class Rack(RegionalMixin, Base):
    __tablename__ = 'racks'
    cell_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('cells.id', ondelete='RESTRICT'), index=True)


class Device(TimestampMixin, Base):
    __tablename__ = 'devices'
    __table_args__ = (NEVER_REUSE,)
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)
    type: orm.Mapped[str] = orm.mapped_column(sa.String(32), index=True)
    role: orm.Mapped[str | None] = orm.mapped_column(sa.String(64),
                                                     index=True)
    region_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('regions.id', ondelete='RESTRICT'), index=True)
    cell_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('cells.id', ondelete='RESTRICT'), index=True)
    rack_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('racks.id', ondelete='RESTRICT'), index=True)
    parent_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='RESTRICT'), index=True)
    serial: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    asset_tag: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    mgmt_address: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    source: orm.Mapped[str | None] = orm.mapped_column(sa.String(64),
                                                       index=True)
    external_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    missing: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)
    last_seen: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)


class Label(Base):
    __tablename__ = 'labels'
    device_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='CASCADE'), primary_key=True)
    label: orm.Mapped[str] = orm.mapped_column(sa.String(255),
                                               primary_key=True, index=True)


class Variable(Base):
    """A variable at one scope. ``scope_id`` is 0 for global defaults."""

    __tablename__ = 'variables'
    __table_args__ = (
        sa.UniqueConstraint('scope', 'scope_id', 'key',
                            name='uq_variables_scope_key'),
        sa.Index('ix_variables_scope', 'scope', 'scope_id'),
    )
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    scope: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    scope_id: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    key: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    value: orm.Mapped[str] = orm.mapped_column(sa.Text)
    secret: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)
    observed: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)
    updated_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow, nullable=False)


class Change(Base):
    """One append-only change-log row: one field or variable of one object.

    Rows written by one transaction share ``request_id``. Secret values are
    never stored here: ``old``/``new`` hold the mask instead.
    """

    __tablename__ = 'changes'
    __table_args__ = (
        sa.Index('ix_changes_object', 'object_type', 'object_id'),
    )
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    request_id: orm.Mapped[str] = orm.mapped_column(sa.String(36),
                                                    index=True)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, default=utcnow, nullable=False, index=True)
    actor: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    object_type: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    object_id: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    object_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    field: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    old: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    new: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    secret: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)
    reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


# -- telemetry ---------------------------------------------------------------
# Readings are not inventory: they churn, so they are not change-logged, and
# the history is bounded (fleet is not a time-series database).
class LatestReading(Base):
    """The latest reading of one metric of one device."""

    __tablename__ = 'readings_latest'
    __table_args__ = (
        sa.Index('ix_readings_latest_metric_status', 'metric', 'status'),
    )
    device_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='CASCADE'), primary_key=True)
    metric: orm.Mapped[str] = orm.mapped_column(sa.String(128),
                                                primary_key=True)
    value: orm.Mapped[float | None] = orm.mapped_column(sa.Double)
    unit: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    threshold: orm.Mapped[str | None] = orm.mapped_column(sa.String(128))
    reason: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    source: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    read_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, nullable=False)


class ReadingHistory(Base):
    """Past readings, pruned by age and by count per device and metric."""

    __tablename__ = 'readings_history'
    __table_args__ = (
        sa.Index('ix_readings_history_device_metric', 'device_id', 'metric',
                 'read_at'),
        sa.Index('ix_readings_history_read_at', 'read_at'),
    )
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    device_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='CASCADE'))
    metric: orm.Mapped[str] = orm.mapped_column(sa.String(128))
    value: orm.Mapped[float | None] = orm.mapped_column(sa.Double)
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    read_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, nullable=False)


# Alerts and silences live in their own module; imported here so that the
# one metadata (Alembic, ensure_schema, the tests) holds their tables.
from fleet.db import alert_models  # noqa: E402,F401,I100


# -- audit -------------------------------------------------------------------
# Policies (one per loaded file) hold rules; an audit turns rules into
# findings, one per (rule, device or group), keyed by a fingerprint.
class Policy(TimestampMixin, Base):
    """A loaded policy file: its name, text and version."""

    __tablename__ = 'policies'
    __table_args__ = (NEVER_REUSE,)
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    source: orm.Mapped[str | None] = orm.mapped_column(sa.String(1024))
    content: orm.Mapped[str] = orm.mapped_column(sa.Text)
    checksum: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    version: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=1)


class AuditRule(Base):
    """One rule of a policy; JSON columns hold the validated YAML parts."""

    __tablename__ = 'audit_rules'
    __table_args__ = (NEVER_REUSE,)
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    policy_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('policies.id', ondelete='CASCADE'), index=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)
    position: orm.Mapped[int] = orm.mapped_column(sa.Integer)
    enabled: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=True, nullable=False)
    auditor: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    severity: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    selector: orm.Mapped[str] = orm.mapped_column(sa.Text)
    params: orm.Mapped[str] = orm.mapped_column(sa.Text)
    remediation: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    mode: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    repeat_count: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    repeat_window: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)
    approval_ttl: orm.Mapped[int | None] = orm.mapped_column(sa.Integer)


class Finding(Base):
    """One finding: a rule failing for one device or one group.

    ``subject`` is the device's name or the group's key (``rack k1``);
    ``rule``/``policy`` keep the names, so a finding outlives its rule.
    """

    __tablename__ = 'findings'
    __table_args__ = (
        sa.Index('ix_findings_rule_status', 'rule', 'status'),
        NEVER_REUSE,
    )
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    fingerprint: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                     unique=True)
    rule: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    policy: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    auditor: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    subject: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    device_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='SET NULL'), index=True)
    severity: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), index=True)
    message: orm.Mapped[str] = orm.mapped_column(sa.Text)
    observed: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    expected: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    count: orm.Mapped[int] = orm.mapped_column(sa.Integer, default=1)
    first_seen: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, nullable=False)
    last_seen: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, nullable=False)
    resolved_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)
    #: When the finding was last opened or reopened (None: ``first_seen``);
    #: the resolver decides once per opening.
    opened_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)
    updated_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, default=utcnow, onupdate=utcnow, nullable=False)


# -- remediation -------------------------------------------------------------
class Remediation(TimestampMixin, Base):
    """One remediation of one device: a workflow run by an executor.

    ``idempotency_key`` is chosen before the executor is called and given
    to it (the Mistral execution id), so that a restarted fleet finds the
    execution it started instead of starting a second one. A remediation
    ``holds_slot`` of the blast radius while it runs, and after it if its
    workflow leaves the device out of production (a drain) until a
    workflow that returns it succeeds.

    The resolver's plans are rows too (``finding_id``, ``rule``, ``mode``):
    a plan awaiting approval (``pending-approval`` until ``expires_at``),
    one held back by the blast radius (``held``), a notification
    (``notified``), an escalation (``escalated``), a ``rejected`` or
    ``expired`` plan; ``decided_by``/``decided_reason`` say who approved
    or rejected it and why, ``detail`` why it was held or escalated.
    """

    __tablename__ = 'remediations'
    __table_args__ = (
        sa.Index('ix_remediations_state', 'state'),
        sa.Index('ix_remediations_device_slot', 'device_id', 'holds_slot'),
        sa.Index('ix_remediations_finding', 'finding_id'),
        sa.Index('ix_remediations_rule_device', 'rule', 'device_id',
                 'created_at'),
        NEVER_REUSE,
    )
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    idempotency_key: orm.Mapped[str] = orm.mapped_column(sa.String(64),
                                                         unique=True)
    device_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='CASCADE'))
    device_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    workflow: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    executor: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    input: orm.Mapped[str] = orm.mapped_column(sa.Text)
    state: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    holds_slot: orm.Mapped[bool] = orm.mapped_column(
        sa.Boolean, default=False, nullable=False)
    execution_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    output: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    error: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    actor: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)
    finding_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey('findings.id', ondelete='SET NULL',
                      name='fk_remediations_finding'))
    rule: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    policy: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    mode: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    expires_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)
    decided_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    decided_reason: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    decided_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(
        Timestamp)
    detail: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class Handoff(Base):
    """A device handed off to a human: out of automatic management."""

    __tablename__ = 'device_handoffs'
    device_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('devices.id', ondelete='CASCADE'), primary_key=True)
    actor: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text)
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(
        Timestamp, default=utcnow, nullable=False)
