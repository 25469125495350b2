"""alerts and silences

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:30:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alerts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('severity', sa.String(length=32), nullable=False),
        sa.Column('labels', sa.Text(), nullable=False),
        sa.Column('annotations', sa.Text(), nullable=False),
        sa.Column('generator_url', sa.Text(), nullable=True),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('device_unknown', sa.Boolean(), nullable=False),
        sa.Column('project_id', sa.String(length=64), nullable=True),
        sa.Column('occurrences', sa.Integer(), nullable=False),
        sa.Column('received', sa.Integer(), nullable=False),
        sa.Column('window_start', TIMESTAMP, nullable=False),
        sa.Column('window_count', sa.Integer(), nullable=False),
        sa.Column('returns', sa.Integer(), nullable=False),
        sa.Column('flap_start', TIMESTAMP, nullable=True),
        sa.Column('flap_count', sa.Integer(), nullable=False),
        sa.Column('held', sa.Boolean(), nullable=False),
        sa.Column('flapping', sa.Boolean(), nullable=False),
        sa.Column('silence_id', sa.Integer(), nullable=True),
        sa.Column('acknowledged_by', sa.String(length=255), nullable=True),
        sa.Column('acknowledged_at', TIMESTAMP, nullable=True),
        sa.Column('first_seen', TIMESTAMP, nullable=False),
        sa.Column('last_seen', TIMESTAMP, nullable=False),
        sa.Column('starts_at', TIMESTAMP, nullable=True),
        sa.Column('ends_at', TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'],
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('fingerprint'),
        sqlite_autoincrement=True)
    op.create_index('ix_alerts_name', 'alerts', ['name'])
    op.create_index('ix_alerts_device_id', 'alerts', ['device_id'])
    op.create_index('ix_alerts_status_last_seen', 'alerts',
                    ['status', 'last_seen'])
    op.create_table(
        'silences',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('matchers', sa.Text(), nullable=False),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=255), nullable=False),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.Column('expires_at', TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sqlite_autoincrement=True)
    op.create_index('ix_silences_expires_at', 'silences', ['expires_at'])


def downgrade():
    op.drop_table('silences')
    op.drop_table('alerts')
