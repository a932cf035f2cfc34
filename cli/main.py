"""Entry point of the `planflow` command: one sub-command group per concern."""

from __future__ import annotations

import typer

from cli import calendar, cycle, db, files, mail, plan, portal, replies, report, simulate, up

app = typer.Typer(help="planflow: runs a provincial work plan (Kế hoạch) on Prefect.", no_args_is_help=True)
app.add_typer(plan.app, name="plan", help="Validate, show and load plan files.")
app.add_typer(db.app, name="db", help="Application database.")
app.command(name="calendar")(calendar.calendar)
app.command(name="up")(up.up)
app.command(name="simulate")(simulate.simulate)
app.add_typer(portal.app, name="portal", help="Upload portal (personal links).")
app.add_typer(report.app, name="report", help="The consolidated report of a round.")
app.add_typer(files.app, name="files", help="The stored files: remove those no row refers to.")
mail.register(app)
cycle.register(app)
replies.register(app)

if __name__ == "__main__":
    app()
