"""Settings of planflow, one class per concern, read from `PLANFLOW_*` environment variables.

Build them with `get_settings()` and pass them in; tests construct `Settings(...)` directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "planflow-development-secret-change-me"
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


class Settings(BaseSettings):
    """All of planflow's settings."""

    model_config = SettingsConfigDict(env_prefix="PLANFLOW_", extra="ignore")

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
        default=SecretStr(DEFAULT_SECRET), description="Key that signs reply addresses and upload links."
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
    def _enforce_non_default_secret(self) -> Settings:
        if self.env != "development" and self.secret_key.get_secret_value() == DEFAULT_SECRET:
            raise ValueError("PLANFLOW_SECRET_KEY must be set to a private value outside development")
        return self

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
