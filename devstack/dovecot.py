"""A private Dovecot IMAP server on 127.0.0.1, all its state in one temporary folder (tests and the simulation)."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from devstack.stack import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

_CONFIG = """\
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:~/Maildir
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = 0
mail_max_userip_connections = 100
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={base}/home/%u
}}
"""


@dataclass
class DovecotServer:
    """A running private Dovecot: where to connect and how to log in."""

    host: str
    port: int
    base_dir: Path
    users: dict[str, str] = field(default_factory=dict)
    _owns_dir: bool = True

    @property
    def user(self) -> str:
        """The first (default) mailbox user."""
        return next(iter(self.users))

    @property
    def password(self) -> str:
        """The default user's password."""
        return self.users[self.user]

    def pid(self) -> int | None:
        """The master process id, or None once stopped."""
        try:
            return int((self.base_dir / "run" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self, *, remove: bool = True) -> None:
        """Stop the server (SIGTERM to its master process) and, by default, delete its folder."""
        pid = self.pid()
        if pid:
            try:
                # The master leads its own process group: stopping the whole group at once is
                # about ten times faster than letting the master wind its children down.
                os.killpg(pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            for _ in range(250):
                if not _alive(pid):
                    break
                time.sleep(0.02)
        if remove and self._owns_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def restart(self) -> None:
        """Start the server again on the same port with the same mail (after `stop(remove=False)`)."""
        _launch(self.base_dir, self.port)

    def log(self) -> str:
        """Dovecot's log, for diagnosing a failed test."""
        try:
            return (self.base_dir / "dovecot.log").read_text(errors="replace")
        except OSError:
            return ""


def _alive(pid: int) -> bool:
    """True while the process runs; a zombie (exited, not yet reaped by init) counts as stopped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _launch(base: Path, port: int) -> None:
    # The daemon inherits stdout/stderr: give it a file, not a pipe that would never close.
    with open(base / "start.out", "w+b") as out:
        proc = subprocess.run(
            [DOVECOT, "-c", str(base / "dovecot.conf")], stdout=out, stderr=out, stdin=subprocess.DEVNULL
        )
        if proc.returncode != 0:
            out.seek(0)
            raise RuntimeError(f"dovecot failed to start: {out.read().decode(errors='replace')}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                if s.recv(64).startswith(b"* OK"):
                    return
        except OSError:
            time.sleep(0.05)
    log = (base / "dovecot.log").read_text(errors="replace")
    raise RuntimeError(f"dovecot did not answer on port {port}: {log}")


def start_dovecot(
    *, users: dict[str, str] | None = None, base_dir: Path | None = None, port: int | None = None
) -> DovecotServer:
    """Start Dovecot on a free loopback port with passwd-file users and maildir storage; returns how to reach it."""
    users = users or {"baocao": "matkhau-thu-nghiem"}
    owns = base_dir is None
    base = Path(base_dir or tempfile.mkdtemp(prefix="planflow-dovecot-"))
    port = port or free_port()
    dovecot = pwd.getpwnam("dovecot")
    for sub in ("run", "state", "home"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    # The dovecot user must reach the mail folder through every parent.
    p = base
    while p != p.parent:
        try:
            p.chmod(p.stat().st_mode | 0o711)
        except PermissionError:
            pass
        p = p.parent
    for user in users:
        home = base / "home" / user
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, dovecot.pw_uid, dovecot.pw_gid)
    os.chown(base / "home", dovecot.pw_uid, dovecot.pw_gid)
    (base / "passwd").write_text("".join(f"{u}:{{PLAIN}}{pw}\n" for u, pw in users.items()))
    (base / "dovecot.conf").write_text(_CONFIG.format(base=base, port=port, uid=dovecot.pw_uid, gid=dovecot.pw_gid))
    _launch(base, port)
    return DovecotServer(host="127.0.0.1", port=port, base_dir=base, users=dict(users), _owns_dir=owns)


if __name__ == "__main__":  # pragma: no cover - manual use
    server = start_dovecot()
    print(f"dovecot on {server.host}:{server.port} user={server.user} password={server.password} dir={server.base_dir}")
    try:
        signal.pause()
    finally:
        server.stop()
