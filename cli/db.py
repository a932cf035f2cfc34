"""`planflow db`: the application database."""

from __future__ import annotations

import typer

from models.db import upgrade as upgrade_schema
from models.settings import get_settings

app = typer.Typer(no_args_is_help=True)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to reach.")) -> None:
    """Bring the application database schema up to date."""
    settings = get_settings()
    upgrade_schema(settings.database_url, revision)
    typer.echo(f"database at {settings.database_url} is at {revision}")
