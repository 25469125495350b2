"""telemetry readings: latest per device and metric, bounded history

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 07:40:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'readings_latest',
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(length=128), nullable=False),
        sa.Column('value', sa.Double(), nullable=True),
        sa.Column('unit', sa.String(length=32), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('threshold', sa.String(length=128), nullable=True),
        sa.Column('reason', sa.String(length=255), nullable=True),
        sa.Column('source', sa.String(length=64), nullable=True),
        sa.Column('read_at', TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('device_id', 'metric'))
    op.create_index('ix_readings_latest_metric_status', 'readings_latest',
                    ['metric', 'status'])
    op.create_table(
        'readings_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=False),
        sa.Column('metric', sa.String(length=128), nullable=False),
        sa.Column('value', sa.Double(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('read_at', TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_readings_history_device_metric', 'readings_history',
                    ['device_id', 'metric', 'read_at'])
    op.create_index('ix_readings_history_read_at', 'readings_history',
                    ['read_at'])


def downgrade():
    op.drop_table('readings_history')
    op.drop_table('readings_latest')
