"""The upload portal: an agency's personal link shows its round and tasks and takes its report, recorded like an email reply."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from models.db import session_scope
from models.settings import Settings
from models.tokens import RoundAgency, form_token, read_upload_token
from portal import intake
from portal.pages import Pages
from portal.security import SecurityHeaders
from portal.uploadform import BodyStream, FormRefused, body_limit, read_upload_form
from portal.views import LinkView, load_link

Clock = Callable[[], dt.datetime]
DRAIN_BYTES = 1024 * 1024
DRAIN_SECONDS = 2.0


def system_clock() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


def create_app(settings: Settings, engine: sa.Engine, *, clock: Clock | None = None) -> FastAPI:
    """The portal's ASGI app for these settings and this database; `clock` lets tests pick the instant."""
    now_of = clock or system_clock
    secret = settings.secret_key.get_secret_value()
    pages = Pages(settings)
    app = FastAPI(title="planflow portal", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SecurityHeaders)
    app.state.settings = settings
    app.state.engine = engine

    def verify(token: str, now: dt.datetime) -> RoundAgency | None:
        # The current key, then former keys until their date (key rotation).
        for key in settings.verification_secrets(now):
            link = read_upload_token(key, token, now=now)
            if link is not None:
                return link
        return None

    def discard(item) -> None:
        intake.discard_sink(item, settings=settings, engine=engine)

    def view_of(link: RoundAgency, now: dt.datetime) -> LinkView | None:
        with session_scope(engine) as session:
            return load_link(session=session, link=link, now=now)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return pages.bad_link()
        return pages.refused(exc.status_code, "Yêu cầu không hợp lệ", "Trang không xử lý được yêu cầu này.")

    @app.exception_handler(RequestValidationError)
    async def _malformed(request: Request, exc: RequestValidationError) -> Response:
        return pages.bad_link()

    @app.exception_handler(Exception)
    async def _failure(request: Request, exc: Exception) -> Response:
        return pages.refused(
            500, "Hệ thống đang gặp sự cố", "Trang tạm thời không xử lý được yêu cầu. Xin thử lại sau ít phút."
        )

    @app.get("/healthz", include_in_schema=False)
    def health() -> Response:
        """Liveness and database reachability, for the run command and a reverse proxy."""
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return PlainTextResponse("ok")

    @app.get("/static/portal.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(
            pages.stylesheet, media_type="text/css; charset=utf-8", headers={"cache-control": "public, max-age=3600"}
        )

    @app.get("/static/portal.js", include_in_schema=False)
    def script() -> Response:
        return Response(
            pages.script, media_type="text/javascript; charset=utf-8", headers={"cache-control": "public, max-age=3600"}
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204, headers={"cache-control": "public, max-age=86400"})

    @app.get("/u/{token}", response_class=HTMLResponse)
    def show_link(token: str) -> Response:
        now = now_of()
        link = verify(token, now)
        view = view_of(link, now) if link else None
        if view is None:
            return pages.bad_link()
        return pages.link(view, token=token, now=now, csrf=form_token(secret, token))

    @app.get("/u/{token}/lan/{version}", response_class=HTMLResponse)
    def show_receipt(token: str, version: int) -> Response:
        now = now_of()
        link = verify(token, now)
        view = view_of(link, now) if link else None
        chosen = next((v for v in view.history if v.submission.version == version), None) if view else None
        if view is None or chosen is None:
            return pages.bad_link()
        return pages.receipt(view, chosen, token=token, now=now)

    async def refuse(body: BodyStream, response: Response) -> Response:
        # Read what is left of a small refused body so the answer arrives; give up on a big one and close.
        if not body.done and not await body.drain(max_bytes=DRAIN_BYTES, seconds=DRAIN_SECONDS):
            response.headers["connection"] = "close"
        return response

    @app.post("/u/{token}", response_class=HTMLResponse)
    async def submit(token: str, request: Request) -> Response:
        now = now_of()
        body = BodyStream(request.receive)
        link = verify(token, now)
        view = await run_in_threadpool(view_of, link, now) if link else None
        if link is None or view is None:
            return await refuse(body, pages.bad_link())
        if view.locked:
            return await refuse(body, pages.link(view, token=token, now=now, csrf="", status=403))
        limits = settings.limits
        max_text_bytes = limits.max_text_chars * 4
        declared = request.headers.get("content-length")
        text_fields = 3 * len(view.tasks) + 4
        ceiling = body_limit(
            max_files=limits.max_files,
            max_file_bytes=limits.max_file_bytes,
            max_text_bytes=max_text_bytes,
            text_fields=text_fields,
        )
        if declared is not None and (not declared.isdigit() or int(declared) > ceiling):
            return await refuse(body, pages.refused(413, "Không nhận được báo cáo", intake.too_big_message(settings)))
        try:
            form = await read_upload_form(
                body.chunks(),
                content_type=request.headers.get("content-type", ""),
                csrf_expected=form_token(secret, token),
                max_files=limits.max_files,
                max_text_bytes=max_text_bytes,
                max_total_text_bytes=text_fields * max_text_bytes,
                open_sink=lambda name, media_type: intake.open_sink(settings, name, media_type),
                close_sink=intake.close_sink,
                discard_sink=discard,
            )
        except FormRefused as refusal:
            return await refuse(body, pages.refused(refusal.status, "Không nhận được báo cáo", refusal.message))
        except intake.FileRefused as refusal:
            answer = pages.refused(
                intake.refusal_status(refusal), "Không nhận được tệp đính kèm", intake.refusal_message(refusal)
            )
            return await refuse(body, answer)
        except ClientDisconnect:
            return Response(status_code=400)

        entry = intake.entry_of(form, tasks=view.tasks, max_text_chars=limits.max_text_chars)
        if entry.problem:
            intake.discard_all(form.files, settings=settings, engine=engine)
            return pages.link(
                view,
                token=token,
                now=now,
                csrf=form_token(secret, token),
                error=entry.problem,
                values=form.fields,
                status=400,
            )
        # Received when the last byte arrived, as an email is received when its delivery completes.
        received_at = now_of()
        try:
            recorded = await run_in_threadpool(
                intake.record,
                settings=settings,
                engine=engine,
                link=link,
                entry=entry,
                files=form.files,
                received_at=received_at,
            )
        except intake.NotOnRoster:
            intake.discard_all(form.files, settings=settings, engine=engine)
            return pages.bad_link()
        if recorded.locked:
            intake.discard_all(form.files, settings=settings, engine=engine)
            view = await run_in_threadpool(view_of, link, received_at)
            if view is None:  # the roster entry went away while the reply was being recorded
                return pages.bad_link()
            return pages.link(view, token=token, now=received_at, csrf="", status=403)
        return RedirectResponse(f"/u/{token}/lan/{recorded.version}", status_code=303)

    return app
