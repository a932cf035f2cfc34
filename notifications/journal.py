"""The hand-over journal: which outbox rows a delivery run gave to the SMTP server, and which the server accepted.

A run appends `<id>:<attempt>:handed` just before a message goes to the server and
`<id>:<attempt>:sent` as soon as the server accepts it, with one `write()` each (no fsync: the
kernel keeps what a killed process wrote). The database is told in batches; after a crash the
journal says, for each row left `sending`, whether it never left (queue it again), was accepted
(mark it sent) or was in flight (nobody knows: never send it again).
"""

from __future__ import annotations

import os
from pathlib import Path

HANDED = "handed"
SENT = "sent"


class Journal:
    """The journal of one delivery run, a file `<folder>/run-<uuid>.log`."""

    def __init__(self, folder: Path, run_id: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"run-{run_id}.log"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def handed(self, row_id: int, attempt: int) -> None:
        """Record that this attempt of the row is about to go to the server."""
        os.write(self._fd, f"{row_id}:{attempt}:{HANDED}\n".encode())

    def sent(self, row_id: int, attempt: int) -> None:
        """Record that the server accepted this attempt of the row."""
        os.write(self._fd, f"{row_id}:{attempt}:{SENT}\n".encode())

    def close(self, *, remove: bool) -> None:
        """Close the file; remove it once every outcome it names is in the database."""
        os.close(self._fd)
        if remove:
            self.path.unlink(missing_ok=True)


def read_all(folder: Path) -> tuple[dict[tuple[int, int], str], list[Path]]:
    """The last word of every journal in the folder about each (row id, attempt), and the journal files."""
    seen: dict[tuple[int, int], str] = {}
    files = sorted(folder.glob("run-*.log")) if folder.is_dir() else []
    for path in files:
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split(":")
            if len(parts) != 3 or not (parts[0].isdigit() and parts[1].isdigit()):
                continue  # a line cut short by the crash
            key = (int(parts[0]), int(parts[1]))
            if seen.get(key) != SENT:
                seen[key] = parts[2]
    return seen, files
