"""Creating or migrating the database (Alembic) and the rows every installation needs."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from highseas.org.models import CompanySettings
from highseas.ownership.locks import RECYCLE
from highseas.ownership.models import JobLock


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("highseas") / "migrations"))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision and make sure the required rows exist."""
    command.upgrade(alembic_config(engine), "head")
    ensure_required_rows(engine)


def ensure_required_rows(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        if session.get(CompanySettings, 1) is None:
            session.add(
                CompanySettings(
                    id=1,
                    default_capacity=100,
                    default_lock_cap=10,
                    won_counts_toward_capacity=True,
                    timezone="Asia/Shanghai",
                )
            )
        if session.scalar(select(JobLock.name).where(JobLock.name == RECYCLE)) is None:
            session.add(JobLock(name=RECYCLE))
