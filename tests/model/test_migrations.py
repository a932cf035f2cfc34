"""The Alembic migrations build exactly the schema the SQLModel tables describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables)


def schema_drift(engine) -> list:
    """What autogenerate would still add, drop or change after `upgrade head`."""
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)


def test_sqlite_schema_matches_the_tables(engine):
    assert schema_drift(engine) == []


@pytest.mark.postgres
def test_postgres_schema_matches_the_tables(pg_engine):
    assert schema_drift(pg_engine) == []


def test_downgrade_to_base_and_up_again(settings):
    from alembic import command

    from models.db import alembic_config, make_engine, upgrade

    upgrade(settings.database_url)
    command.downgrade(alembic_config(settings.database_url), "base")
    upgrade(settings.database_url)
    assert schema_drift(make_engine(settings.database_url)) == []
