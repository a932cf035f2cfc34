"""`planflow portal`: run the upload portal (personal links) under uvicorn."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: PLANFLOW_PORTAL_HOST)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: PLANFLOW_PORTAL_PORT)."),
    migrate: bool = typer.Option(True, help="Bring the database schema up to date first."),
) -> None:
    """Serve the upload portal; GET /healthz answers 'ok' once it is up."""
    import uvicorn

    from models.db import engine_for, prepare
    from models.settings import get_settings
    from portal.accesslog import redact_access_log
    from portal.app import create_app

    settings = get_settings()
    engine = prepare(settings) if migrate else engine_for(settings)
    host = host or settings.portal.host
    port = port or settings.portal.port
    typer.echo(f"portal listening on http://{host}:{port} (public address {settings.portal.public_url})")
    config = uvicorn.Config(
        create_app(settings, engine),
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
        log_level="info",
    )
    server = uvicorn.Server(config)
    # uvicorn configures its loggers when the config loads; the filter goes on after that.
    redact_access_log()
    server.run()
