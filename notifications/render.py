"""The Jinja2 environment of outbound mail: HTML autoescaped, a missing variable is an error."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape

from notifications import vietnamese


@dataclass(frozen=True)
class Rendered:
    """One message's subject line, plain-text body and HTML body."""

    subject: str
    text: str
    html: str


def _in_context_tz(format_date):
    """A Jinja2 filter that formats a date in the time zone named by the template context's `tz`."""

    @pass_context
    def date_filter(ctx, value):
        return format_date(value, ctx["tz"])

    return date_filter


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared environment: templates in notifications/templates, StrictUndefined, HTML autoescape."""
    env = Environment(
        loader=PackageLoader("notifications", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        long_date=_in_context_tz(vietnamese.long_date),
        full_date=_in_context_tz(vietnamese.full_date),
        short_date=_in_context_tz(vietnamese.short_date),
        weekday=_in_context_tz(vietnamese.weekday_name),
        time_and_date=_in_context_tz(vietnamese.time_and_date),
        file_size=vietnamese.file_size,
    )
    return env


KINDS = ("assignment", "request", "reminder", "escalation", "receipt", "refusal", "digest", "press", "report")


def render(template: str, /, **context) -> Rendered:
    """Render the subject, text and HTML templates of one message (`template` names them); `tz` must be in the context."""
    env = environment()
    subject = env.get_template(f"{template}.subject.txt").render(**context)
    text = env.get_template(f"{template}.txt").render(**context)
    html = env.get_template(f"{template}.html").render(**context)
    return Rendered(subject=" ".join(subject.split()), text=_tidy(text), html=html)


def _tidy(text: str) -> str:
    """Collapse runs of blank lines the template logic leaves behind."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
