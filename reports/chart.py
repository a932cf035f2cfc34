"""The reporting-rate chart of a round: who reported on time, late, nil or not at all, per group of agencies.

One horizontal stacked bar per group (responsibility group or agency kind), drawn with matplotlib's
object API (no pyplot global state, safe in threads and flows). The figure must stay readable when the
report is printed in black and white, as official reports usually are: every category has its own
grey level *and* its own hatch, and each segment carries its count.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

# Drawing order, left to right: what counts as reported first, then what is still owed.
CATEGORIES = ("on_time", "late", "nil", "missing", "pending")

# (fill, hatch) per category. The fills are greys far enough apart to tell apart in print, and the
# hatches tell them apart even on a printer that flattens greys.
STYLE: dict[str, tuple[str, str]] = {
    "on_time": ("#1a1a1a", ""),
    "late": ("#6e6e6e", "//"),
    "nil": ("#a8a8a8", ".."),
    "missing": ("#ffffff", "xx"),
    "pending": ("#dcdcdc", "--"),
}
# Text on a segment: white on the dark fills, black elsewhere.
TEXT_ON = {"on_time": "white", "late": "white", "nil": "black", "missing": "black", "pending": "black"}


@dataclass(frozen=True)
class GroupCounts:
    """The agencies of one group (a responsibility group or an agency kind), counted by status."""

    label: str
    on_time: int = 0
    late: int = 0
    nil: int = 0
    missing: int = 0
    pending: int = 0

    def count(self, category: str) -> int:
        """The number of agencies of this group in `category` (one of CATEGORIES)."""
        return int(getattr(self, category))

    @property
    def total(self) -> int:
        """Every agency of the group that had to report (exempt ones are left out of the chart)."""
        return sum(self.count(c) for c in CATEGORIES)


def grey_level(colour: str) -> float:
    """Relative luminance (0 black … 1 white) of a '#rrggbb' colour, as a black-and-white print renders it."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def reporting_chart_png(
    groups: Sequence[GroupCounts],
    *,
    labels: Mapping[str, str],
    title: str,
    axis_label: str = "Số cơ quan, đơn vị",
    dpi: int = 150,
) -> bytes:
    """The chart as PNG bytes: one stacked bar per group, a legend with the status `labels`, counts on the bars.

    `labels` maps each category of CATEGORIES to the words the report uses for it; categories that no
    group has are left out of the legend, so a chart drawn after the deadline shows no "pending".
    """
    shown = [c for c in CATEGORIES if any(g.count(c) for g in groups)] or ["on_time"]
    rows = list(groups)
    height = 1.2 + 0.42 * max(1, len(rows))
    fig = Figure(figsize=(7.0, height), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    positions = list(range(len(rows)))[::-1]  # first group on top
    left = [0] * len(rows)
    widest = max((g.total for g in rows), default=0)
    for category in shown:
        fill, hatch = STYLE[category]
        values = [g.count(category) for g in rows]
        bars = ax.barh(
            positions, values, left=left, height=0.62, color=fill, hatch=hatch, edgecolor="black", linewidth=0.6
        )
        for bar, value in zip(bars, values, strict=True):
            # A count fits inside its segment only when the segment is wide enough to hold it.
            if value and widest and value / widest >= 0.06:
                ax.text(
                    bar.get_x() + bar.get_width() / 2,
                    bar.get_y() + bar.get_height() / 2,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=TEXT_ON[category],
                    bbox={"boxstyle": "round,pad=0.15", "fc": fill, "ec": "none"} if hatch else None,
                )
        left = [a + b for a, b in zip(left, values, strict=True)]
    for y, group in zip(positions, rows, strict=True):
        ax.text(group.total + widest * 0.01, y, str(group.total), va="center", fontsize=7)
    ax.set_yticks(positions, [g.label for g in rows], fontsize=8)
    ax.set_xlim(0, max(1, widest) * 1.08)
    ax.set_xlabel(axis_label, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontsize=9, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [Patch(facecolor=STYLE[c][0], hatch=STYLE[c][1], edgecolor="black", label=labels[c]) for c in shown]
    fig.legend(handles=handles, loc="outside lower center", ncol=len(shown), fontsize=7, frameon=False)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi)
    return out.getvalue()
