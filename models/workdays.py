"""Working days in Vietnam: weekends, public holidays (Tết and observed days) and the plan's own swaps.

Holidays come from the `holidays` package (country VN, Vietnamese names), which also knows the
government's make-up Saturdays (e.g. 5/1/2019 for the day off on 31/12/2018). A plan adds what the
package does not know yet with `calendar.extra_days_off` and `calendar.extra_working_days`.
Each year is computed once per calendar and kept; every query after that is a set lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays

from models.plan import CalendarConfig

_ONE_DAY = dt.timedelta(days=1)
# A year with no working day cannot exist; this bounds every walk in case a plan is absurd.
_MAX_WALK_DAYS = 3660


class WorkCalendar:
    """Which days are working days: Monday–Friday minus public holidays, with the plan's exceptions."""

    def __init__(
        self,
        *,
        extra_days_off: Iterable[dt.date] = (),
        extra_working_days: Iterable[dt.date] = (),
        country: str = "VN",
        language: str = "vi",
    ) -> None:
        self._extra_off = frozenset(extra_days_off)
        self._extra_on = frozenset(extra_working_days)
        both = self._extra_off & self._extra_on
        if both:
            days = ", ".join(d.isoformat() for d in sorted(both))
            raise ValueError(f"a day cannot be both an extra day off and an extra working day: {days}")
        self._country = country
        self._language = language
        self._off_by_year: dict[int, frozenset[dt.date]] = {}
        self._names_by_year: dict[int, dict[dt.date, str]] = {}

    @classmethod
    def from_config(cls, config: CalendarConfig | None) -> WorkCalendar:
        """The calendar of a plan's `calendar:` section (None: public holidays only)."""
        if config is None:
            return cls()
        return cls(extra_days_off=config.extra_days_off, extra_working_days=config.extra_working_days)

    def _year(self, year: int) -> frozenset[dt.date]:
        off = self._off_by_year.get(year)
        if off is None:
            off = self._load_year(year)
        return off

    def _load_year(self, year: int) -> frozenset[dt.date]:
        # Neighbouring years too: a make-up Saturday can belong to a swap decided for the year before.
        public = holidays.country_holidays(self._country, years=[year - 1, year, year + 1], language=self._language)
        names = {d: n for d, n in public.items() if d.year == year}
        make_up = {d for d in getattr(public, "weekend_workdays", ()) if d.year == year}
        for d in self._extra_off:
            if d.year == year:
                names.setdefault(d, "Ngày nghỉ theo quyết định")
        off: set[dt.date] = set()
        day = dt.date(year, 1, 1)
        while day.year == year:
            # The plan's own decisions win over the package, which wins over the weekend rule.
            if day in self._extra_on:
                working = True
            elif day in self._extra_off or day in names:
                working = False
            else:
                working = day.weekday() < 5 or day in make_up
            if not working:
                off.add(day)
            day += _ONE_DAY
        frozen = frozenset(off)
        self._off_by_year[year] = frozen
        self._names_by_year[year] = names
        return frozen

    def is_working_day(self, day: dt.date) -> bool:
        """True when offices work on `day`."""
        return day not in self._year(day.year)

    def holiday_name(self, day: dt.date) -> str | None:
        """The Vietnamese name of the holiday on `day`, or None (weekends have no name)."""
        self._year(day.year)
        return self._names_by_year[day.year].get(day)

    def days_off(self, year: int) -> list[dt.date]:
        """Every non-working day of `year`, weekends included, in order."""
        return sorted(self._year(year))

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def previous_working_day(self, day: dt.date) -> dt.date:
        """The last working day strictly before `day`."""
        return self.add_working_days(day, -1)

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n < 0: before it), `day` itself not counted; n = 0 returns `day`."""
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        left = abs(n)
        walked = 0
        while left:
            day += step
            walked += 1
            if walked > _MAX_WALK_DAYS:
                raise ValueError("no working day found within ten years")
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, a: dt.date, b: dt.date) -> int:
        """Working days d with a <= d < b (negative, counted the same way, when b < a)."""
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        day = a
        while day < b:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count
