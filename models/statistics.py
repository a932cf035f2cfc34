"""Reporting statistics of a round, counted once from its roster's statuses (pure).

The consolidation (`models/consolidation.py`), the round's status table in the Prefect UI, the
officer's digest and the report's covering email all count with `tally`, so they cannot disagree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from models.tables import AgencyStatus


@dataclass(frozen=True)
class Statistics:
    """Reporting statistics of a round (definitions in `models/consolidation.py`'s module docstring)."""

    expected: int
    on_time: int
    late: int
    nil: int
    exempt: int
    missing: int
    pending: int
    reported_on_time: int

    @property
    def actual(self) -> int:
        """Reports received: on time, late or nil."""
        return self.on_time + self.late + self.nil

    @property
    def required(self) -> int:
        """Agencies that had to report: expected minus exempt."""
        return self.expected - self.exempt

    @property
    def not_reported(self) -> int:
        """Agencies without a report: still pending or missing."""
        return self.missing + self.pending

    @property
    def reporting_rate(self) -> float | None:
        """actual / required, or None when nobody had to report."""
        return self.actual / self.required if self.required else None

    @property
    def on_time_rate(self) -> float | None:
        """reported_on_time / required, or None when nobody had to report."""
        return self.reported_on_time / self.required if self.required else None

    def as_dict(self) -> dict:
        """Plain JSON-ready form, rates included."""
        return {
            "expected": self.expected,
            "actual": self.actual,
            "on_time": self.on_time,
            "late": self.late,
            "nil": self.nil,
            "exempt": self.exempt,
            "missing": self.missing,
            "pending": self.pending,
            "required": self.required,
            "reported_on_time": self.reported_on_time,
            "reporting_rate": self.reporting_rate,
            "on_time_rate": self.on_time_rate,
        }


def tally(statuses: Iterable[AgencyStatus | str], *, reported_on_time: int | None = None) -> Statistics:
    """The statistics of a roster from each expected agency's status.

    `reported_on_time` counts the agencies whose first version arrived before the due instant; the
    consolidation knows it from the submissions. Without it, the roster's on-time agencies are it.
    """
    counts = Counter(AgencyStatus(s) for s in statuses)
    return Statistics(
        expected=sum(counts.values()),
        on_time=counts[AgencyStatus.on_time],
        late=counts[AgencyStatus.late],
        nil=counts[AgencyStatus.nil],
        exempt=counts[AgencyStatus.exempt],
        missing=counts[AgencyStatus.missing],
        pending=counts[AgencyStatus.pending],
        reported_on_time=counts[AgencyStatus.on_time] if reported_on_time is None else reported_on_time,
    )
