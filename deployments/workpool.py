"""`prefect.yaml` for a process work pool, generated from `deployments/catalog.py` so the two cannot drift.

Run `python -m deployments.workpool` after changing the catalog to rewrite `prefect.yaml`;
`python -m deployments.workpool --check` exits 1 when the committed file is out of date (a test runs
the same comparison).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.deployments.runner import RunnerDeployment

from deployments.catalog import build

ROOT = Path(__file__).resolve().parent.parent
PREFECT_YAML = ROOT / "prefect.yaml"
POOL = "planflow-pool"

HEADER = """\
# planflow's deployments for a process work pool, for workers on other machines.
# GENERATED from deployments/catalog.py by `python -m deployments.workpool`: do not edit by hand.
#
#   prefect work-pool create planflow-pool --type process
#   planflow db upgrade        # once, before any worker starts: workers never migrate the database
#   cd /path/to/planflow && PLANFLOW_CHECKOUT=/srv/planflow prefect --no-prompt deploy --all
#   # on each worker machine (planflow checked out at /srv/planflow and installed, PLANFLOW_* set):
#   prefect worker start --pool planflow-pool
#
# PLANFLOW_CHECKOUT is where the workers have the checkout; Prefect resolves it when deploying.
# The same deployments, names and schedules as `python -m deployments.serve` serves from one process.
# Settings and secrets come from each worker's PLANFLOW_* environment, never from parameters.
# Workers run in production mode (PLANFLOW_ENV=production): they refuse to start without a private
# PLANFLOW_SECRET_KEY of at least 32 bytes (set it, and the other PLANFLOW_* settings, on each worker machine).
"""


def entrypoint(deployment: RunnerDeployment) -> str:
    """`flows.assign.assign_plan` as prefect.yaml writes it: `flows/assign.py:assign_plan`."""
    module, _, function = (deployment.entrypoint or "").rpartition(".")
    return f"{module.replace('.', '/')}.py:{function}"


def schedules(deployment: RunnerDeployment) -> list[dict[str, Any]]:
    """The deployment's schedules as prefect.yaml entries (cron with its time zone, or an interval in seconds)."""
    out: list[dict[str, Any]] = []
    for created in deployment.schedules or []:
        schedule = created.schedule
        if isinstance(schedule, CronSchedule):
            out.append({"cron": schedule.cron, "timezone": schedule.timezone})
        elif isinstance(schedule, IntervalSchedule):
            out.append({"interval": int(schedule.interval.total_seconds())})
        else:
            raise TypeError(f"{deployment.name}: schedule {schedule!r} has no prefect.yaml form here")
    return out


def entry(deployment: RunnerDeployment) -> dict[str, Any]:
    """One deployment as a prefect.yaml entry."""
    out: dict[str, Any] = {
        "name": deployment.name,
        "entrypoint": entrypoint(deployment),
        "description": deployment.description,
        "tags": list(deployment.tags),
    }
    if deployment.parameters:
        out["parameters"] = dict(deployment.parameters)
    if deployment.schedules:
        out["schedules"] = schedules(deployment)
    # Workers run in production mode: they refuse to start without a private PLANFLOW_SECRET_KEY.
    out["work_pool"] = {"name": POOL, "job_variables": {"env": {"PLANFLOW_ENV": "production"}}}
    return out


def render(deployments: list[RunnerDeployment] | None = None) -> str:
    """The whole prefect.yaml text for these deployments (default: the catalog with the reference plan)."""
    from prefect import __version__

    document = {
        "name": "planflow",
        "prefect-version": __version__,
        "build": None,
        "push": None,
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $PLANFLOW_CHECKOUT }}"}}],
        "deployments": [entry(d) for d in (deployments if deployments is not None else build())],
    }
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return HEADER + body


def main(argv: list[str] | None = None) -> int:
    """Write prefect.yaml (or, with --check, say whether it is up to date)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if prefect.yaml differs from the catalog")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if PREFECT_YAML.read_text(encoding="utf-8") != text:
            print("prefect.yaml is out of date: run `python -m deployments.workpool`", file=sys.stderr)
            return 1
        return 0
    PREFECT_YAML.write_text(text, encoding="utf-8")
    print(f"wrote {PREFECT_YAML}")
    return 0


if __name__ == "__main__":  # nothing runs at import time
    sys.exit(main())
