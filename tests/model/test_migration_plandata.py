"""Migration 0002_plandata on SQLite and PostgreSQL: the new round kinds are stored, and it goes down and up again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from models.db import alembic_config
from tests.model.databases import BACKENDS, fresh_engine
from tests.model.test_migrations import schema_drift

NEW_KINDS = ("monthly", "quarterly", "nine_month", "other")


@pytest.fixture(params=BACKENDS)
def db(request):
    return fresh_engine(request, request.param)


def add_round(conn, kind: str, key: str) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO round (plan_id, key, kind, title, opens_at, due_at, lock_at, state, exempt_codes, created_by,"
            " period) VALUES (:plan, :key, :kind, 't', '2025-01-01', '2025-01-15', '2025-01-29', 'planned', '[]',"
            " 'plan', 1)"
        ),
        {"plan": conn.execute(sa.text("SELECT id FROM plan")).scalar_one(), "key": key, "kind": kind},
    )


def add_plan(conn) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO plan (key, number, title, year, source_path, content_sha256, document, loaded_at, continues)"
            " VALUES ('p-2025', '1/KH-UBND', 't', 2025, 'p.yaml', '0', '{}', '2025-01-01', 'p-2024')"
        )
    )


def test_every_new_kind_is_stored_and_read_back(db):
    with db.begin() as conn:
        add_plan(conn)
        for kind in NEW_KINDS:
            add_round(conn, kind, f"r-{kind}")
    with db.connect() as conn:
        rows = conn.execute(sa.text("SELECT kind, period FROM round ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(k, 1) for k in NEW_KINDS]


def test_down_to_0001_and_up_again_with_no_drift(db):
    url = db.url.render_as_string(hide_password=False)
    with db.begin() as conn:
        add_plan(conn)
        add_round(conn, "six_month", "r-six")
        add_round(conn, "quarterly", "r-q")
    # a round of a kind 0001 does not know stops the downgrade, with the reason
    with pytest.raises(RuntimeError, match="1 round\\(s\\) use a kind that revision 0001 does not know"):
        command.downgrade(alembic_config(url), "0001")
    with db.begin() as conn:
        conn.execute(sa.text("DELETE FROM round WHERE key = 'r-q'"))
    command.downgrade(alembic_config(url), "0001")
    columns = {c["name"] for c in sa.inspect(db).get_columns("plan")}
    assert "continues" not in columns and "archived_at" not in columns
    with db.connect() as conn:
        assert conn.execute(sa.text("SELECT kind FROM round")).scalars().all() == ["six_month"]
    command.upgrade(alembic_config(url), "head")
    assert schema_drift(db) == []
    with db.begin() as conn:
        add_round(conn, "monthly", "r-m")
