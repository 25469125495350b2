"""Alembic environment: runs against the engine fleet hands over."""

from alembic import context

from fleet.db import models

config = context.config
target_metadata = models.Base.metadata


def run_migrations_online():
    engine = config.attributes.get('engine')
    if engine is None:
        import sqlalchemy as sa
        engine = sa.create_engine(config.get_main_option('sqlalchemy.url'))
    with engine.begin() as connection:
        context.configure(connection=connection,
                          target_metadata=target_metadata,
                          render_as_batch=True)
        context.run_migrations()


run_migrations_online()
