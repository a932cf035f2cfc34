"""Rendering the portal's pages from its Jinja2 templates (autoescaped; a missing variable is an error)."""

from __future__ import annotations

import datetime as dt
from importlib import resources

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from models.settings import Settings
from portal import intake, wording
from portal.views import LinkView, VersionView

BAD_LINK_TITLE = "Đường dẫn không hợp lệ"
BAD_LINK_MESSAGE = "Đường dẫn này không đúng hoặc đã hết hiệu lực."
BAD_LINK_HINT = (
    "Xin kiểm tra lại đường dẫn trong thư yêu cầu báo cáo gần nhất, hoặc liên hệ "
    "Sở Thông tin và Truyền thông để được cấp lại đường dẫn."
)


def environment(settings: Settings) -> Environment:
    """The portal's template environment with its Vietnamese filters."""
    env = Environment(
        loader=PackageLoader("portal", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["status_label"] = wording.status_label
    env.filters["channel_label"] = wording.channel_label
    env.filters["size_label"] = wording.size_label
    env.filters["moment"] = lambda value: wording.moment_phrase(value, settings.timezone)
    env.globals["org_name"] = "Sở Thông tin và Truyền thông"
    return env


class Pages:
    """The portal's pages as HTML responses."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.env = environment(settings)
        static = resources.files("portal").joinpath("static")
        self.stylesheet = static.joinpath("portal.css").read_bytes()
        self.script = static.joinpath("portal.js").read_bytes()

    def _html(self, template: str, *, status: int = 200, **context) -> HTMLResponse:
        return HTMLResponse(self.env.get_template(template).render(**context), status_code=status)

    def bad_link(self) -> HTMLResponse:
        """The one page every wrong, tampered, expired or foreign link gets: it says nothing about what exists."""
        return self._html(
            "refused.html", status=404, title=BAD_LINK_TITLE, message=BAD_LINK_MESSAGE, hint=BAD_LINK_HINT
        )

    def refused(self, status: int, title: str, message: str) -> HTMLResponse:
        """A refusal with its reason (a file too big, a forged form)."""
        return self._html(
            "refused.html",
            status=status,
            title=title,
            message=message,
            hint="Xin quay lại trang báo cáo bằng đường dẫn đã nhận và gửi lại.",
        )

    def _round_context(self, view: LinkView, now: dt.datetime) -> dict:
        tz = self.settings.timezone
        round = view.round
        cutoff = ""
        if round.cutoff_start and round.cutoff_end:
            cutoff = f"từ ngày {round.cutoff_start.day}/{round.cutoff_start.month}/{round.cutoff_start.year} đến ngày {round.cutoff_end.day}/{round.cutoff_end.month}/{round.cutoff_end.year}"
        return dict(
            view=view,
            org_name=view.consolidator.body,
            cutoff=cutoff,
            due_text=wording.deadline_phrase(round.due_at, tz),
            left_text=wording.time_left_phrase(round.due_at, now),
            overdue=wording.is_overdue(round.due_at, now),
            lock_text=wording.moment_phrase(round.lock_at, tz),
        )

    def link(
        self,
        view: LinkView,
        *,
        token: str,
        now: dt.datetime,
        csrf: str,
        error: str | None = None,
        values: dict | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        """The personal page: the round, the form (or the locked notice) and the history."""
        limits = self.settings.limits
        return self._html(
            "link.html",
            status=status,
            action=f"/u/{token}",
            base=f"/u/{token}",
            csrf=csrf,
            error=error,
            values=values or {},
            max_text_chars=limits.max_text_chars,
            max_files=limits.max_files,
            max_file_size=wording.size_label(limits.max_file_bytes),
            max_file_bytes=limits.max_file_bytes,
            allowed_extensions=intake.allowed_extensions(),
            allowed_types=intake.allowed_types_label(),
            **self._round_context(view, now),
        )

    def receipt(self, view: LinkView, version: VersionView, *, token: str, now: dt.datetime) -> HTMLResponse:
        """The receipt of one stored version."""
        return self._html(
            "receipt.html", version=version, back=f"/u/{token}", base=f"/u/{token}", **self._round_context(view, now)
        )
