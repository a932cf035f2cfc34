"""STARTTLS and implicit TLS with a certificate made by trustme, and SMTP AUTH, against a real aiosmtpd."""

from __future__ import annotations

import ssl

import pytest
import trustme
from aiosmtpd.smtp import AuthResult
from pydantic import SecretStr

from models.db import session_scope
from models.tables import OutboxState
from notifications import notices
from notifications.sender import deliver_pending
from tests.outbound.conftest import smtp_settings
from tests.outbound.cycle import AFTER
from tests.smtpd import RecordingHandler, start

USER, PASSWORD = "planflow", "mật-khẩu-bí-mật"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A CA, a server context for 127.0.0.1, and the CA bundle path the client trusts."""
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_ctx)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return server_ctx, path


def _enqueue(world, settings):
    with session_scope(world.engine) as s:
        return notices.enqueue_reminder(
            session=s,
            settings=settings,
            round_id=world.round_id,
            agency_id=world.agencies[0].id,
            step="overdue-1",
            kind="after",
            now=AFTER,
        )


@pytest.mark.parametrize("mode", ["starttls", "tls"])
async def test_tls_and_auth(world, settings, tls, mode):
    server_ctx, ca_path = tls
    handler = RecordingHandler()
    if mode == "starttls":
        kwargs = dict(tls_context=server_ctx, require_starttls=True, auth_require_tls=True)
    else:  # implicit TLS: aiosmtpd does not count the wrapped socket as TLS for auth_require_tls
        kwargs = dict(ssl_context=server_ctx, auth_require_tls=False)
    ctl = start(handler, authenticator=_authenticator, **kwargs)
    try:
        s = smtp_settings(
            settings, ctl.port, security=mode, ca_file=ca_path, username=USER, password=SecretStr(PASSWORD)
        )
        row = _enqueue(world, s)
        report = await deliver_pending(engine=world.engine, settings=s, now=AFTER)
    finally:
        ctl.stop()
    assert report.sent == 1, report.errors
    [got] = handler.received
    assert got.login == USER
    assert got.tls is True
    assert str(got.message()["Message-ID"]) == row.message_id


async def test_wrong_password_is_retried_with_the_reason(world, settings, tls):
    server_ctx, ca_path = tls
    handler = RecordingHandler()
    ctl = start(
        handler, authenticator=_authenticator, auth_require_tls=True, tls_context=server_ctx, require_starttls=True
    )
    try:
        s = smtp_settings(
            settings, ctl.port, security="starttls", ca_file=ca_path, username=USER, password=SecretStr("sai")
        )
        row = _enqueue(world, s)
        report = await deliver_pending(engine=world.engine, settings=s, now=AFTER)
    finally:
        ctl.stop()
    assert report.sent == 0 and report.retried == 1 and handler.received == []
    with session_scope(world.engine) as session:
        from models.tables import OutboundMessage

        stored = session.get(OutboundMessage, row.id)
    assert stored is not None
    assert stored.state == OutboxState.queued and "535" in (stored.last_error or "")


async def test_untrusted_certificate_is_refused(world, settings, tls):
    server_ctx, _ = tls
    handler = RecordingHandler()
    ctl = start(handler, tls_context=server_ctx, require_starttls=True)
    try:
        s = smtp_settings(settings, ctl.port, security="starttls")  # system CA store: trustme's CA is unknown
        _enqueue(world, s)
        report = await deliver_pending(engine=world.engine, settings=s, now=AFTER)
    finally:
        ctl.stop()
    assert report.sent == 0 and handler.received == []
    assert "CERTIFICATE_VERIFY_FAILED" in report.errors[0] or "certificate" in report.errors[0].lower()
