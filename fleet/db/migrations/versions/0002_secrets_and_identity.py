"""secret values encrypted at rest; ids never reused on SQLite

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 07:30:00

1. Every secret variable's value (plain JSON text until now) is encrypted
   with the primary key of ``[secrets] key_file`` (see
   :mod:`fleet.common.crypto`). The keyring is handed over by fleet
   (``fleet-manage db upgrade`` or the automatic upgrade when a database
   is opened); without a usable key and with secret rows to encrypt the
   migration stops before changing anything.
2. On SQLite the tables whose ids the change log records (clouds,
   regions, cells, racks, devices) are rebuilt with AUTOINCREMENT, so that
   a deleted object's id is never handed to a new one (which would inherit
   its history). PostgreSQL sequences and MariaDB's AUTO_INCREMENT never
   reuse ids already.
"""

from alembic import context
from alembic import op

from fleet.db import secrets

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

#: Parents first; the rebuild copies rows and keeps ids.
IDENTITY_TABLES = ('clouds', 'regions', 'cells', 'racks', 'devices')


def _keyring():
    keyring = context.config.attributes.get('keyring')
    if keyring is None:
        from fleet.common import crypto
        from fleet.conf import CONF
        keyring = crypto.Keyring.from_conf(CONF)
    return keyring


def upgrade():
    bind = op.get_bind()
    # Encrypt first: a missing key stops the migration before any rebuild.
    keyring = None
    if bind.execute(secrets.VARIABLES.select().where(
            secrets.VARIABLES.c.secret == secrets.sa.true()).limit(
                1)).first() is not None:
        keyring = _keyring()
    if keyring is not None:
        secrets.rewrite_secret_values(
            bind, lambda text: keyring.encrypt(text, 'a secret variable'))
    if bind.dialect.name == 'sqlite':
        for table in IDENTITY_TABLES:
            with op.batch_alter_table(
                    table, recreate='always',
                    table_kwargs={'sqlite_autoincrement': True}):
                pass


def downgrade():
    raise NotImplementedError('fleet migrations only go forward; restore '
                              'a backup to go back')
