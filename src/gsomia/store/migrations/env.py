"""Alembic environment: the engine comes from the caller (`gsomia.store.db.migrate`)."""

from __future__ import annotations

from alembic import context

import gsomia.store.tables  # noqa: F401  (registers every table on the shared metadata)
from gsomia.store.schema import metadata

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
