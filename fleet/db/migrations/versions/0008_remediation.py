"""remediation: remediations with idempotency keys, device hand-offs

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:50:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')

revision = '0008'
# The lead re-chains this onto the last migration of main when merging.
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'remediations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('uuid', sa.String(length=36), nullable=False),
        sa.Column('idempotency_key', sa.String(length=64), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('device_name', sa.String(length=255), nullable=False),
        sa.Column('workflow', sa.String(length=255), nullable=False),
        sa.Column('executor', sa.String(length=32), nullable=False),
        sa.Column('input', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('holds_slot', sa.Boolean(), nullable=False),
        sa.Column('execution_id', sa.String(length=64), nullable=True),
        sa.Column('output', sa.Text(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('actor', sa.String(length=255), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('finished_at', TIMESTAMP, nullable=True),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.Column('updated_at', TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('uuid'),
        sa.UniqueConstraint('idempotency_key'),
        sqlite_autoincrement=True)
    op.create_index('ix_remediations_state', 'remediations', ['state'])
    op.create_index('ix_remediations_device_slot', 'remediations',
                    ['device_id', 'holds_slot'])
    op.create_table(
        'device_handoffs',
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('actor', sa.String(length=255), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('device_id'))


def downgrade():
    op.drop_table('device_handoffs')
    op.drop_index('ix_remediations_device_slot', table_name='remediations')
    op.drop_index('ix_remediations_state', table_name='remediations')
    op.drop_table('remediations')
