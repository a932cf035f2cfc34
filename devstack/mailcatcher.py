"""A local SMTP catcher (aiosmtpd): every message it accepts is written as an .eml file into a folder.

Run it with `planflow mailcatcher` or `python -m devstack.mailcatcher --host 127.0.0.1 --port 8025 --dir data/mailcatcher`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import os
import signal
import threading
from pathlib import Path

from aiosmtpd.controller import Controller

DATA_SIZE_LIMIT = 64 * 1024 * 1024


class MaildirHandler:
    """aiosmtpd handler writing each accepted message to `<folder>/<time>-<n>-<hash>.eml`, atomically."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        """Store the message with its envelope in front, then accept it."""
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        envelope_lines = (
            f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        with self._lock:
            n = next(self._counter)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{n:06d}-{hashlib.sha256(data).hexdigest()[:10]}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(envelope_lines + data)
        os.replace(tmp, self.folder / name)
        return "250 Message accepted for delivery"


def controller(folder: Path, *, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """A started-on-demand catcher controller (call `.start()` / `.stop()`)."""
    return Controller(
        MaildirHandler(folder), hostname=host, port=port, data_size_limit=DATA_SIZE_LIMIT, enable_SMTPUTF8=True
    )


def run(folder: Path, *, host: str = "127.0.0.1", port: int = 8025) -> None:
    """Run the catcher in the foreground until SIGINT or SIGTERM."""
    ctl = controller(folder, host=host, port=port)
    ctl.start()
    print(f"mail catcher listening on {host}:{port}, writing to {Path(folder).resolve()}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        ctl.stop()


def main(argv: list[str] | None = None) -> None:
    """Command-line entry: --host, --port, --dir."""
    parser = argparse.ArgumentParser(description=str(__doc__).splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path("data/mailcatcher"))
    args = parser.parse_args(argv)
    run(args.dir, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
