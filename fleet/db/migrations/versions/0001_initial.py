"""initial inventory schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:21:38.404528
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

# Microsecond timestamps on every backend (MySQL's DATETIME defaults to 0).
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                       'mariadb')


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('changes',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column(
                        'request_id', sa.String(
                            length=36), nullable=False),
                    sa.Column('created_at', TIMESTAMP, nullable=False),
                    sa.Column('actor', sa.String(length=255), nullable=False),
                    sa.Column('action', sa.String(length=16), nullable=False),
                    sa.Column(
                        'object_type', sa.String(
                            length=16), nullable=False),
                    sa.Column('object_id', sa.Integer(), nullable=False),
                    sa.Column(
                        'object_name', sa.String(
                            length=255), nullable=False),
                    sa.Column('field', sa.String(length=255), nullable=True),
                    sa.Column('old', sa.Text(), nullable=True),
                    sa.Column('new', sa.Text(), nullable=True),
                    sa.Column('secret', sa.Boolean(), nullable=False),
                    sa.Column('reason', sa.Text(), nullable=True),
                    sa.PrimaryKeyConstraint('id')
                    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_changes_created_at'),
            ['created_at'],
            unique=False)
        batch_op.create_index(
            'ix_changes_object', [
                'object_type', 'object_id'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_changes_request_id'),
            ['request_id'],
            unique=False)

    op.create_table('clouds',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=255), nullable=False),
                    sa.Column('description', sa.Text(), nullable=True),
                    sa.Column('created_at', TIMESTAMP, nullable=False),
                    sa.Column('updated_at', TIMESTAMP, nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('name')
                    )
    op.create_table('variables',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('scope', sa.String(length=16), nullable=False),
                    sa.Column('scope_id', sa.Integer(), nullable=False),
                    sa.Column('key', sa.String(length=255), nullable=False),
                    sa.Column('value', sa.Text(), nullable=False),
                    sa.Column('secret', sa.Boolean(), nullable=False),
                    sa.Column('observed', sa.Boolean(), nullable=False),
                    sa.Column('updated_at', TIMESTAMP, nullable=False),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint(
                        'scope',
                        'scope_id',
                        'key',
                        name='uq_variables_scope_key')
                    )
    with op.batch_alter_table('variables', schema=None) as batch_op:
        batch_op.create_index(
            'ix_variables_scope', [
                'scope', 'scope_id'], unique=False)

    op.create_table('regions',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('cloud_id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=255), nullable=False),
                    sa.Column('description', sa.Text(), nullable=True),
                    sa.Column('created_at', TIMESTAMP, nullable=False),
                    sa.Column('updated_at', TIMESTAMP, nullable=False),
                    sa.ForeignKeyConstraint(
                        ['cloud_id'],
                        ['clouds.id'],
                        ondelete='RESTRICT'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint(
                        'cloud_id', 'name', name='uq_regions_cloud_name')
                    )
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_regions_cloud_id'),
            ['cloud_id'],
            unique=False)

    op.create_table('cells',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('region_id', sa.Integer(), nullable=False),
                    sa.Column('name', sa.String(length=255), nullable=False),
                    sa.Column('description', sa.Text(), nullable=True),
                    sa.Column('created_at', TIMESTAMP, nullable=False),
                    sa.Column('updated_at', TIMESTAMP, nullable=False),
                    sa.ForeignKeyConstraint(
                        ['region_id'],
                        ['regions.id'],
                        ondelete='RESTRICT'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint(
                        'region_id', 'name', name='uq_cells_region_name')
                    )
    with op.batch_alter_table('cells', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_cells_region_id'),
            ['region_id'],
            unique=False)

    op.create_table('racks',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('region_id', sa.Integer(), nullable=False),
                    sa.Column('cell_id', sa.Integer(), nullable=True),
                    sa.Column('name', sa.String(length=255), nullable=False),
                    sa.Column('description', sa.Text(), nullable=True),
                    sa.Column('created_at', TIMESTAMP, nullable=False),
                    sa.Column('updated_at', TIMESTAMP, nullable=False),
                    sa.ForeignKeyConstraint(
                        ['cell_id'],
                        ['cells.id'],
                        ondelete='RESTRICT'),
                    sa.ForeignKeyConstraint(
                        ['region_id'],
                        ['regions.id'],
                        ondelete='RESTRICT'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint(
                        'region_id', 'name', name='uq_racks_region_name')
                    )
    with op.batch_alter_table('racks', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_racks_cell_id'),
            ['cell_id'],
            unique=False)
        batch_op.create_index(
            batch_op.f('ix_racks_region_id'),
            ['region_id'],
            unique=False)

    op.create_table('devices',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('uuid', sa.String(length=36), nullable=False),
                    sa.Column('name', sa.String(length=255), nullable=False),
                    sa.Column('type', sa.String(length=32), nullable=False),
                    sa.Column('role', sa.String(length=64), nullable=True),
                    sa.Column('region_id', sa.Integer(), nullable=False),
                    sa.Column('cell_id', sa.Integer(), nullable=True),
                    sa.Column('rack_id', sa.Integer(), nullable=True),
                    sa.Column('parent_id', sa.Integer(), nullable=True),
                    sa.Column('serial', sa.String(length=255), nullable=True),
                    sa.Column(
                        'asset_tag', sa.String(
                            length=255), nullable=True),
                    sa.Column(
                        'mgmt_address', sa.String(
                            length=255), nullable=True),
                    sa.Column('source', sa.String(length=64), nullable=True),
                    sa.Column(
                        'external_id', sa.String(
                            length=255), nullable=True),
                    sa.Column('missing', sa.Boolean(), nullable=False),
                    sa.Column('last_seen', TIMESTAMP, nullable=True),
                    sa.Column('created_at', TIMESTAMP, nullable=False),
                    sa.Column('updated_at', TIMESTAMP, nullable=False),
                    sa.ForeignKeyConstraint(
                        ['cell_id'],
                        ['cells.id'],
                        ondelete='RESTRICT'),
                    sa.ForeignKeyConstraint(
                        ['parent_id'],
                        ['devices.id'],
                        ondelete='RESTRICT'),
                    sa.ForeignKeyConstraint(
                        ['rack_id'],
                        ['racks.id'],
                        ondelete='RESTRICT'),
                    sa.ForeignKeyConstraint(
                        ['region_id'],
                        ['regions.id'],
                        ondelete='RESTRICT'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('name'),
                    sa.UniqueConstraint('uuid')
                    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_devices_cell_id'),
            ['cell_id'],
            unique=False)
        batch_op.create_index(
            batch_op.f('ix_devices_parent_id'),
            ['parent_id'],
            unique=False)
        batch_op.create_index(
            batch_op.f('ix_devices_rack_id'),
            ['rack_id'],
            unique=False)
        batch_op.create_index(
            batch_op.f('ix_devices_region_id'),
            ['region_id'],
            unique=False)
        batch_op.create_index(
            batch_op.f('ix_devices_role'),
            ['role'],
            unique=False)
        batch_op.create_index(
            batch_op.f('ix_devices_source'),
            ['source'],
            unique=False)
        batch_op.create_index(
            batch_op.f('ix_devices_type'),
            ['type'],
            unique=False)

    op.create_table('labels',
                    sa.Column('device_id', sa.Integer(), nullable=False),
                    sa.Column('label', sa.String(length=255), nullable=False),
                    sa.ForeignKeyConstraint(
                        ['device_id'],
                        ['devices.id'],
                        ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('device_id', 'label')
                    )
    with op.batch_alter_table('labels', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_labels_label'),
            ['label'],
            unique=False)
