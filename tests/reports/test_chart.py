"""The reporting-rate chart: a real PNG, one bar per group, every category readable in black and white."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from reports.chart import CATEGORIES, STYLE, GroupCounts, grey_level, reporting_chart_png

LABELS = {
    "on_time": "Đúng hạn",
    "late": "Trễ hạn",
    "nil": "Không phát sinh",
    "missing": "Không báo cáo",
    "pending": "Chưa đến hạn",
}
GROUPS = [
    GroupCounts("Sở, ban, ngành", on_time=14, late=3, nil=1, missing=2),
    GroupCounts("UBND cấp huyện", on_time=5, late=2, missing=1),
    GroupCounts("Cơ quan báo chí", on_time=2),
]


def test_categories_differ_in_grey_and_in_hatch():
    """Printed in black and white, no two categories may share a hatch or sit too close in grey."""
    hatches = [STYLE[c][1] for c in CATEGORIES]
    assert len(set(hatches)) == len(hatches)
    for a, b in itertools.combinations(CATEGORIES, 2):
        assert abs(grey_level(STYLE[a][0]) - grey_level(STYLE[b][0])) >= 0.1, (a, b)


def test_chart_is_a_png_that_grows_with_the_number_of_groups(artifacts_dir):
    png = reporting_chart_png(GROUPS, labels=LABELS, title="Tình hình báo cáo theo nhóm cơ quan")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    (artifacts_dir / "report-chart.png").write_bytes(png)

    many = [GroupCounts(f"Nhóm {i}", on_time=i, missing=1) for i in range(12)]
    taller = Image.open(io.BytesIO(reporting_chart_png(many, labels=LABELS, title="t")))
    assert taller.height > image.height


def test_grey_print_keeps_the_categories_apart():
    """Converted to greys, the chart still holds the distinct grey levels of every category it shows."""
    png = reporting_chart_png(GROUPS, labels=LABELS, title="t")
    grey = Image.open(io.BytesIO(png)).convert("L")
    levels = {
        value for count, value in grey.getcolors(maxcolors=256 * 256) or [] if count > 50 and isinstance(value, int)
    }
    for category in ("on_time", "late", "nil"):
        expected = round(grey_level(STYLE[category][0]) * 255)
        assert any(abs(level - expected) <= 3 for level in levels), category


def test_categories_nobody_is_in_stay_out_of_the_legend():
    """After the deadline there is no 'pending': the chart must not show an empty category."""
    without_pending = reporting_chart_png(GROUPS, labels={k: v for k, v in LABELS.items() if k != "pending"}, title="t")
    assert without_pending.startswith(b"\x89PNG")
