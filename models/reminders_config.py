"""The reminder ladder as configured in a plan (the rules that apply it live in `models/reminders.py`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LadderStep(BaseModel):
    """One rung of the ladder: N working days before the due date, the last day, or N working days after."""

    model_config = ConfigDict(extra="forbid")

    step: str = Field(description="Stable name of the step, e.g. 'before-3', 'last-day', 'overdue-1'.")
    working_days_before: int | None = Field(default=None, ge=1)
    last_day: bool = False
    working_days_after: int | None = Field(default=None, ge=1)
    escalate: bool = Field(default=False, description="Also write to the agency head, consolidator in copy.")

    @model_validator(mode="after")
    def _exactly_one_anchor(self) -> LadderStep:
        anchors = [self.working_days_before is not None, self.last_day, self.working_days_after is not None]
        if sum(anchors) != 1:
            raise ValueError("set exactly one of working_days_before, last_day, working_days_after")
        return self


def _default_steps() -> list[LadderStep]:
    return [
        LadderStep(step="before-7", working_days_before=7),
        LadderStep(step="before-3", working_days_before=3),
        LadderStep(step="last-day", last_day=True),
        LadderStep(step="overdue-1", working_days_after=1),
        LadderStep(step="overdue-3", working_days_after=3, escalate=True),
    ]


class ReminderLadder(BaseModel):
    """The whole ladder with its limits."""

    model_config = ConfigDict(extra="forbid")

    steps: list[LadderStep] = Field(default_factory=_default_steps)
    send_hour: int = Field(default=8, ge=0, le=23, description="Local hour reminders are sent at.")
    min_gap_days: int = Field(default=1, ge=0, description="Fewest calendar days between two reminders to one agency.")
    max_count: int = Field(default=6, ge=1, description="Most reminders one agency receives in a round.")

    @model_validator(mode="after")
    def _unique_step_names(self) -> ReminderLadder:
        names = [s.step for s in self.steps]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"step names must be unique; repeated: {', '.join(repeated)}")
        return self
