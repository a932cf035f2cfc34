"""Secrets and modes (issue #13, point 5 and finding 6): no weak key outside development, and key rotation.

Finding 6: with PLANFLOW_ENV=production an empty or one-character PLANFLOW_SECRET_KEY was accepted, and
a link forged with it recorded a report; nothing documented how to set production mode.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlmodel import Session, select

from inbound.ingest import ingest_raw
from models.settings import DEFAULT_SECRET, Settings
from models.tables import Submission
from models.tokens import form_token, reply_address
from portal.app import create_app
from tests.inbound.conftest import ON_TIME
from tests.portal.harness import serve_in_thread
from tests.security.conftest import link_token
from tests.security.hostile import reply

ROOT = Path(__file__).resolve().parents[2]
OLD = "old-key-" + "o" * 40
NEW = "new-key-" + "n" * 40


@pytest.mark.parametrize("secret", ["", "x", DEFAULT_SECRET, "y" * 31])
def test_production_refuses_a_weak_secret(secret):
    with pytest.raises(ValidationError) as refused:
        Settings(env="production", secret_key=SecretStr(secret))
    message = str(refused.value)
    assert "PLANFLOW_SECRET_KEY" in message
    if secret not in ("", DEFAULT_SECRET):
        assert secret not in message  # the refused key is never echoed into a log


def test_production_accepts_32_bytes_and_development_anything():
    assert Settings(env="production", secret_key=SecretStr("z" * 32)).env == "production"
    assert Settings(env="development", secret_key=SecretStr("")).env == "development"


def test_production_refuses_a_weak_previous_key():
    with pytest.raises(ValidationError, match="PREVIOUS_SECRET_KEYS"):
        Settings(
            env="production",
            secret_key=SecretStr(NEW),
            previous_secret_keys=[SecretStr("short")],
            previous_keys_valid_until=dt.date(2030, 1, 1),
        )


def test_previous_keys_need_an_end_date():
    with pytest.raises(ValidationError, match="PREVIOUS_KEYS_VALID_UNTIL"):
        Settings(secret_key=SecretStr(NEW), previous_secret_keys=[SecretStr(OLD)])


def test_planflow_up_production_refuses_to_start_with_a_weak_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env |= {"PLANFLOW_DATA_DIR": str(tmp_path), "PLANFLOW_SECRET_KEY": "tiny"}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "up", "--production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "refusing to start" in done.stderr and "at least 32" in done.stderr and "tiny" not in done.stderr
    assert not (tmp_path / "planflow.db").exists()  # refused before touching anything


def _rotated(world, until: dt.date):
    return world.settings.model_copy(
        update={
            "secret_key": SecretStr(NEW),
            "previous_secret_keys": [SecretStr(OLD)],
            "previous_keys_valid_until": until,
        }
    )


def _old_reply(world):
    round_id, agency_id = world.ids[("six-month-2018", "SKHDT")]
    to = reply_address(OLD, round_id, agency_id, local_part="baocao", domain="vinhlong.example.gov.vn")
    return reply(sender="vanthu@skhdt.vinhlong.example", to=to, subject="Báo cáo", at=ON_TIME)


def test_a_reply_token_signed_with_the_previous_key_counts_until_the_date(world):
    valid = _rotated(world, until=ON_TIME.date() + dt.timedelta(days=1))
    result = ingest_raw(engine=world.engine, settings=valid, raw=_old_reply(world), now=ON_TIME)
    assert result.disposition == "recorded" and result.method == "token"


def test_a_reply_token_signed_with_the_previous_key_is_void_after_the_date(world):
    expired = _rotated(world, until=ON_TIME.date() - dt.timedelta(days=1))
    result = ingest_raw(engine=world.engine, settings=expired, raw=_old_reply(world), now=ON_TIME)
    assert result.disposition == "quarantined" and result.method is None


def test_portal_links_follow_the_rotation(world):
    for until, expected in ((ON_TIME.date(), 303), (ON_TIME.date() - dt.timedelta(days=1), 404)):
        settings = _rotated(world, until=until)
        token = link_token(world, secret=OLD)
        app = create_app(settings, world.engine, clock=lambda: ON_TIME)
        with serve_in_thread(app) as url:
            page = httpx.get(f"{url}/u/{token}")
            assert page.status_code == (200 if expected == 303 else 404)
            answer = httpx.post(
                f"{url}/u/{token}",
                files=[("csrf", (None, form_token(NEW, token))), ("general", (None, f"Báo cáo đến {until}"))],
                follow_redirects=False,
            )
            assert answer.status_code == expected
    # New links are signed with the current key only.
    new = link_token(world, secret=NEW)
    with serve_in_thread(create_app(_rotated(world, until=ON_TIME.date()), world.engine, clock=lambda: ON_TIME)) as url:
        assert httpx.get(f"{url}/u/{new}").status_code == 200
    with Session(world.engine) as s:
        assert len(s.exec(select(Submission)).all()) == 1
