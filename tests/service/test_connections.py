"""Pooled PostgreSQL connections the server has hung up on are replaced, not handed to a request."""

from __future__ import annotations

from sqlalchemy import Engine, text

from highseas.db import make_engine


def test_a_request_after_the_server_dropped_every_pooled_connection_still_succeeds(
    postgresql_engine: Engine,
) -> None:
    engine = make_engine(postgresql_engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as connection:
            dropped = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # What a server restart or an administrator does to every open connection.
        with postgresql_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
            gone = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            while admin.execute(gone, {"pid": dropped}).scalar_one():
                admin.rollback()  # a new snapshot each time: wait until the backend has exited
        with engine.connect() as connection:
            serving = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert serving != dropped
    finally:
        engine.dispose()
