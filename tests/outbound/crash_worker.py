"""A delivery run in its own process, for the test that kills it mid-batch: `python -m tests.outbound.crash_worker URL PORT DATA NOW`."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from pathlib import Path

from models.db import make_engine
from models.settings import DatabaseSettings, Settings
from notifications.sender import deliver_pending


def main(url: str, port: str, data: str, now: str) -> None:
    """Deliver everything due at `now` to 127.0.0.1:`port` over two connections."""
    settings = Settings(data_dir=Path(data), db=DatabaseSettings(url=url))
    settings = settings.model_copy(
        update={
            "smtp": settings.smtp.model_copy(
                update={"host": "127.0.0.1", "port": int(port), "concurrency": 2, "rate_per_second": 0, "timeout": 10}
            )
        }
    )
    asyncio.run(deliver_pending(engine=make_engine(url), settings=settings, now=dt.datetime.fromisoformat(now)))


if __name__ == "__main__":
    main(*sys.argv[1:5])
