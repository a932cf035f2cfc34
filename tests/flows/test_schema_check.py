"""A worker never migrates: on a database that is not at the newest migration it stops with the command to run."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from flows.common import engine
from models.db import SchemaNotReady, upgrade
from models.settings import DatabaseSettings, Settings


def test_a_worker_on_an_unmigrated_database_says_to_run_db_upgrade(tmp_path):
    settings = Settings(data_dir=tmp_path, db=DatabaseSettings(url=f"sqlite:///{tmp_path / 'fresh.db'}"))
    with pytest.raises(SchemaNotReady, match=r"run `planflow db upgrade`"):
        engine(settings)
    # Nothing was created on the way: the check reads, it does not migrate.
    with sa.create_engine(settings.database_url).connect() as conn:
        assert sa.inspect(conn).get_table_names() == []


def test_a_worker_uses_a_migrated_database_as_it_is(tmp_path):
    settings = Settings(data_dir=tmp_path, db=DatabaseSettings(url=f"sqlite:///{tmp_path / 'ready.db'}"))
    upgrade(settings.database_url)
    assert engine(settings).url.database == str(tmp_path / "ready.db")
