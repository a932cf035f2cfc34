"""`planflow serve`, `round open`, `tick`, `approve`, `revise`: the cycle's flows by hand."""

from __future__ import annotations

import datetime as dt

import typer

NOW_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z"]
NOW_HELP = "Act as of this instant, with its offset (e.g. 2018-06-12T08:00:00+0700); default: now."

round_app = typer.Typer(no_args_is_help=True, help="Reporting rounds.")


def serve(plan_file: str | None = typer.Argument(None, help="Plan file (default: the reference plan).")) -> None:
    """Serve every deployment with its schedule from this process (PREFECT_API_URL must name the server)."""
    from deployments.serve import main

    main(plan_file)


@round_app.command("open")
def open_round(
    round_key: str = typer.Argument(..., metavar="ROUND", help="Round key, e.g. six-month-2018."),
    plan_key: str | None = typer.Option(None, "--plan", help="Plan key, when several plans have this round key."),
    now: dt.datetime | None = typer.Option(None, formats=NOW_FORMATS, help=NOW_HELP),
) -> None:
    """Open a round now: freeze its roster and send the requests (runs the open-round flow)."""
    from flows.rounds import open_round_flow

    typer.echo(open_round_flow(round_key=round_key, plan_key=plan_key, now=now))


def tick(now: dt.datetime | None = typer.Option(None, formats=NOW_FORMATS, help=NOW_HELP)) -> None:
    """Run the daily-cycle flow once (open due rounds, reminders, digests, locks, consolidation, approvals)."""
    from flows.daily import daily_cycle

    typer.echo(daily_cycle(now=now))


def approve(
    round_key: str = typer.Argument(..., metavar="ROUND", help="Round whose draft waits for the decision."),
    decision: str = typer.Option(..., "--decision", help="approve or return."),
    director: str = typer.Option(..., "--director", help="Name of the person deciding."),
    comments: str = typer.Option("", "--comments", help="Comments (needed when returning)."),
) -> None:
    """Answer the Director's form without the UI: resume the suspended approve-and-send run of a round."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.flow_runs import resume_flow_run

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["approve-and-send"])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
        )
    waiting = [r for r in runs if r.parameters.get("round_key") == round_key]
    if not waiting:
        typer.echo(f"no approval of {round_key} is waiting", err=True)
        raise typer.Exit(2)
    run = max(waiting, key=lambda r: r.created or dt.datetime.min.replace(tzinfo=dt.UTC))
    resume_flow_run(run.id, run_input={"decision": decision, "comments": comments, "director": director})
    typer.echo(f"resumed {run.name} ({run.id}) with decision {decision}; the serving process finishes it")


def revise(
    round_key: str = typer.Argument(..., metavar="ROUND", help="Round whose draft the Director returned."),
    now: dt.datetime | None = typer.Option(None, formats=NOW_FORMATS, help=NOW_HELP),
) -> None:
    """Build a new draft version of a returned report and send it back for approval (runs revise-report)."""
    from flows.approval import revise_report

    typer.echo(revise_report(round_key=round_key, now=now))


def register(app: typer.Typer) -> None:
    """Add the cycle's commands to the `planflow` app."""
    app.command(name="serve")(serve)
    app.command(name="tick")(tick)
    app.command(name="approve")(approve)
    app.command(name="revise")(revise)
    app.add_typer(round_app, name="round", help="Reporting rounds.")
