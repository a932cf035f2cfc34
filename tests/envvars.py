"""A constructed `Settings` written out as the `PLANFLOW_*` variables that read it back.

Tests build a `Settings(...)`. The entry points that read their own settings, the `planflow` command
and the flows (as a Prefect worker runs them), are configured through their real channel, the
environment, with the variables made here from that one object, so the two cannot disagree.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings
from typer.testing import CliRunner

from models.settings import Settings


def _text(value: object) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | dict | set | tuple):
        return json.dumps(value if not isinstance(value, set | tuple) else list(value), default=str)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _variables(model: BaseSettings) -> dict[str, str]:
    prefix = model.model_config.get("env_prefix", "")
    env: dict[str, str] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseSettings):
            env |= _variables(value)  # nested settings read their own prefix
        elif value is not None:
            env[f"{prefix}{name}".upper()] = _text(value)
    return env


def settings_env(settings: Settings) -> dict[str, str]:
    """Every `PLANFLOW_*` variable that makes `Settings()` equal `settings` (the database URL made explicit)."""
    env = _variables(settings)
    env["PLANFLOW_DB_URL"] = settings.database_url
    return env


def cli_runner(settings: Settings) -> CliRunner:
    """A typer runner whose invocations see exactly `settings`, and no `PLANFLOW_*` variable of the developer's shell."""
    shell = {name: None for name in os.environ if name.startswith("PLANFLOW_")}
    return CliRunner(env=shell | settings_env(settings))
