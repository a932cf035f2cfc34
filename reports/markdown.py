"""The consolidated report as Markdown (the Prefect artifact and a file beside the .docx).

Every value a template prints passes through `md_escape` (the environment's `finalize`), so agency
text containing Markdown or HTML prints as text; only blocks the template itself built are marked
safe with the `raw` filter.
"""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from reports.view import ANNEX_HEADERS, SECTION_TITLES, TABLE_HEADERS, ReportView

_INLINE = re.compile(r"([\\`*_\[\]|~#!])")


def md_escape(value) -> str:
    """A value as literal Markdown text: HTML and Markdown syntax neutralised, on one line."""
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    text = re.sub(r"[ \t\r\n\f\v]+", " ", str(value)).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(r"\\\1", text)
    # A list marker, heading underline or ordered-list number at the start of a line.
    text = re.sub(r"^([-+=])", r"\\\1", text)
    text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)
    return text


def _raw(value) -> Markup:
    """Mark a block the template built (already escaped inside) so `finalize` leaves it alone."""
    return Markup(value)


def environment() -> Environment:
    """The Jinja2 environment of Markdown templates: no HTML autoescape, every output Markdown-escaped."""
    env = Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=False,
        undefined=StrictUndefined,
        finalize=md_escape,
        keep_trailing_newline=True,
    )
    env.filters["raw"] = _raw
    return env


def render_markdown(view: ReportView) -> str:
    """The report as Markdown."""
    template = environment().get_template("report.md.j2")
    text = template.render(view=view, sections=SECTION_TITLES, table_headers=TABLE_HEADERS, annex_headers=ANNEX_HEADERS)
    return re.sub(r"\n{3,}", "\n\n", text)
