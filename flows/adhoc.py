"""Flow `adhoc-report`: an administrator asks for an ad-hoc report from the Prefect UI; it runs like a planned round."""

from __future__ import annotations

import datetime as dt

from prefect import flow, get_run_logger, task
from prefect.runtime import flow_run
from pydantic import BaseModel, Field

from flows.common import DB_RETRIES, DB_RETRY_DELAYS, resolve_now, session, slug, transient_db_error
from flows.rounds import OpenedRound, open_round_flow
from models.plandoc import PlanDocument
from models.settings import get_settings


class AdhocRequest(BaseModel):
    """The form an administrator fills in to ask agencies for an ad-hoc report (báo cáo đột xuất)."""

    topic: str = Field(title="Chủ đề báo cáo", description="Ví dụ: Tình hình thông tin đối ngoại dịp Tết Nguyên đán")
    instructions: str = Field(
        default="", title="Yêu cầu, hướng dẫn", description="Nội dung đề nghị các cơ quan báo cáo"
    )
    agencies: list[str] = Field(
        default_factory=lambda: ["all"],
        title="Cơ quan được yêu cầu",
        description="Mã cơ quan (ví dụ SCT, SYT), hoặc 'all' cho tất cả các cơ quan",
    )
    due: dt.date = Field(title="Hạn nộp", description="Báo cáo bị tính là trễ hạn từ 0 giờ ngày này")
    attachments: list[str] = Field(
        default_factory=list, title="Tệp đính kèm gửi các cơ quan", description="Đường dẫn tệp trên máy chủ (tùy chọn)"
    )
    requested_by: str = Field(default="", title="Người yêu cầu", description="Họ tên người tạo yêu cầu")


def adhoc_round_key(request: AdhocRequest) -> str:
    """A readable, stable key: the same request twice makes one round."""
    return f"adhoc-{request.due:%Y%m%d}-{slug(request.topic, 40)}"


@task(
    name="create-adhoc-round",
    retries=DB_RETRIES,
    retry_delay_seconds=DB_RETRY_DELAYS,
    retry_condition_fn=transient_db_error,
)
def create_round(request: AdhocRequest, plan_key: str | None, now: dt.datetime) -> tuple[str, str]:
    """Create (or find, when rerun) the ad-hoc round; (plan key, round key)."""
    from models.rounds import create_adhoc_round, plan_by_key

    settings = get_settings()
    with session(settings) as s:
        plan = plan_by_key(session=s, plan_key=plan_key)
        assert plan.id is not None
        codes = (
            None if not request.agencies or "all" in request.agencies else [c.strip().upper() for c in request.agencies]
        )
        rnd = create_adhoc_round(
            session=s,
            plan_id=plan.id,
            key=adhoc_round_key(request),
            title=request.topic,
            instructions=request.instructions or None,
            agency_codes=codes,
            due=request.due,
            now=now,
            created_by=request.requested_by or "admin",
            lock_days_after_due=PlanDocument.of(plan).adhoc_lock_days,
            tz=settings.timezone,
        )
        get_run_logger().info("Ad-hoc round %s, due before %s", rnd.key, request.due)
        return plan.key, rnd.key


def _run_name() -> str:
    request = flow_run.parameters.get("request") or {}
    topic = request.get("topic") if isinstance(request, dict) else getattr(request, "topic", "")
    return f"ad-hoc {topic}"[:100]


@flow(name="adhoc-report", flow_run_name=_run_name)
def adhoc_report(request: AdhocRequest, plan_key: str | None = None, now: dt.datetime | None = None) -> OpenedRound:
    """Create an ad-hoc round and open it now; reminders, consolidation and approval follow as for a planned round."""
    now = resolve_now(now)
    plan_key, round_key = create_round(request, plan_key, now)
    return open_round_flow(round_key=round_key, plan_key=plan_key, now=now, attachments=request.attachments or None)
