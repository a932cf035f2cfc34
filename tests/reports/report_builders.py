"""Hand-built rounds for the report tests: a small plan inserted with SQLModel, every agency status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session

from models.tables import (
    Agency,
    AgencyStatus,
    Attachment,
    Channel,
    ContentItem,
    Plan,
    RosterEntry,
    Round,
    RoundState,
    Submission,
    SubmissionItem,
    Task,
)

UTC = dt.UTC
# 26/6/2018 10:00 in Vĩnh Long: after the six-month round's lock (25/6 00:00 local).
AFTER_LOCK = dt.datetime(2018, 6, 26, 3, 0, tzinfo=UTC)
SCRIPT = '<script>alert("x")</script> **đậm** [liên kết](javascript:alert(1)) # tiêu đề'

LAYOUT = {
    "parent_body": "UBND TỈNH VĨNH LONG",
    "issuing_body": "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
    "symbol": "BC-STTTT",
    "place": "Vĩnh Long",
    "signer": {"authority": "KT. GIÁM ĐỐC", "title": "PHÓ GIÁM ĐỐC", "name": None},
    "distribution": [
        "- UBND tỉnh (b/c);",
        "- Ban Chỉ đạo TTĐN tỉnh (b/c);",
        "- Giám đốc, các PGĐ Sở;",
        "- Lưu: VT, TTBCXB.",
    ],
    "font": "Times New Roman",
    "margins_mm": {"top": 20, "bottom": 20, "left": 30, "right": 15},
}

AGENCIES = [
    ("VHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("KHDT", "Sở Kế hoạch và Đầu tư"),
    ("CA", "Công an tỉnh"),
    ("TC", "Sở Tài chính"),
    ("NV", "Sở Nội vụ"),
    ("BAOVL", "Báo Vĩnh Long"),
    ("VLONG_TX", "UBND thị xã Bình Minh"),
]


def _id(row) -> int:
    """The id of a row the session has flushed."""
    assert row.id is not None
    return row.id


def plan_document(**report_overrides) -> dict:
    """A minimal plan document as `Plan.document` holds it, with the report layout."""
    return {
        "plan": {
            "key": "test-2018",
            "number": "21/KH-STTTT",
            "date": "2018-04-13",
            "year": 2018,
            "title": "Công tác thông tin đối ngoại năm 2018",
        },
        "consolidator": {"agency": "STTTT", "name": "Sở Thông tin và Truyền thông"},
        "report": {**LAYOUT, **report_overrides},
    }


@dataclass
class Built:
    """Ids of what `build_round` inserted."""

    plan_id: int
    round_id: int
    agencies: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    submissions: dict[str, list[int]] = field(default_factory=dict)
    previous_round_id: int | None = None


def _round(session, plan_id, key, kind, title, due, lock, state) -> Round:
    r = Round(
        plan_id=plan_id,
        key=key,
        kind=kind,
        title=title,
        cutoff_start=dt.date(due.year, 1, 1),
        cutoff_end=dt.date(due.year, 5, 31),
        opens_at=due - dt.timedelta(days=20),
        due_at=due,
        lock_at=lock,
        state=state,
    )
    session.add(r)
    session.flush()
    return r


def submit(
    session, *, round_id, agency_id, version, channel, at, items=(), is_nil=False, body=None, files=()
) -> Submission:
    """Insert one submission version with its items and attachments."""
    s = Submission(
        round_id=round_id,
        agency_id=agency_id,
        version=version,
        channel=channel,
        received_at=at,
        status=AgencyStatus.nil if is_nil else AgencyStatus.on_time,
        is_nil=is_nil,
        body_text=body,
        sender="dau-moi@vinhlong.gov.vn",
    )
    session.add(s)
    session.flush()
    for task_id, results, difficulties, proposals in items:
        session.add(
            SubmissionItem(
                submission_id=_id(s), task_id=task_id, results=results, difficulties=difficulties, proposals=proposals
            )
        )
    for name, size in files:
        session.add(
            Attachment(
                submission_id=s.id,
                sha256="0" * 64,
                size=size,
                media_type="application/pdf",
                original_name=name,
                safe_name=name,
                storage_path=f"files/{name}",
            )
        )
    session.flush()
    return s


def build_round(session: Session, *, state=RoundState.locked, with_previous=True, paragraphs=3) -> Built:
    """A six-month round of seven agencies: on time (two versions), late, nil, exempt, missing, general text, HTML."""
    plan = Plan(
        key="test-2018",
        number="21/KH-STTTT",
        title="Công tác thông tin đối ngoại năm 2018",
        year=2018,
        source_path="test",
        content_sha256="x",
        document=plan_document(),
    )
    session.add(plan)
    session.flush()
    assert plan.id is not None
    built = Built(plan_id=plan.id, round_id=0)
    for code, name in AGENCIES:
        a = Agency(plan_id=plan.id, code=code, name=name, kind="department")
        session.add(a)
        session.flush()
        built.agencies[code] = _id(a)
    for number, title in (
        (1, "Tuyên truyền đường lối, chính sách đối ngoại"),
        (2, "Kiện toàn tổ chức, cán bộ"),
        (6, "Giới thiệu tiềm năng đầu tư, du lịch"),
    ):
        session.add(ContentItem(plan_id=plan.id, number=number, title=title, text=title))
    for key, items in (("IV.2.1", [6, 1]), ("IV.3.1", [6]), ("IV.9.1", [2]), ("III.1", [])):
        t = Task(plan_id=plan.id, key=key, section=key.rsplit(".", 1)[0], text=f"Nhiệm vụ {key}", content_items=items)
        session.add(t)
        session.flush()
        built.tasks[key] = _id(t)

    due = dt.datetime(2018, 6, 14, 17, 0, tzinfo=UTC)  # 15/6/2018 00:00 in Vĩnh Long
    lock = due + dt.timedelta(days=10)
    r = _round(
        session,
        plan.id,
        "six-month-2018",
        "six_month",
        "Kết quả thực hiện công tác thông tin đối ngoại 6 tháng đầu năm 2018",
        due,
        lock,
        state,
    )
    built.round_id = _id(r)
    A = built.agencies
    for code in A:
        status = AgencyStatus.exempt if code == "NV" else AgencyStatus.pending
        session.add(
            RosterEntry(
                round_id=built.round_id,
                agency_id=A[code],
                status=status,
                exempt_reason="Sáp nhập tổ chức" if code == "NV" else None,
            )
        )
    T = built.tasks

    def long(text: str) -> str:
        return "\n".join(f"{text} (đoạn {i + 1})." for i in range(paragraphs))

    v1 = submit(
        session,
        round_id=r.id,
        agency_id=A["VHTTDL"],
        version=1,
        channel=Channel.email,
        at=due - dt.timedelta(days=3),
        items=[(T["IV.2.1"], "Bản cũ không được tổng hợp.", "", "")],
    )
    v2 = submit(
        session,
        round_id=r.id,
        agency_id=A["VHTTDL"],
        version=2,
        channel=Channel.upload,
        at=due + dt.timedelta(days=1),
        items=[
            (
                T["IV.2.1"],
                long("Tổ chức 3 đoàn famtrip quảng bá du lịch sông nước miệt vườn"),
                "Kinh phí quảng bá còn hạn chế.",
                "Đề nghị bổ sung kinh phí năm 2019.",
            ),
            (None, "Phối hợp tổ chức Ngày hội văn hóa các dân tộc.", "", ""),
        ],
        files=[("bao-cao-6-thang.pdf", 204800)],
    )
    built.submissions["VHTTDL"] = [_id(v1), _id(v2)]
    s = submit(
        session,
        round_id=r.id,
        agency_id=A["KHDT"],
        version=1,
        channel=Channel.email,
        at=due + dt.timedelta(days=2),
        items=[(T["IV.3.1"], "Tổ chức hội nghị xúc tiến đầu tư tại TP. Hồ Chí Minh.", SCRIPT, "")],
    )
    built.submissions["KHDT"] = [_id(s)]
    s = submit(
        session,
        round_id=r.id,
        agency_id=A["CA"],
        version=1,
        channel=Channel.upload,
        at=due - dt.timedelta(days=5),
        is_nil=True,
    )
    built.submissions["CA"] = [_id(s)]
    s = submit(
        session,
        round_id=r.id,
        agency_id=A["BAOVL"],
        version=1,
        channel=Channel.manual,
        at=due - dt.timedelta(hours=1),
        items=[(T["IV.9.1"], SCRIPT, "", "Đề nghị cấp thẻ nhà báo cho phóng viên mới.")],
    )
    built.submissions["BAOVL"] = [_id(s)]
    s = submit(
        session,
        round_id=r.id,
        agency_id=A["VLONG_TX"],
        version=1,
        channel=Channel.email,
        at=due - dt.timedelta(days=1),
        body="Thị xã đã tổ chức 12 buổi tuyên truyền biển, đảo.\r\nCấp phát 2.000 tờ rơi.",
    )
    built.submissions["VLONG_TX"] = [_id(s)]
    # TC: nothing received -> missing (locked) or pending (open, before lock).

    if with_previous:
        prev_due = dt.datetime(2017, 6, 14, 17, 0, tzinfo=UTC)
        p = _round(
            session,
            plan.id,
            "six-month-2017",
            "six_month",
            "Kết quả 6 tháng đầu năm 2017",
            prev_due,
            prev_due + dt.timedelta(days=10),
            RoundState.closed,
        )
        built.previous_round_id = _id(p)
        for code in ["VHTTDL", "KHDT", "CA", "TC"]:
            session.add(RosterEntry(round_id=built.previous_round_id, agency_id=A[code], status=AgencyStatus.pending))
        submit(
            session,
            round_id=p.id,
            agency_id=A["VHTTDL"],
            version=1,
            channel=Channel.email,
            at=prev_due - dt.timedelta(days=1),
        )
        submit(
            session,
            round_id=p.id,
            agency_id=A["KHDT"],
            version=1,
            channel=Channel.email,
            at=prev_due + dt.timedelta(days=1),
        )
        # CA and TC missing in 2017: rate 2/4, on time 1/4.
    session.flush()
    return built
