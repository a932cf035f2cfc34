"""A private PostgreSQL server in a temporary folder, on a free loopback port, that a test may stop and start.

The machine's shared server (127.0.0.1:5432) is never touched: this one belongs to the test alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devstack.stack import free_port

BIN = Path("/usr/lib/postgresql")


def _bin(name: str) -> str:
    versions = sorted(BIN.glob("*/bin"), reverse=True)
    if not versions:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql")
    return str(versions[0] / name)


def _as_postgres(args: list[str]) -> subprocess.CompletedProcess:
    # initdb and the server refuse to run as root: run them as the postgres user when we are root.
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


@dataclass
class PrivatePostgres:
    """A stoppable PostgreSQL server of our own."""

    base: Path
    port: int

    @property
    def url(self) -> str:
        """SQLAlchemy URL of its `postgres` database (trust authentication, loopback only)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        done = _as_postgres(
            [
                _bin("pg_ctl"),
                "-D",
                str(self.base / "data"),
                "-l",
                str(self.base / "server.log"),
                "-o",
                f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1",
                "-w",
                "start",
            ]
        )
        if done.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {done.stdout}{done.stderr}")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server (`immediate`: as a crash would, without a clean shutdown)."""
        _as_postgres([_bin("pg_ctl"), "-D", str(self.base / "data"), "-m", mode, "-w", "stop"])

    def remove(self) -> None:
        """Stop it and delete its folder."""
        self.stop("fast")
        shutil.rmtree(self.base, ignore_errors=True)


def start_private_postgres() -> PrivatePostgres:
    """initdb in a fresh folder and start the server on a free port."""
    base = Path(tempfile.mkdtemp(prefix="planflow-pg-"))
    os.chmod(base, 0o777)  # the postgres user writes its socket and log here
    server = PrivatePostgres(base=base, port=free_port())
    done = _as_postgres([_bin("initdb"), "-D", str(base / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8"])
    if done.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {done.stdout}{done.stderr}")
    server.start()
    return server
