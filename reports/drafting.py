"""The next draft of a round's consolidated report, through the cycle's rules: guard, build, transition.

The flow `consolidate-round` and `planflow report build` both call `draft_next_version`, so a draft
built by hand is refused while the Director is deciding on the current one, and a locked round
becomes consolidated, exactly as when the daily run builds it.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.drafts import ensure_can_revise
from models.rounds import mark_consolidated, round_by_key
from models.settings import Settings
from reports.build import DraftResult, build_draft


def draft_next_version(
    *,
    session: Session,
    settings: Settings,
    round_key: str,
    now: dt.datetime,
    plan_key: str | None = None,
    actor: str = "system",
) -> DraftResult:
    """Build draft version n+1 of a round (refused while version n awaits a decision); a locked round becomes consolidated."""
    round = round_by_key(session=session, key=round_key, plan_key=plan_key)
    assert round.id is not None
    ensure_can_revise(session=session, round_id=round.id, round_key=round.key)
    result = build_draft(session=session, settings=settings, round_id=round.id, now=now, actor=actor)
    mark_consolidated(session=session, round_id=round.id, actor=actor)
    return result
