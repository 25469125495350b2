"""resolver: remediation plans of findings, approvals, approval TTL

Remediations become the resolver's plans too: the finding and rule they
come from, the rule's mode, an approval's expiry and who decided (approved
or rejected) and why. A finding remembers when it was last opened, so that
the resolver decides once per occurrence.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 13:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')

revision = '0009'
# The lead re-chains this onto the last migration of main when merging.
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # SQLite copies the table to add the foreign key: keep AUTOINCREMENT.
    with op.batch_alter_table(
            'remediations',
            table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.add_column(sa.Column('finding_id', sa.Integer(),
                                   nullable=True))
        batch.add_column(sa.Column('rule', sa.String(length=255),
                                   nullable=True))
        batch.add_column(sa.Column('policy', sa.String(length=255),
                                   nullable=True))
        batch.add_column(sa.Column('mode', sa.String(length=16),
                                   nullable=True))
        batch.add_column(sa.Column('expires_at', TIMESTAMP, nullable=True))
        batch.add_column(sa.Column('decided_by', sa.String(length=255),
                                   nullable=True))
        batch.add_column(sa.Column('decided_reason', sa.Text(),
                                   nullable=True))
        batch.add_column(sa.Column('decided_at', TIMESTAMP, nullable=True))
        batch.add_column(sa.Column('detail', sa.Text(), nullable=True))
        batch.create_foreign_key('fk_remediations_finding', 'findings',
                                 ['finding_id'], ['id'],
                                 ondelete='SET NULL')
        batch.create_index('ix_remediations_finding', ['finding_id'])
        batch.create_index('ix_remediations_rule_device',
                           ['rule', 'device_id', 'created_at'])
    with op.batch_alter_table('audit_rules') as batch:
        batch.add_column(sa.Column('approval_ttl', sa.Integer(),
                                   nullable=True))
    with op.batch_alter_table('findings') as batch:
        batch.add_column(sa.Column('opened_at', TIMESTAMP, nullable=True))


def downgrade():
    with op.batch_alter_table('findings') as batch:
        batch.drop_column('opened_at')
    with op.batch_alter_table('audit_rules') as batch:
        batch.drop_column('approval_ttl')
    with op.batch_alter_table(
            'remediations',
            table_kwargs={'sqlite_autoincrement': True}) as batch:
        batch.drop_index('ix_remediations_rule_device')
        batch.drop_index('ix_remediations_finding')
        batch.drop_constraint('fk_remediations_finding', type_='foreignkey')
        for name in ('detail', 'decided_at', 'decided_reason', 'decided_by',
                     'expires_at', 'mode', 'policy', 'rule', 'finding_id'):
            batch.drop_column(name)
