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


def test_a_row_claimed_before_0002_keeps_its_holder_in_claimed_by(settings):
    import sqlalchemy as sa
    from alembic import command
    from alembic.script import ScriptDirectory

    from models.db import alembic_config, make_engine, upgrade

    before = ScriptDirectory.from_config(alembic_config(settings.database_url)).get_revision("0002_rules").down_revision
    assert isinstance(before, str)
    upgrade(settings.database_url, before)
    engine = make_engine(settings.database_url)
    insert = sa.text(
        "INSERT INTO outbound_message (idempotency_key, kind, message_id, sender, recipients, subject, raw, state,"
        " attempts, last_error, created_at) VALUES (:key, 'x', '<m>', 's@x', '[]', 's', x'00', :state, 1, :error,"
        " '2018-06-01 00:00:00')"
    )
    with engine.begin() as conn:
        conn.execute(insert, {"key": "held", "state": "sending", "error": "delivering (run 5f3a)"})
        conn.execute(insert, {"key": "failed", "state": "failed", "error": "550 no such user"})
    upgrade(settings.database_url)
    select = sa.text("SELECT idempotency_key, claimed_by, last_error FROM outbound_message ORDER BY id")
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(select)] == [
            ("held", "5f3a", None),
            ("failed", None, "550 no such user"),
        ]
    command.downgrade(alembic_config(settings.database_url), before)
    select_old = sa.text("SELECT idempotency_key, last_error FROM outbound_message ORDER BY id")
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(select_old)] == [
            ("held", "delivering (run 5f3a)"),
            ("failed", "550 no such user"),
        ]
