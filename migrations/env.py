"""Alembic environment: one migration history for every Jobbro table."""

from alembic import context
from sqlalchemy import engine_from_config, pool

import services.contact.models
import services.joborders.models
import services.joborders.webhooks.models
import services.matching.models
import shared.models
from shared.db import Base

# Importing the model modules registers every table on Base.metadata.
MODEL_MODULES = (
    shared.models,
    services.joborders.models,
    services.joborders.webhooks.models,
    services.matching.models,
    services.contact.models,
)
config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        # Batch mode lets ALTER TABLE work on SQLite as well as PostgreSQL.
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
