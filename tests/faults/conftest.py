"""The `faults` suite: real servers, injected faults, and one summary line at the end of the run.

Each test adds what it did to the session's ledger; `pytest_terminal_summary` prints it, so a run of
`pytest -m faults tests/faults` ends with: faults injected, messages sent and received, duplicates,
replies lost, hostile inputs tried, crashes (the last three must be 0... the tests assert it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pytest


@dataclass
class Ledger:
    """What the faults suite did and saw, summed over its tests."""

    faults_injected: int = 0
    messages_sent: int = 0
    messages_received: int = 0
    replies_sent: int = 0
    replies_recorded: int = 0
    duplicates: int = 0
    replies_lost: int = 0
    hostile_inputs: int = 0
    crashes: int = 0
    tests: int = 0

    def line(self) -> str:
        """The summary line."""
        return "faults summary: " + ", ".join(f"{k.replace('_', ' ')}={v}" for k, v in asdict(self).items())


LEDGER = Ledger()


@pytest.fixture
def ledger() -> Ledger:
    """The session's ledger (one object for the whole run)."""
    LEDGER.tests += 1
    return LEDGER


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the ledger once the faults tests ran."""
    if LEDGER.tests:
        terminalreporter.write_sep("=", "faults")
        terminalreporter.write_line(LEDGER.line())
