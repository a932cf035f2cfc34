"""Every planflow deployment, its schedule (in the settings' time zone) and its description, in one list.

`deployments/serve.py` serves them from one process; `prefect.yaml`, for a process work pool, is
generated from this list by `python -m deployments.workpool` (a test checks the committed file is
what it generates). Names are plain English (safe in URLs and CLI commands); descriptions say in
Vietnamese and English what each one does, for the administrator reading the Prefect UI.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import cast

from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron
from prefect.types.entrypoint import EntrypointType

from flows.adhoc import adhoc_report
from flows.approval import APPROVAL_DEPLOYMENT, approve_and_send, revise_report
from flows.assign import assign_plan
from flows.collect import collect_replies
from flows.consolidate import consolidate_round
from flows.daily import daily_cycle
from flows.press import quarterly_press_briefing
from flows.rounds import open_due_rounds_flow, open_round_flow
from models.plan import Plan, RoundKind
from models.settings import get_settings

TAGS = ["planflow"]


def _plan(plan_file: str | None) -> Plan | None:
    """The plan file's content for deriving schedules, or None when it cannot be read."""
    from models.planfile import PlanFileError, load_plan_file
    from plans import plan_default_paths

    try:
        return load_plan_file(Path(plan_file) if plan_file else plan_default_paths()[0])
    except (PlanFileError, OSError):  # a broken plan file must not stop the other deployments; assign-plan reports it
        return None


def press_cron(plan: Plan | None) -> str:
    """Working-day mornings of the months the plan's press conferences fall in (II.5)."""
    months = sorted({*plan.press_briefings.months}) if plan and plan.press_briefings else []
    return f"10 8 * {','.join(map(str, months)) or '*'} 1-5"


def budget_cron(plan: Plan | None) -> str:
    """08:00 on the opening day of the plan's budget-estimate round (section III), every day if it has none."""
    rounds = [r for r in (plan.rounds if plan else []) if r.kind == RoundKind.budget_estimate]
    if not rounds:
        return "0 8 * * *"
    opens = min(r.opens for r in rounds)
    return f"0 8 {opens.day} {opens.month} *"


def build(plan_file: str | None = None, collect_minutes: int = 5, tz: str | None = None) -> list[RunnerDeployment]:
    """The deployments, ready for `prefect.serve(*build())` or for `.apply()` against a server.

    Cron schedules are in `tz`, by default the settings' time zone (`PLANFLOW_TIMEZONE`).
    """
    plan = _plan(plan_file)
    plan_params = {"plan_file": plan_file} if plan_file else {}
    tz = tz or get_settings().timezone
    tags, entrypoint_type = TAGS, EntrypointType.MODULE_PATH
    deployments = [
        assign_plan.to_deployment(
            name="load-plan",
            description=(
                "Nạp (hoặc cập nhật) kế hoạch, gửi thông báo giao nhiệm vụ cho các cơ quan, mở các đợt báo cáo đã đến ngày. "
                "Chạy lúc 07:00 mỗi ngày làm việc. — Loads or refreshes the plan, sends assignment notices, opens due rounds."
            ),
            schedules=[Cron("0 7 * * 1-5", timezone=tz)],
            parameters=plan_params,
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        daily_cycle.to_deployment(
            name="working-days",
            description=(
                "Chu trình hằng ngày: mở các đợt báo cáo đến ngày, gửi mọi nhắc nhở, báo cáo lên thủ trưởng và bản tin tổng hợp "
                "đến hạn (kể cả những ngày bị lỡ), khóa sổ các đợt đã quá hạn khóa, tổng hợp khi đến hạn, trình Giám đốc phê duyệt "
                "và gửi báo cáo đã duyệt. 08:05 các ngày làm việc. — Daily: opens due rounds, sends every reminder, escalation "
                "and digest due, locks rounds, consolidates, starts approvals and sends approved reports."
            ),
            schedules=[Cron("5 8 * * 1-5", timezone=tz)],
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        open_round_flow.to_deployment(
            name="open-round",
            description="Mở một đợt báo cáo: chốt danh sách cơ quan, gửi yêu cầu báo cáo. — Opens one round (give its key).",
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        open_due_rounds_flow.to_deployment(
            name="budget-estimate",
            description=(
                "Mục III: mở đợt lập kế hoạch và dự toán kinh phí vào ngày kế hoạch quy định. "
                "— Section III: opens the budget-estimate round on its planned day."
            ),
            schedules=[Cron(budget_cron(plan), timezone=tz)],
            parameters={"kinds": ["budget_estimate"]},
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        consolidate_round.to_deployment(
            name="consolidate-round",
            description="Tổng hợp báo cáo của một đợt (dự thảo mới). — Builds a new draft of a round's consolidated report.",
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        approve_and_send.to_deployment(
            name=APPROVAL_DEPLOYMENT.split("/", 1)[1],
            description=(
                "Trình Giám đốc Sở phê duyệt dự thảo: bấm Resume để phê duyệt hoặc trả lại kèm ý kiến; "
                "khi phê duyệt, báo cáo được gửi Chủ tịch UBND tỉnh và Ban Chỉ đạo, đợt báo cáo được đóng. "
                "— The Director's approval; started by the daily run."
            ),
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        revise_report.to_deployment(
            name="revise-report",
            description="Sau khi Giám đốc trả lại: lập dự thảo mới và trình lại. — After a return: new draft, back to approval.",
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        adhoc_report.to_deployment(
            name="adhoc-report",
            description=(
                "Yêu cầu báo cáo đột xuất: điền chủ đề, hướng dẫn, cơ quan (hoặc 'all'), hạn nộp. "
                "— Ad-hoc report request from the UI form."
            ),
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        quarterly_press_briefing.to_deployment(
            name="press-briefing-reminder",
            description="Mục II.5: nhắc tổ chức họp báo hằng quý. — Quarterly press-conference reminder.",
            schedules=[Cron(press_cron(plan), timezone=tz)],
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
        collect_replies.to_deployment(
            name="read-mailbox",
            description=f"Đọc hộp thư, ghi nhận báo cáo gửi qua email, {collect_minutes} phút một lần. — Reads replies.",
            interval=timedelta(minutes=collect_minutes),
            tags=tags,
            entrypoint_type=entrypoint_type,
        ),
    ]
    # `to_deployment` is sync-compatible: called from sync code it returns the deployment itself.
    return [cast(RunnerDeployment, d) for d in deployments]
