"""Alembic environment: runs migrations on the engine HighSeas hands it (see highseas.schema)."""

from __future__ import annotations

from alembic import context

from highseas.db import make_engine
from highseas.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
