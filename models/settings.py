"""Settings of planflow, one class per concern, read from `PLANFLOW_*` environment variables.

Build them with `get_settings()` and pass them in; tests construct `Settings(...)` directly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "planflow-development-secret-change-me"
MIN_SECRET_BYTES = 32
# The province's time zone: the default of `Settings.timezone`, and of the pure rules' `tz` parameter.
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class DatabaseSettings(BaseSettings):
    """Where the application data lives."""

    model_config = SettingsConfigDict(env_prefix="PLANFLOW_DB_", extra="ignore")

    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the application database; default: SQLite file planflow.db in the data folder.",
    )
    echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")


class SmtpSettings(BaseSettings):
    """Outbound mail server."""

    model_config = SettingsConfigDict(env_prefix="PLANFLOW_SMTP_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="SMTP server host name.")
    port: int = Field(
        default=8025, ge=1, le=65535, description="SMTP server port (25, 587 for STARTTLS, 465 for implicit TLS)."
    )
    security: Literal["none", "starttls", "tls"] = Field(
        default="none", description="Transport security: none, STARTTLS after connect, or implicit TLS."
    )
    username: str | None = Field(default=None, description="User name for SMTP AUTH; none means no authentication.")
    password: SecretStr | None = Field(default=None, description="Password for SMTP AUTH.")
    ca_file: Path | None = Field(
        default=None, description="CA bundle to verify the server certificate; default: system store."
    )
    timeout: float = Field(default=30.0, gt=0, le=600, description="Seconds allowed for every SMTP operation.")
    concurrency: int = Field(default=4, ge=1, le=64, description="Parallel SMTP connections used to deliver a batch.")
    rate_per_second: float = Field(
        default=20.0, ge=0, le=10_000, description="Upper bound on messages sent per second (0 = unlimited)."
    )
    max_attempts: int = Field(
        default=5,
        ge=1,
        le=50,
        description="Delivery attempts for a temporary failure before the message is marked failed.",
    )
    from_address: str = Field(
        default="sotttt@vinhlong.example.gov.vn", description="Sender address of every planflow message."
    )
    from_name: str = Field(
        default="Sở Thông tin và Truyền thông tỉnh Vĩnh Long", description="Display name of the sender."
    )
    reply_local_part: str = Field(
        default="baocao", description="Local part of the reply address; tokens are added after '+'."
    )
    reply_domain: str = Field(
        default="vinhlong.example.gov.vn", description="Domain of the reply address read by the IMAP reader."
    )


class ImapSettings(BaseSettings):
    """Inbound mailbox where agencies' replies arrive."""

    model_config = SettingsConfigDict(env_prefix="PLANFLOW_IMAP_", extra="ignore")

    host: str | None = Field(default=None, description="IMAP server host; none disables reading replies by email.")
    port: int = Field(default=143, ge=1, le=65535, description="IMAP port (143 plain/STARTTLS, 993 TLS).")
    security: Literal["none", "starttls", "tls"] = Field(default="none", description="Transport security.")
    username: str = Field(default="baocao", description="Mailbox user.")
    password: SecretStr = Field(default=SecretStr(""), description="Mailbox password.")
    ca_file: Path | None = Field(default=None, description="CA bundle to verify the server certificate.")
    folder: str = Field(default="INBOX", description="Folder read for new replies.")
    processed_folder: str = Field(default="planflow/processed", description="Folder processed messages are moved to.")
    batch_size: int = Field(
        default=200, ge=1, le=10_000, description="Most messages read in one run; the rest waits for the next run."
    )
    timeout: float = Field(default=60.0, gt=0, le=600, description="Seconds allowed for every IMAP operation.")


class PortalSettings(BaseSettings):
    """Upload portal (personal links)."""

    model_config = SettingsConfigDict(env_prefix="PLANFLOW_PORTAL_", extra="ignore")

    host: str = Field(default="127.0.0.1", description="Address the portal listens on.")
    port: int = Field(default=8080, ge=1, le=65535, description="Port the portal listens on.")
    public_url: str = Field(default="http://127.0.0.1:8080", description="Base URL agencies use to reach the portal.")
    link_days_after_lock: int = Field(
        default=30,
        ge=0,
        le=366,
        description="Days after the round's lock date a personal link still opens (read-only).",
    )


class LimitSettings(BaseSettings):
    """What an agency may send, by email or upload."""

    model_config = SettingsConfigDict(env_prefix="PLANFLOW_LIMITS_", extra="ignore")

    max_file_bytes: int = Field(
        default=25 * 1024 * 1024,
        ge=1,
        le=1024 * 1024 * 1024,
        description="Largest accepted attachment or uploaded file.",
    )
    max_files: int = Field(default=20, ge=1, le=1000, description="Most files accepted in one submission.")
    max_text_chars: int = Field(
        default=100_000, ge=1, le=10_000_000, description="Longest accepted text in one form field."
    )


class TrustSettings(BaseSettings):
    """Whom a reply may come from: the receiving server's verdicts we trust, and how much mail a sender may cause."""

    model_config = SettingsConfigDict(env_prefix="PLANFLOW_TRUST_", extra="ignore")

    authserv_ids: list[str] = Field(
        default_factory=list,
        description="authserv-id of the receiving mail server whose Authentication-Results headers are trusted "
        '(JSON list, e.g. ["mx.vinhlong.gov.vn"]); every other such header is ignored.',
    )
    check_dkim: bool = Field(
        default=True, description="Verify DKIM signatures ourselves when no trusted Authentication-Results is present."
    )
    dns_timeout: float = Field(default=5.0, description="Seconds allowed for one DKIM key lookup.")
    notices_per_contact_per_day: int = Field(
        default=5,
        description="Most refusals sent to one contact address in one day; beyond it the officer is told instead.",
    )


class Settings(BaseSettings):
    """All of planflow's settings."""

    # A refused secret must not be echoed back in the validation error (it would reach a log).
    model_config = SettingsConfigDict(env_prefix="PLANFLOW_", extra="ignore", hide_input_in_errors=True)

    env: Literal["development", "production"] = Field(
        default="development", description="development allows the built-in secret; production refuses it."
    )
    data_dir: Path = Field(
        default=Path("data"), description="Folder for the SQLite database, stored mail, files and reports."
    )
    plan_file: Path | None = Field(
        default=None, description="Plan file; default: the reference plan shipped with planflow."
    )
    contacts_file: Path | None = Field(
        default=None, description="Contacts file; default: the one beside the plan file."
    )
    secret_key: SecretStr = Field(
        default=SecretStr(DEFAULT_SECRET),
        description=f"Key that signs reply addresses and upload links; at least {MIN_SECRET_BYTES} bytes outside development.",
    )
    previous_secret_keys: list[SecretStr] = Field(
        default_factory=list,
        description="Former keys (JSON list) still accepted to verify tokens and links until previous_keys_valid_until.",
    )
    previous_keys_valid_until: dt.date | None = Field(
        default=None, description="Last day (inclusive, UTC) former keys are accepted; required when they are set."
    )
    timezone: str = Field(default=DEFAULT_TIMEZONE, description="Time zone of every deadline and schedule.")
    grace_hours: int = Field(
        default=24, ge=0, le=24 * 60, description="Hours after the due time before consolidation starts on its own."
    )
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    portal: PortalSettings = Field(default_factory=PortalSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    trust: TrustSettings = Field(default_factory=TrustSettings)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        """A time zone name the system knows (e.g. Asia/Ho_Chi_Minh); a typo would shift every deadline."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _enforce_strong_secrets(self) -> Settings:
        if self.previous_secret_keys and self.previous_keys_valid_until is None:
            raise ValueError(
                "PLANFLOW_PREVIOUS_KEYS_VALID_UNTIL must give the last day the former keys "
                "(PLANFLOW_PREVIOUS_SECRET_KEYS) are accepted"
            )
        if self.env == "development":
            return self
        keys = [("PLANFLOW_SECRET_KEY", self.secret_key)] + [
            (f"PLANFLOW_PREVIOUS_SECRET_KEYS[{i}]", k) for i, k in enumerate(self.previous_secret_keys)
        ]
        for name, key in keys:
            value = key.get_secret_value()
            if not value:
                raise ValueError(f"{name} is empty: set a private random key outside development")
            if value == DEFAULT_SECRET:
                raise ValueError(f"{name} is the built-in development key: set a private random key")
            if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
                raise ValueError(
                    f"{name} is {len(value.encode('utf-8'))} bytes; at least {MIN_SECRET_BYTES} are required "
                    "outside development (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
                )
        return self

    def verification_secrets(self, now: dt.datetime) -> list[str]:
        """The keys a token or link may be signed with at `now`: the current one, then former ones until their date."""
        keys = [self.secret_key.get_secret_value()]
        until = self.previous_keys_valid_until
        if until is not None and now.astimezone(dt.UTC).date() <= until:
            keys += [k.get_secret_value() for k in self.previous_secret_keys if k.get_secret_value()]
        return keys

    @property
    def database_url(self) -> str:
        """The application database URL, defaulting to a SQLite file in the data folder."""
        return self.db.url or f"sqlite:///{(self.data_dir / 'planflow.db').resolve()}"

    def path(self, *parts: str) -> Path:
        """A path under the data folder, its parent created."""
        p = self.data_dir.joinpath(*parts)
        p.parent.mkdir(parents=True, exist_ok=True)
        return p


def get_settings(**overrides) -> Settings:
    """Read settings from the environment; keyword overrides win."""
    return Settings(**overrides)
