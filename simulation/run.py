"""A year in a few minutes: the reference plan's 2018 cycle on a simulated clock, against real local servers.

The flows run as real Prefect flow runs, each given an explicit `now`; the agencies (seeded, see
`simulation/agencies.py`) answer by email into Dovecot and by upload through the real portal; the
Director answers the suspended `approve-and-send` runs through the Prefect API. The result is a
JSON-ready summary: the script the agencies followed, and what the system recorded.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from simulation.agencies import Behaviour, Reply, RoundScript, StrangerMail, script_round
from simulation.director import Director
from simulation.mail import Sent
from simulation.servers import Servers, SimClock, approver_ready, start_approver, start_portal, start_servers


@dataclass(order=True)
class Event:
    """Something that happens at a simulated instant: a flow tick, an agency's answer, a stranger's email."""

    at: dt.datetime
    order: int
    label: str = field(compare=False)
    action: Callable[[], None] = field(compare=False)


class Simulation:
    """One replay of a plan's year; `run()` returns the summary."""

    def __init__(
        self, work: Path, *, seed: int = 2018, log: Callable[[str], None] = print, return_kind: str = "six_month"
    ):
        self.work = Path(work).resolve()
        self.seed = seed
        self.log = log
        self.return_kind = return_kind
        self.servers: Servers | None = None
        self.clock: SimClock | None = None
        self.scripts: dict[str, RoundScript] = {}
        self.missing: list[str] = []
        self.flow_runs: list[dict] = []
        self.uploads: list[dict] = []
        self.emails: list[dict] = []
        self._seen: dict[Path, Sent] = {}
        self.director: Director | None = None
        self._new_mail = False
        self._approver = None
        self._first_consolidation = dt.datetime.max.replace(tzinfo=dt.UTC)
        self.timings: dict[str, float] = {"startup": 0.0, "flows": 0.0, "agencies": 0.0, "director_wait": 0.0}
        self._http = httpx.Client(timeout=60)

    @property
    def running(self) -> Servers:
        """The servers, once `start()` has started them."""
        if self.servers is None:
            raise RuntimeError("the simulation's servers are not running")
        return self.servers

    @property
    def sim_clock(self) -> SimClock:
        """The simulated clock, once `start()` has set it."""
        if self.clock is None:
            raise RuntimeError("the simulation has not started")
        return self.clock

    # --- set-up -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the servers, load the plan (flow `assign-plan`), start the portal and the approval runner."""
        self.servers = start_servers(self.work)
        self.log(
            f"servers: smtp :{self.servers.smtp_port}, imap :{self.servers.imap_port}, "
            f"portal {self.servers.portal_url}, prefect {self.servers.prefect_url}"
        )
        from models.db import upgrade
        from models.planfile import load_plan_file
        from models.settings import get_settings
        from plans import plan_default_paths

        settings = get_settings()
        # As `planflow up` does: the flows never migrate the database themselves.
        upgrade(settings.database_url)
        plan_path, _ = plan_default_paths()
        self.plan = load_plan_file(plan_path)
        self.tz = ZoneInfo(settings.timezone)
        start = dt.datetime.combine(self.plan.plan.date, dt.time(9, 0), tzinfo=self.tz).astimezone(dt.UTC)
        self.clock = SimClock(start)
        from flows.assign import assign_plan

        self._flow("assign-plan", lambda: assign_plan(now=start))
        start_portal(self.servers, self.clock)
        self._approver = start_approver(self.servers, wait=False)
        self.director = Director(clock=self.clock, log=self.log, run_flow=self._flow, return_kind=self.return_kind)

    def _flow(self, name: str, call: Callable[[], object]) -> object:
        t = time.monotonic()
        try:
            result = call()
            ok = True
        except Exception as exc:  # one failing flow is reported; the year goes on
            result, ok = repr(exc), False
            self.log(f"  ! flow {name} failed at {self.sim_clock.now():%Y-%m-%d %H:%M}: {exc!r}")
        self.timings["flows"] += time.monotonic() - t
        self.flow_runs.append(
            {"flow": name, "now": self.sim_clock.now().isoformat(), "ok": ok, "seconds": round(time.monotonic() - t, 2)}
        )
        return result

    # --- the timeline -----------------------------------------------------------------------
    def timeline(self) -> list[Event]:
        """Every tick and every agency action of the year, in time order."""
        from sqlmodel import col, select

        from flows.common import session
        from models.plandoc import PlanDocument
        from models.reminders import ladder_for, planned_reminders
        from models.rounds import consolidation_due, expected_agencies
        from models.settings import get_settings
        from models.tables import Plan, Round

        settings = get_settings()
        grace = dt.timedelta(hours=settings.grace_hours)
        ticks: set[dt.datetime] = set()
        events: list[Event] = []
        with session(settings) as s:
            plan = s.exec(select(Plan).where(Plan.key == self.plan.plan.key)).one()
            document = PlanDocument.of(plan)
            ladder, calendar = document.reminders, document.work_calendar
            for rnd in s.exec(select(Round).where(Round.plan_id == plan.id).order_by(col(Round.opens_at))).all():
                codes = [
                    a.code for a in expected_agencies(session=s, round=rnd) if a.code not in (rnd.exempt_codes or [])
                ]
                script = script_round(
                    round_key=rnd.key,
                    agency_codes=codes,
                    opens_at=rnd.opens_at,
                    due_at=rnd.due_at,
                    lock_at=rnd.lock_at,
                    seed=self.seed,
                    tz=settings.timezone,
                )
                self.scripts[rnd.key] = script
                round_ladder = ladder_for(rnd.ladder, ladder)
                opens_local = rnd.opens_at.astimezone(self.tz).date()
                ticks.add(dt.datetime.combine(opens_local, dt.time(round_ladder.send_hour), tzinfo=self.tz))
                for planned in planned_reminders(
                    due=rnd.due_at.astimezone(self.tz).date(),
                    ladder=round_ladder,
                    calendar=calendar,
                    tz=settings.timezone,
                    opens_at=rnd.opens_at,
                    lock_at=rnd.lock_at,
                ):
                    ticks.add(planned.send_at)
                consolidates_at = consolidation_due(rnd.due_at, grace)
                ticks.add(consolidates_at + dt.timedelta(minutes=1))
                self._first_consolidation = min(self._first_consolidation, consolidates_at)
                ticks.add(rnd.lock_at + dt.timedelta(minutes=1))
                for reply in script.replies:
                    if reply.behaviour != Behaviour.never:
                        events.append(
                            Event(
                                reply.at,
                                0,
                                f"{reply.behaviour.value} {reply.channel} {reply.agency_code} {rnd.key}",
                                lambda r=reply: self.answer(r),
                            )
                        )
                if script.stranger:
                    st = script.stranger
                    events.append(
                        Event(st.at, 0, f"stranger -> {st.agency_code} {rnd.key}", lambda m=st: self.stranger(m))
                    )
        year_end = dt.datetime(self.plan.plan.year, 12, 31, 8, 0, tzinfo=self.tz)
        ticks.add(year_end)
        for t in ticks:
            events.append(Event(t.astimezone(dt.UTC), 1, "tick", lambda t=t: self.tick(t)))
        return sorted(events)

    def stop(self) -> None:
        """Stop every server of the simulation."""
        self._http.close()
        if self.servers is not None:
            self.servers.stop()
            self.servers = None

    def run(self, *, stop: bool = True) -> dict:
        """Replay the year; returns the summary (see `summary()`). With `stop=False` the servers stay up (call `stop()`)."""
        began = time.monotonic()
        ok = False
        try:
            self.start()
            self.timings["startup"] = time.monotonic() - began
            events = self.timeline()
            self.log(
                f"timeline: {sum(e.label == 'tick' for e in events)} ticks, {sum(e.label != 'tick' for e in events)} agency actions"
            )
            for event in events:
                self.sim_clock.set(event.at)
                event.action()
            self.settle_approvals(final=True)
            summary = self.summary(elapsed=time.monotonic() - began)
            ok = True
            return summary
        finally:
            if stop or not ok:
                self.stop()

    # --- flow ticks -------------------------------------------------------------------------
    def tick(self, at: dt.datetime) -> None:
        """Read the mailbox, then run the daily flow (requests, reminders, locks, consolidation, approvals) at `at`."""
        now = at.astimezone(dt.UTC)
        if self._approver is not None and now >= self._first_consolidation:
            # The approval deployment must be registered before a consolidation starts its run.
            self.running.stack.wait_ready(self._approver, approver_ready(self.running), timeout=120)
            self._approver = None
        self.log(f"{at.astimezone(self.tz):%Y-%m-%d %H:%M} tick")
        self.collect(now)
        from flows.daily import DailyRun, daily_cycle

        result = self._flow("daily-cycle", lambda: daily_cycle(now=now))
        if isinstance(result, DailyRun):
            for label, keys in (
                ("opened", result.opened),
                ("locked", result.locked),
                ("consolidated", result.consolidated),
            ):
                if keys:
                    self.log(f"    {label}: {', '.join(keys)}")
        self.settle_approvals()

    def collect(self, now: dt.datetime) -> None:
        """Run `collect-replies` at `now` when mail came in since the last run (INTERNALDATE decides on time or late)."""
        if not self._new_mail:
            return
        from flows.collect import collect_replies

        self._flow("collect-replies", lambda: collect_replies(now=now))
        self._new_mail = False

    # --- the agencies -----------------------------------------------------------------------
    def requests(self) -> dict[tuple[str, str], Sent]:
        """Report requests caught so far, by (round key, agency code)."""
        from simulation.mail import read_sent

        for path in sorted(self.running.mail_dir.glob("*.eml")):
            if path not in self._seen:
                self._seen[path] = read_sent(path)
        return {
            (m.round_key, m.agency_code): m
            for m in self._seen.values()
            if m.kind == "request" and m.round_key and m.agency_code
        }

    def _texts(self, reply: Reply, keys: list[str]) -> dict[str, tuple[str, str, str]]:
        who = self.plan.agency(reply.agency_code).name
        return {
            key: (
                f"{who} đã triển khai nhiệm vụ {key}: tổ chức tuyên truyền, đăng tải tin bài về hình ảnh tỉnh Vĩnh Long.",
                "Kinh phí và nhân lực làm công tác thông tin đối ngoại còn hạn chế." if i == 0 else "",
                "Đề nghị Sở Thông tin và Truyền thông tổ chức tập huấn nghiệp vụ." if i == 0 else "",
            )
            for i, key in enumerate(keys)
        }

    def answer(self, reply: Reply) -> None:
        """An agency answers its request, by email or upload, at the reply's instant."""
        began = time.monotonic()
        try:
            self._answer(reply)
        finally:
            self.timings["agencies"] += time.monotonic() - began

    def _answer(self, reply: Reply) -> None:
        request = self.requests().get((reply.round_key, reply.agency_code))
        if request is None:
            self.log(f"  ! no request caught for {reply.agency_code} in {reply.round_key}; it cannot answer")
            (self.uploads if reply.channel == "upload" else self.emails).append(
                {
                    "round": reply.round_key,
                    "agency": reply.agency_code,
                    "behaviour": reply.behaviour.value,
                    "error": "no request received",
                }
            )
            return
        if reply.channel == "email":
            self.answer_by_email(reply, request)
        else:
            self.answer_by_upload(reply, request)

    def answer_by_email(self, reply: Reply, request) -> None:
        """Fill the request's Word form and reply to the personal address; Dovecot stores it at the reply's instant."""
        from simulation.mail import build_reply, fill_form, form_task_keys

        keys = form_task_keys(request.form) if request.form else []
        texts = self._texts(reply, keys)
        attachment = None
        if request.form:
            form = fill_form(request.form, texts=texts, contact=("Nguyễn Văn An", "0270 3822 123"))
            attachment = (f"Bao cao {reply.agency_code} {reply.round_key}.docx", form)
        body = (
            f"Kính gửi Sở Thông tin và Truyền thông,\n\n{self.plan.agency(reply.agency_code).name} gửi báo cáo "
            "theo biểu mẫu đính kèm.\n\nTrân trọng."
        )
        raw = build_reply(request=request, sender=request.to[0], body=body, at=reply.at, attachment=attachment)
        self._mailbox().append(raw, reply.at)
        self._new_mail = True
        self.emails.append(
            {
                "round": reply.round_key,
                "agency": reply.agency_code,
                "behaviour": reply.behaviour.value,
                "from": request.to[0],
                "at": reply.at.isoformat(),
            }
        )

    def stranger(self, mail: StrangerMail) -> None:
        """A message from an unknown address to an agency's personal reply address (must be quarantined)."""
        from simulation.mail import build_reply

        request = self.requests().get((mail.round_key, mail.agency_code))
        if request is None:
            return
        raw = build_reply(
            request=request, sender=mail.sender, body="Gửi nhầm: tài liệu tham khảo.", at=mail.at, attachment=None
        )
        self._mailbox().append(raw, mail.at)
        self._new_mail = True
        self.emails.append(
            {
                "round": mail.round_key,
                "agency": mail.agency_code,
                "behaviour": "stranger",
                "from": mail.sender,
                "at": mail.at.isoformat(),
            }
        )

    def answer_by_upload(self, reply: Reply, request) -> None:
        """Open the personal link in the real portal (clock at the reply's instant) and post the form."""
        from simulation.mail import fill_form, form_task_keys
        from simulation.upload import upload

        nil = reply.behaviour == Behaviour.nil
        files = []
        keys = form_task_keys(request.form) if request.form else []
        texts = self._texts(reply, keys)
        if request.form and not nil:
            form = fill_form(request.form, texts=texts, contact=("Trần Thị Bình", "0270 3823 456"))
            files.append(
                (
                    f"Báo cáo {reply.agency_code}.docx",
                    form,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            )
        url = request.upload_url.replace(request.upload_url.split("/u/")[0], self.running.portal_url)
        result = upload(self._http, url, nil=nil, texts=texts, files=files, contact=("Trần Thị Bình", "0270 3823 456"))
        self.uploads.append(
            {
                "round": reply.round_key,
                "agency": reply.agency_code,
                "behaviour": reply.behaviour.value,
                "at": reply.at.isoformat(),
                "status": result.status,
                "accepted": result.accepted,
                "form_shown": result.form_shown,
            }
        )
        if reply.behaviour != Behaviour.after_lock and not result.accepted:
            self.log(f"  ! upload of {reply.agency_code} in {reply.round_key} answered {result.status}")

    def _mailbox(self):
        from simulation.mail import Mailbox

        s = self.running
        return Mailbox(s.imap_host, s.imap_port, s.imap_user, s.imap_password)

    # --- the Director -----------------------------------------------------------------------
    def settle_approvals(self, final: bool = False) -> None:
        """Let the Director answer what waits for a decision (all of it, waiting, with `final`)."""
        if self.director is None:
            return
        began = time.monotonic()
        self.director.settle(final=final)
        self.timings["director_wait"] += time.monotonic() - began

    # --- the outcome ------------------------------------------------------------------------
    def summary(self, *, elapsed: float) -> dict:
        """What the agencies were scripted to do, and what the system recorded, per round."""
        from sqlmodel import col, select

        from flows.common import session
        from models.consolidation import compute_statistics
        from models.settings import get_settings
        from models.tables import InboundDisposition, InboundMessage, ReportDraft, Round
        from reports.data import collect_round_data

        settings = get_settings()
        end = dt.datetime(self.plan.plan.year, 12, 31, 23, 0, tzinfo=self.tz)
        rounds = {}
        with session(settings) as s:
            for key, script in self.scripts.items():
                rnd = s.exec(select(Round).where(Round.key == key)).one()
                assert rnd.id is not None
                stats, _rows = compute_statistics(collect_round_data(session=s, round_id=rnd.id), now=end)
                drafts = s.exec(
                    select(ReportDraft).where(ReportDraft.round_id == rnd.id).order_by(col(ReportDraft.version))
                ).all()
                rounds[key] = {
                    "state": str(rnd.state),
                    "expected": script.expected_counts(),
                    "statistics": stats.as_dict(),
                    "script": [
                        {
                            "agency": r.agency_code,
                            "behaviour": r.behaviour.value,
                            "channel": r.channel,
                            "at": r.at.isoformat(),
                        }
                        for r in script.replies
                    ],
                    "stranger": {"agency": script.stranger.agency_code, "from": script.stranger.sender}
                    if script.stranger
                    else None,
                    "drafts": [
                        {
                            "version": d.version,
                            "state": str(d.state),
                            "comments": d.comments,
                            "docx": str((settings.data_dir / d.docx_path).resolve()),
                        }
                        for d in drafts
                    ],
                }
            quarantined = s.exec(
                select(InboundMessage).where(InboundMessage.disposition == InboundDisposition.quarantined)
            ).all()
        return {
            "seed": self.seed,
            "work": str(self.work),
            "data_dir": str(settings.data_dir.resolve()),
            "database_url": settings.database_url,
            "mail_dir": str(self.running.mail_dir),
            "elapsed_seconds": round(elapsed, 1),
            "timings": {k: round(v, 1) for k, v in self.timings.items()},
            "rounds": rounds,
            "quarantined": [{"from": m.from_address, "subject": m.subject, "reason": m.reason} for m in quarantined],
            "uploads": self.uploads,
            "emails": self.emails,
            "decisions": self.director.decisions if self.director else [],
            "flow_runs": self.flow_runs,
            "missing": self.missing,
        }


def simulate(work: Path, *, seed: int = 2018, log: Callable[[str], None] = print) -> dict:
    """Replay the reference plan's year in `work` (a fresh folder); the summary."""
    return Simulation(work, seed=seed, log=log).run()
