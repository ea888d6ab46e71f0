"""Alembic environment: the engine comes from the caller (`gsomia.store.db.migrate`)."""

from __future__ import annotations

from alembic import context

from gsomia.store import checkpoints, merkle_log, tables, witnessing
from gsomia.store.schema import metadata

# Importing each module registers its tables on the metadata.
TABLE_MODULES = (merkle_log, checkpoints, witnessing, tables)

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
