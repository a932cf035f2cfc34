"""The consolidated report as HTML (email body and preview), autoescaped so agency text prints as text."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from reports.view import ANNEX_HEADERS, SECTION_TITLES, TABLE_HEADERS, ReportView


def environment() -> Environment:
    """The Jinja2 environment of HTML templates, autoescape on."""
    return Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
    )


def render_html(view: ReportView) -> str:
    """The report as a complete HTML page."""
    template = environment().get_template("report.html")
    return template.render(view=view, sections=SECTION_TITLES, table_headers=TABLE_HEADERS, annex_headers=ANNEX_HEADERS)
