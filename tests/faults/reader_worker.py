"""One run of the email reader in its own process, for the test that kills it: `python -m tests.faults.reader_worker CONFIG.json`.

The JSON holds the data folder, database URL, IMAP server and the simulated instant. Exit 0 after a
complete run, 3 when the mailbox was unreachable (the test restarts it), anything else is a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from pydantic import SecretStr

from inbound.collector import collect_replies
from inbound.mailbox import MailboxUnavailable
from models.db import make_engine
from models.settings import DatabaseSettings, ImapSettings, Settings, TrustSettings


def main(config_path: str) -> int:
    config = json.loads(Path(config_path).read_text())
    settings = Settings(
        data_dir=Path(config["data_dir"]),
        db=DatabaseSettings(url=config["db_url"]),
        imap=ImapSettings(
            host=config["imap_host"],
            port=config["imap_port"],
            username=config["imap_user"],
            password=SecretStr(config["imap_password"]),
            batch_size=config["batch_size"],
            timeout=10,
        ),
        trust=TrustSettings(authserv_ids=config["authserv_ids"]),
        limits=Settings().limits.model_copy(update={"max_file_bytes": config["max_file_bytes"]}),
    )
    engine = make_engine(settings.database_url)
    try:
        report = collect_replies(engine=engine, settings=settings, now=dt.datetime.fromisoformat(config["now"]))
    except MailboxUnavailable:
        return 3
    print(json.dumps(report.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
