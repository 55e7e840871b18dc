"""Alembic environment: runs migrations on the engine HighSeas hands it (see highseas.schema)."""

from __future__ import annotations

from alembic import context

from highseas.db import make_engine
from highseas.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection
    assert driver is not None
    if sqlite:
        # SQLite alters a table by copying it and dropping the original (Alembic's batch mode); with
        # foreign keys enforced, dropping a table that other rows point at fails. The pragma only
        # takes effect outside a transaction, so it is set before the migrations' one begins, and
        # every reference is checked before they commit.
        driver.execute("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    try:
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise RuntimeError(f"a migration left a row pointing nowhere: {tuple(broken)}")
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
