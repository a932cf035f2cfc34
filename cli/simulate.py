"""`planflow simulate`: replay the reference plan's 2018 cycle on a simulated clock against real local servers."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
from pathlib import Path

import typer

LABELS = (
    ("expected", "expected"),
    ("actual", "actual"),
    ("on_time", "on time"),
    ("late", "late"),
    ("nil", "nil"),
    ("missing", "missing"),
    ("pending", "pending"),
)


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def print_summary(summary: dict) -> None:
    """The statistics of each round, the approval history and the paths of the reports."""
    typer.echo("")
    typer.echo(
        f"Simulated year (seed {summary['seed']}) in {summary['elapsed_seconds']} s; data in {summary['data_dir']}"
    )
    header = f"{'round':<18}" + "".join(f"{label:>9}" for _, label in LABELS) + f"{'rate':>7}{'on time':>9}  state"
    typer.echo(header)
    for key, r in summary["rounds"].items():
        st = r["statistics"]
        typer.echo(
            f"{key:<18}"
            + "".join(f"{st[name]:>9}" for name, _ in LABELS)
            + f"{_rate(st['reporting_rate']):>7}{_rate(st['on_time_rate']):>9}  {r['state']}"
        )
    typer.echo("")
    typer.echo(f"Quarantined messages: {len(summary['quarantined'])}")
    for m in summary["quarantined"]:
        typer.echo(f"  from {m['from']}: {m['reason']}")
    refused = [u for u in summary["uploads"] if u["behaviour"] == "after_lock"]
    for u in refused:
        typer.echo(f"Upload after the lock: {u['agency']} in {u['round']} answered HTTP {u['status']}")
    for d in summary["decisions"]:
        typer.echo(f"Director: {d['decision']} {d['round']} v{d['version']} ({d.get('run_state') or d.get('error')})")
    typer.echo("Reports:")
    for key, r in summary["rounds"].items():
        for d in r["drafts"]:
            typer.echo(f"  {key} v{d['version']} [{d['state']}]: {d['docx']}")
    typer.echo(f"Mailbox (every email sent): {summary['mail_dir']}")
    t = summary.get("timings") or {}
    if t:
        typer.echo(
            f"Time: start-up {t.get('startup')} s, flow runs {t.get('flows')} s ({len(summary['flow_runs'])} runs), "
            f"agencies {t.get('agencies')} s, waiting for approval runs {t.get('director_wait')} s"
        )
    failed = [f for f in summary["flow_runs"] if not f["ok"]]
    if failed:
        typer.echo(f"Flow runs that failed: {len(failed)} of {len(summary['flow_runs'])}", err=True)
    for piece in summary["missing"]:
        typer.echo(f"NOT SIMULATED: {piece}", err=True)


def _interrupt(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _fresh_prefect() -> None:
    """Prefect reads its settings when first imported; the simulation sets them first, so restart clean if too late."""
    if "prefect" not in sys.modules:
        return
    if os.environ.get("PLANFLOW_SIMULATE_FRESH") == "1":
        raise RuntimeError("prefect is imported before `planflow simulate` could set its servers' addresses")
    os.environ["PLANFLOW_SIMULATE_FRESH"] = "1"
    os.execv(sys.executable, [sys.executable, "-m", "cli.main", *sys.argv[1:]])


def simulate(
    seed: int = typer.Option(2018, help="Seed of the agencies' behaviour (same seed, same year)."),
    work_dir: Path = typer.Option(
        None, "--work-dir", help="Fresh folder for the servers and data (default: a new temporary folder, kept)."
    ),
    summary_json: Path = typer.Option(None, "--summary-json", help="Also write the full summary as JSON here."),
    quiet: bool = typer.Option(False, help="Print only the final statistics."),
    keep_running: bool = typer.Option(
        False, help="Afterwards keep the Prefect server up (to browse the runs and artifacts) until Ctrl-C."
    ),
) -> None:
    """Replay the reference plan's 2018 cycle: agencies answer by email and upload, the Director approves; print the outcome."""
    if work_dir is not None and work_dir.resolve().exists() and any(work_dir.resolve().iterdir()):
        raise typer.BadParameter(
            f"{work_dir.resolve()} is not empty; the simulation needs a fresh folder", param_hint="--work-dir"
        )
    _fresh_prefect()
    from simulation.run import Simulation

    work = (work_dir or Path(tempfile.mkdtemp(prefix="planflow-simulation-"))).resolve()
    # SIGTERM stops the simulation like Ctrl-C does: through the `finally` that stops every server.
    signal.signal(signal.SIGTERM, _interrupt)
    sim = Simulation(work, seed=seed, log=(lambda _msg: None) if quiet else typer.echo)
    summary = sim.run(stop=not keep_running)
    if summary_json:
        summary_json.parent.mkdir(parents=True, exist_ok=True)
        summary_json.write_text(json.dumps(summary, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print_summary(summary)
    if keep_running:
        from devstack.stack import Stopper

        stopper = Stopper().install()
        assert sim.servers is not None  # kept running: run(stop=False) leaves them up
        typer.echo(f"\nPrefect UI of the simulated year: {sim.servers.prefect_url}  (Ctrl-C to stop)")
        try:
            while not stopper.sleep(1.0):
                pass
        finally:
            sim.stop()
            stopper.restore()
