"""Serve every planflow deployment with its schedule from one process (the embedded default).

Run with `python -m deployments.serve [PLAN_FILE]` (or `planflow serve`) and PREFECT_API_URL set.
Stopping it (SIGTERM, Ctrl-C) loses nothing: daily-cycle computes what is due and not yet sent
on every run, and a suspended approval waits on the server until the next start.
"""

from __future__ import annotations

import sys


def main(plan_file: str | None = None) -> None:
    """Register and serve every deployment until stopped."""
    from prefect import serve

    from deployments.catalog import build

    serve(*build(plan_file), print_starting_message=True)


if __name__ == "__main__":  # serve() reloads flow modules for each run: nothing runs at import time
    main(sys.argv[1] if len(sys.argv) > 1 else None)
