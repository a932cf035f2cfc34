"""Real aiosmtpd servers on loopback for every test: one recording handler and the fault-injecting ones derived from it.

Modelled on aiosmtplib's `tests/smtpd.py`: the root conftest's `smtp` fixture serves a `RecordingHandler`;
tests that need faults start a `FaultyHandler` or `RcptRefusingHandler` themselves with `start`.
"""

from __future__ import annotations

import asyncio
import email
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller

from devstack.stack import free_port


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None = None
    tls: bool = False

    def message(self) -> EmailMessage:
        """The message parsed with the modern email policy."""
        return email.message_from_bytes(self.data, policy=policy.default)


def _message_id(data: bytes) -> str:
    return str(BytesHeaderParser(policy=policy.default).parsebytes(data).get("Message-ID", "")).strip()


@dataclass
class RecordingHandler:
    """Accepts every message and keeps it; counts connections and attempts per Message-ID."""

    received: list[Received] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)
    connections: int = 0
    delay: float = 0.0
    port: int = 0  # set by `start`
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    def decide(self, message_id: str, attempt: int) -> str:
        """The answer to the DATA of this message at this attempt: '250' accepts; override to inject faults."""
        return "250"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        mid = _message_id(data)
        with self.lock:
            self.attempts[mid] += 1
            attempt = self.attempts[mid]
        if self.delay:
            await asyncio.sleep(self.delay)
        answer = self.decide(mid, attempt)
        if answer == "drop":
            # Close the connection without answering the final dot: the client cannot know the outcome.
            server.transport.close()
            return "421 closing"
        if not answer.startswith("250"):
            return answer
        login = session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data
        with self.lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    data,
                    login=login,
                    tls=server.transport.get_extra_info("ssl_object") is not None,
                )
            )
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        """The accepted messages, parsed, in arrival order."""
        with self.lock:
            return [r.message() for r in self.received]

    def kinds(self) -> list[str]:
        """The X-Planflow-Kind header of every accepted message, in arrival order."""
        return [str(m["X-Planflow-Kind"]) for m in self.messages]

    def count(self, kind: str) -> int:
        """How many accepted messages are of one kind."""
        return self.kinds().count(kind)

    def accepted(self) -> Counter:
        """How many times the server accepted each Message-ID."""
        with self.lock:
            return Counter(_message_id(r.data) for r in self.received)

    def by_message_id(self) -> dict[str, Received]:
        """The accepted messages, by Message-ID."""
        with self.lock:
            return {_message_id(r.data): r for r in self.received}


class FaultyHandler(RecordingHandler):
    """Answers each message according to a script: Message-ID → list of answers per attempt ('250', '451 ...', 'drop')."""

    def __init__(self, script: Callable[[str, int], str]):
        super().__init__()
        self.script = script

    def decide(self, message_id: str, attempt: int) -> str:
        return self.script(message_id, attempt)


class RcptRefusingHandler(RecordingHandler):
    """Refuses chosen recipients at RCPT with a 550."""

    def __init__(self, refused: set[str]):
        super().__init__()
        self.refused = {a.lower() for a in refused}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def body(message: EmailMessage, subtype: str = "plain") -> str:
    """The text of a message's plain or html body (an assertion error if it has none)."""
    part = message.get_body((subtype,))
    assert isinstance(part, EmailMessage), f"no text/{subtype} body"
    return part.get_content()


def start(handler, **kwargs) -> Controller:
    """Start a Controller for `handler` on a free loopback port."""
    ctl = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    ctl.start()
    handler.port = ctl.port
    return ctl
