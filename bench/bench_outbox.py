"""Benchmark: messages/second through planflow's outbox vs raw pooled aiosmtplib vs prefect-email (not a test).

An aiosmtpd sink runs in its own process. In one run, N messages are written to the outbox (SQLite)
and delivered by `deliver_pending`; the same N raw messages are sent by plain aiosmtplib over the
same number of pooled connections (the baseline); and `prefect_email.email_send_message` sends
messages one call each, called through its `.fn` (the task body, without Prefect's task engine,
which would only add overhead). Outbox and raw alternate for a few rounds on the same sink (the
outbox rows are put back in the queue each round) and the medians are compared, since a shared
2-core machine is noisy. Usage: `python bench/bench_outbox.py [--n 2000] [--prefect-n 300]`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

NOW = dt.datetime(2018, 6, 11, 1, tzinfo=dt.UTC)
TEXT = (
    "Kính gửi: Sở Văn hóa, Thể thao và Du lịch\n\n"
    'Sở Thông tin và Truyền thông xin nhắc: hạn gửi báo cáo "Kết quả thực hiện công tác thông tin đối ngoại '
    '6 tháng đầu năm 2018" là trước ngày 15 tháng 6 năm 2018 (còn 3 ngày 16 giờ).\n\n'
) * 6
HTML = "<p>" + TEXT.replace("\n\n", "</p><p>") + "</p>"


def _sink(port: int, counter, ready) -> None:
    """The SMTP sink process: accept and count."""
    from aiosmtpd.controller import Controller

    class Count:
        """Accept and count every message."""

        async def handle_DATA(self, server, session, envelope):
            """Count and accept."""
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    ctl = Controller(Count(), hostname="127.0.0.1", port=port, data_size_limit=0)
    ctl.start()
    ready.set()
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


def _message(i: int):
    from notifications.compose import compose
    from notifications.render import Rendered

    return compose(
        sender="Sở Thông tin và Truyền thông <sotttt@vinhlong.example.gov.vn>",
        to=[f"Văn thư đơn vị {i} <vanthu{i}@example.gov.vn>"],
        rendered=Rendered(
            f"[BC-SIX-MONTH-2018/A{i}] Nhắc hạn báo cáo: Kết quả thực hiện công tác thông tin đối ngoại", TEXT, HTML
        ),
        message_id=f"<bench-{i}@vinhlong.example.gov.vn>",
        date=NOW,
    )


class OutboxBench:
    """N messages written once through `outbox.enqueue`; each round puts them back in the queue and delivers them."""

    def __init__(self, n: int, port: int, concurrency: int):
        from models.db import make_engine, upgrade
        from models.settings import DatabaseSettings, Settings

        data = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
        settings = Settings(data_dir=data, db=DatabaseSettings(url=f"sqlite:///{data / 'bench.db'}"))
        self.settings = settings.model_copy(
            update={
                "smtp": settings.smtp.model_copy(
                    update={
                        "host": "127.0.0.1",
                        "port": port,
                        "concurrency": concurrency,
                        "rate_per_second": 0,
                        "timeout": 30,
                    }
                )
            }
        )
        upgrade(self.settings.database_url)
        self.engine = make_engine(self.settings.database_url)
        self.n = n

    def enqueue(self) -> float:
        """Compose and write the N messages; returns the seconds it took."""
        from models.db import session_scope
        from notifications.outbox import enqueue

        t0 = time.perf_counter()
        with session_scope(self.engine) as s:
            for i in range(self.n):
                enqueue(session=s, key=f"bench:{i}", kind="bench", message=_message(i), now=NOW)
        with self.engine.begin() as conn:  # fold the WAL written by the enqueue into the database file
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return time.perf_counter() - t0

    async def deliver(self) -> float:
        """Queue every row again and deliver them all; returns the seconds `deliver_pending` took."""
        import sqlalchemy as sa

        from models.tables import OutboundMessage
        from notifications.sender import deliver_pending

        with self.engine.begin() as conn:
            conn.execute(
                sa.update(OutboundMessage).values(state="queued", attempts=0, next_attempt_at=None, sent_at=None)
            )
        with self.engine.begin() as conn:  # the reset's WAL is the reset's cost, not the delivery's
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        t0 = time.perf_counter()
        report = await deliver_pending(engine=self.engine, settings=self.settings, now=NOW)
        elapsed = time.perf_counter() - t0
        assert report.sent == self.n, report
        return elapsed


async def bench_raw(n: int, port: int, concurrency: int) -> float:
    """The baseline: the same raw messages over `concurrency` pooled aiosmtplib connections."""
    import aiosmtplib

    from notifications.compose import raw_bytes

    raws = [raw_bytes(_message(i)) for i in range(n)]
    queue: asyncio.Queue = asyncio.Queue()
    for i, raw in enumerate(raws):
        queue.put_nowait((f"vanthu{i}@example.gov.vn", raw))

    async def worker():
        """One pooled connection draining the queue."""
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30, start_tls=False)
        await client.connect()
        while not queue.empty():
            rcpt, raw = queue.get_nowait()
            await client.sendmail("sotttt@vinhlong.example.gov.vn", [rcpt], raw)
        await client.quit()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0


async def bench_prefect_email(n: int, port: int) -> float:
    """prefect-email's task body, one message (one SMTP connection) per call."""
    from prefect_email import EmailServerCredentials, email_send_message

    creds = EmailServerCredentials(smtp_server="127.0.0.1", smtp_type="INSECURE", smtp_port=port, username=None)
    t0 = time.perf_counter()
    for i in range(n):
        await email_send_message.fn(
            subject=f"[BC-SIX-MONTH-2018/A{i}] Nhắc hạn báo cáo",
            msg=HTML,
            msg_plain=TEXT,
            email_server_credentials=creds,
            email_from="sotttt@vinhlong.example.gov.vn",
            email_to=[f"vanthu{i}@example.gov.vn"],
        )
    return time.perf_counter() - t0


def main() -> None:
    """Run the three measurements and print the figures."""
    parser = argparse.ArgumentParser(description=str(__doc__).splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--prefect-n", type=int, default=300, help="messages sent through prefect-email (it is slow)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--rounds", type=int, default=5, help="alternating rounds of outbox and raw; medians are reported"
    )
    args = parser.parse_args()

    from devstack.stack import free_port

    port = free_port()
    counter, ready = mp.Value("i", 0), mp.Event()
    sink = mp.Process(target=_sink, args=(port, counter, ready), daemon=True)
    sink.start()
    ready.wait(30)
    outbox_runs, raw_runs = [], []
    try:
        bench = OutboxBench(args.n, port, args.concurrency)
        enq = bench.enqueue()
        for r in range(args.rounds):
            order = ("outbox", "raw") if r % 2 == 0 else ("raw", "outbox")
            for which in order:
                before = counter.value
                if which == "outbox":
                    outbox_runs.append(asyncio.run(bench.deliver()))
                else:
                    raw_runs.append(asyncio.run(bench_raw(args.n, port, args.concurrency)))
                assert counter.value - before == args.n, "the sink must count exactly the messages sent"
        before = counter.value
        pe_s = asyncio.run(bench_prefect_email(args.prefect_n, port))
        assert counter.value - before == args.prefect_n
    finally:
        sink.terminate()
        sink.join()

    rate_outbox = args.n / statistics.median(outbox_runs)
    rate_raw = args.n / statistics.median(raw_runs)
    rate_pe = args.prefect_n / pe_s
    fmt = lambda runs: ", ".join(f"{args.n / t:.0f}" for t in runs)  # noqa: E731
    print(
        f"N={args.n} messages per round, {args.rounds} alternating rounds, {args.concurrency} pooled connections, "
        f"aiosmtpd sink in its own process; prefect-email: {args.prefect_n} messages, one connection each, via .fn"
    )
    print(f"outbox enqueue (compose + SQLite insert)   : {args.n / enq:8.1f} msg/s  (not in the delivery figure)")
    print(f"outbox deliver_pending (median)            : {rate_outbox:8.1f} msg/s  rounds: {fmt(outbox_runs)}")
    print(f"raw aiosmtplib, pooled (median, baseline)  : {rate_raw:8.1f} msg/s  rounds: {fmt(raw_runs)}")
    print(f"prefect-email email_send_message.fn        : {rate_pe:8.1f} msg/s")
    print(f"ratio outbox / raw pooled                  : {rate_outbox / rate_raw:8.2f}  (target >= 0.80)")
    print(f"ratio outbox / prefect-email               : {rate_outbox / rate_pe:8.2f}")
    print(f"ratio raw pooled / prefect-email           : {rate_raw / rate_pe:8.2f}")


if __name__ == "__main__":
    main()
