"""audit: policies, their rules and findings

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-01 10:30:00

0005 and 0006 were reserved and never used: 0007 follows 0004.
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')
NEVER_REUSE = {'sqlite_autoincrement': True}

revision = '0007'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('source', sa.String(length=1024), nullable=True),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', TIMESTAMP, nullable=False),
        sa.Column('updated_at', TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
        **NEVER_REUSE)
    op.create_table(
        'audit_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('policy_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('auditor', sa.String(length=64), nullable=False),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('description', sa.Text(), nullable=True),
        sa.Column('selector', sa.Text(), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('remediation', sa.Text(), nullable=True),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('repeat_count', sa.Integer(), nullable=True),
        sa.Column('repeat_window', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['policy_id'], ['policies.id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
        **NEVER_REUSE)
    op.create_index('ix_audit_rules_policy_id', 'audit_rules',
                    ['policy_id'])
    op.create_table(
        'findings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('rule', sa.String(length=255), nullable=False),
        sa.Column('policy', sa.String(length=255), nullable=False),
        sa.Column('auditor', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=255), nullable=False),
        sa.Column('device_id', sa.Integer(), nullable=True),
        sa.Column('severity', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('observed', sa.Text(), nullable=True),
        sa.Column('expected', sa.Text(), nullable=True),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('first_seen', TIMESTAMP, nullable=False),
        sa.Column('last_seen', TIMESTAMP, nullable=False),
        sa.Column('resolved_at', TIMESTAMP, nullable=True),
        sa.Column('updated_at', TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(['device_id'], ['devices.id'],
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('fingerprint'),
        **NEVER_REUSE)
    op.create_index('ix_findings_device_id', 'findings', ['device_id'])
    op.create_index('ix_findings_status', 'findings', ['status'])
    op.create_index('ix_findings_rule_status', 'findings',
                    ['rule', 'status'])


def downgrade():
    op.drop_table('findings')
    op.drop_table('audit_rules')
    op.drop_table('policies')
