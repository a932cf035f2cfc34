"""A migrated database per test, on SQLite or on the machine's PostgreSQL (a fresh database each time)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from models.db import make_engine, upgrade

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def fresh_engine(request: pytest.FixtureRequest, backend: str) -> sa.Engine:
    """A migrated engine: the test's SQLite file, or a new PostgreSQL database dropped after the test."""
    if backend == "sqlite":
        return request.getfixturevalue("engine")
    admin_url = request.getfixturevalue("pg_url")
    name = f"planflow_plans_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    eng = make_engine(url)

    def drop() -> None:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    return eng
