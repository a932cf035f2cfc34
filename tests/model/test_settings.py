"""Settings refuse values out of range instead of clamping them in code."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from models.settings import DEFAULT_TIMEZONE, LimitSettings, PortalSettings, Settings, SmtpSettings


@pytest.mark.parametrize(
    "build",
    [
        lambda: SmtpSettings(concurrency=0),
        lambda: SmtpSettings(port=70000),
        lambda: SmtpSettings(timeout=0),
        lambda: SmtpSettings(rate_per_second=-1),
        lambda: SmtpSettings(max_attempts=0),
        lambda: PortalSettings(link_days_after_lock=-1),
        lambda: LimitSettings(max_files=0),
        lambda: Settings(grace_hours=-1),
    ],
)
def test_out_of_range_values_are_refused(build):
    with pytest.raises(ValidationError):
        build()


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(timezone="Asia/Ha_Noi")


def test_the_defaults_are_in_range():
    settings = Settings()
    assert settings.timezone == DEFAULT_TIMEZONE and settings.smtp.concurrency >= 1
