"""Entry point of the `planflow` command: one sub-command group per concern."""

from __future__ import annotations

import typer

from cli import calendar, db, plan

app = typer.Typer(help="planflow: runs a provincial work plan (Kế hoạch) on Prefect.", no_args_is_help=True)
app.add_typer(plan.app, name="plan", help="Validate, show and load plan files.")
app.add_typer(db.app, name="db", help="Application database.")
app.command(name="calendar")(calendar.calendar)
app.command(name="up")(__import__("cli.up", fromlist=["up"]).up)
app.command(name="simulate")(__import__("cli.simulate", fromlist=["simulate"]).simulate)
app.add_typer(__import__("cli.portal", fromlist=["app"]).app, name="portal", help="Upload portal (personal links).")
__import__("cli.mail", fromlist=["register"]).register(app)
app.add_typer(__import__("cli.report", fromlist=["app"]).app, name="report", help="The consolidated report of a round.")
__import__("cli.cycle", fromlist=["register"]).register(app)
__import__("cli.replies", fromlist=["register"]).register(app)

if __name__ == "__main__":
    app()
