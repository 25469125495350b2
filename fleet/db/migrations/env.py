"""Alembic environment: runs against the engine fleet hands over."""

from alembic import context

from fleet.db import base
from fleet.db import locks
from fleet.db import models

config = context.config
target_metadata = models.Base.metadata


def run_migrations_online():
    engine = config.attributes.get('engine')
    if engine is None:
        import sqlalchemy as sa
        engine = sa.create_engine(config.get_main_option('sqlalchemy.url'))
    with engine.connect() as connection:
        sqlite = connection.dialect.name == 'sqlite'
        if sqlite:
            # Table rebuilds (batch mode) drop and re-create tables: with
            # foreign keys on, the drop would cascade to the rows that
            # refer to them. Only outside a transaction can it be turned
            # off; it is checked and turned back on at the end.
            connection.exec_driver_sql('PRAGMA foreign_keys=OFF')
            connection.commit()
        try:
            with connection.begin():
                # One migration at a time: a second process waits, then
                # finds the schema at its revision and has nothing to do.
                locks.acquire(connection, locks.SCHEMA,
                              config.attributes.get('lock_timeout', 600))
                context.configure(connection=connection,
                                  target_metadata=target_metadata,
                                  render_as_batch=True,
                                  render_item=base.render_item)
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql(
                        'PRAGMA foreign_key_check').fetchall()
                    if broken:
                        raise RuntimeError(
                            'migration left %d rows whose references are '
                            'broken; nothing was changed' % len(broken))
        finally:
            if sqlite:
                connection.exec_driver_sql('PRAGMA foreign_keys=ON')
                connection.commit()


run_migrations_online()
