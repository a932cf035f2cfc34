"""The stored plan document (`Plan.document`), read through the pydantic schema of `models/plan.py`.

The loader stores the validated plan as JSON; everything that needs a part of it (the reminder
ladder, the working-day calendar, the consolidator, the press conferences, the report layout) reads
it here, as typed models, instead of digging into the JSON by hand. Each section is validated on its
own, so a section the plan does not have gets the schema's default (or None), as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from models import plan as schema
from models.reminders_config import ReminderLadder
from models.tables import Plan
from models.workdays import WorkCalendar


@dataclass(frozen=True)
class PlanHeading:
    """How documents cite the plan: its number, date and title (each may be missing in a hand-made document)."""

    number: str | None = None
    date: dt.date | None = None
    title: str | None = None


class PlanDocument:
    """Typed access to the sections of one stored plan document."""

    def __init__(self, document: dict[str, Any] | None):
        self._doc: dict[str, Any] = dict(document or {})

    @classmethod
    def of(cls, plan: Plan) -> PlanDocument:
        """The document of a plan row."""
        return cls(plan.document)

    def _section(self, name: str) -> Any:
        return self._doc.get(name) or None

    @cached_property
    def consolidator(self) -> schema.Party | None:
        """The consolidating agency (Sở TT&TT), which receives reports rather than sends them."""
        raw = self._section("consolidator")
        return schema.Party.model_validate(raw) if raw else None

    @property
    def consolidator_code(self) -> str | None:
        """The consolidator's agency code, when it is one of the plan's agencies."""
        return self.consolidator.agency if self.consolidator else None

    @property
    def issuer(self) -> str:
        """The body whose name signs the plan's mail: the consolidator, else the plan's issuer."""
        if self.consolidator and self.consolidator.name:
            return self.consolidator.name
        return str((self._section("plan") or {}).get("issuer") or "")

    @cached_property
    def reminders(self) -> ReminderLadder:
        """The plan's default reminder ladder."""
        return ReminderLadder.model_validate(self._section("reminders") or {})

    @cached_property
    def calendar(self) -> schema.CalendarConfig:
        """The working-day exceptions of the plan's year."""
        return schema.CalendarConfig.model_validate(self._section("calendar") or {})

    @cached_property
    def work_calendar(self) -> WorkCalendar:
        """The working-day calendar of the plan (public holidays and the plan's exceptions)."""
        return WorkCalendar.from_config(self.calendar)

    @cached_property
    def heading(self) -> PlanHeading:
        """The plan's number, date and title, as the report's opening sentence cites them."""
        raw = self._section("plan") or {}
        date = raw.get("date")
        return PlanHeading(
            number=raw.get("number") or None,
            date=dt.date.fromisoformat(str(date)) if date else None,
            title=raw.get("title") or None,
        )

    @cached_property
    def press_briefings(self) -> schema.PressBriefings | None:
        """The quarterly press conferences (II.5), if the plan has them."""
        raw = self._section("press_briefings")
        return schema.PressBriefings.model_validate(raw) if raw else None

    @cached_property
    def funding(self) -> schema.Funding | None:
        """Section III (funding), if the plan has it."""
        raw = self._section("funding")
        return schema.Funding.model_validate(raw) if raw else None

    @cached_property
    def ad_hoc(self) -> schema.AdHocRounds | None:
        """How ad-hoc rounds are run, if the plan says."""
        raw = self._section("ad_hoc")
        return schema.AdHocRounds.model_validate(raw) if raw else None

    @property
    def adhoc_lock_days(self) -> int:
        """Days after an ad-hoc round's due date until it locks (10 when the plan does not say)."""
        return self.ad_hoc.lock_days_after_due if self.ad_hoc else 10

    def report_layout(self) -> schema.ReportLayout:
        """The Decree 30/2020 layout of the consolidated report (ValueError when the plan has none)."""
        raw = self._section("report")
        if not raw:
            raise ValueError("the plan has no 'report' section: the consolidated report's layout is not defined")
        return schema.ReportLayout.model_validate(raw)
