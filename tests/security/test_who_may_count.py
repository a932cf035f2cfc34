"""Who may count (issue #13, point 3 and finding 3): a claim in a header is not a signature.

Finding 3: a reply was also matched by the subject tag or by In-Reply-To, the request's Message-ID was
an unkeyed hash of round and agency, and no SPF/DKIM/DMARC result was looked at: a From forged in an
allowed domain was recorded and became the counted version.
"""

from __future__ import annotations

import base64
import hashlib

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr
from sqlmodel import Session, select

from inbound.ingest import UNAUTHENTICATED, ingest_raw
from inbound.quarantine import quarantine_entries
from models.settings import Settings
from models.tables import InboundMessage, OutboundMessage, RosterEntry, Submission
from notifications import addressing, notices
from tests.inbound.conftest import ON_TIME
from tests.security.conftest import AUTHSERV_ID
from tests.security.hostile import reply

SIX = "six-month-2018"
CONTACT = "vanthu@skhdt.vinhlong.example"  # SKHDT's focal point in the reference contacts
TAGGED = "Trả lời: [BC-SIX-MONTH-2018/SKHDT] Báo cáo 6 tháng"
SELECTOR = b"planflow-test"


@pytest.fixture(scope="module")
def dkim_key() -> tuple[bytes, dict[bytes, bytes]]:
    """A private key generated here, and the DNS table that publishes its public half (no network)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)
    return private, {SELECTOR + b"._domainkey.skhdt.vinhlong.example.": record}


def table_dns(table: dict[bytes, bytes]):
    """A dnsfunc for dkimpy answering from a local table."""

    def lookup(name, timeout=5):
        key = name if isinstance(name, bytes) else name.encode()
        return table.get(key if key.endswith(b".") else key + b".")

    return lookup


def _signed(raw: bytes, private: bytes, domain: bytes = b"skhdt.vinhlong.example") -> bytes:
    signature = dkim.sign(
        raw, SELECTOR, domain, private, include_headers=[b"from", b"to", b"subject", b"date", b"message-id"]
    )
    return signature + raw


def _status(world, code="SKHDT"):
    round_id, agency_id = world.ids[(SIX, code)]
    with Session(world.engine) as s:
        entry = s.exec(
            select(RosterEntry).where(RosterEntry.round_id == round_id, RosterEntry.agency_id == agency_id)
        ).one()
        subs = s.exec(
            select(Submission).where(Submission.round_id == round_id, Submission.agency_id == agency_id)
        ).all()
        return entry.status.value, len(subs)


def _tagged(sender: str = CONTACT, **kw) -> bytes:
    return reply(sender=sender, to="baocao@vinhlong.example.gov.vn", subject=TAGGED, at=ON_TIME, **kw)


def test_forged_from_in_allowed_domain_with_subject_tag_is_quarantined_unauthenticated(world):
    """The review's attack: allowed domain, subject tag, no token, no authentication → not counted."""
    result = ingest_raw(
        engine=world.engine, settings=world.settings, raw=_tagged("giamdoc-gia@skhdt.vinhlong.example"), now=ON_TIME
    )
    assert result.disposition == "quarantined" and str(result.reason).startswith(UNAUTHENTICATED)
    assert _status(world) == ("pending", 0)
    with Session(world.engine) as s:
        [entry] = quarantine_entries(session=s)
        assert entry.label_vi == "Chưa xác thực người gửi"
        # the stranger is not answered: no backscatter
        assert not s.exec(select(OutboundMessage).where(OutboundMessage.kind == "refusal")).all()


def test_known_contact_with_subject_tag_but_no_authentication_is_quarantined(world):
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=_tagged(), now=ON_TIME)
    assert result.disposition == "quarantined" and UNAUTHENTICATED in str(result.reason)
    assert _status(world) == ("pending", 0)


def test_forged_thread_reference_without_authentication_is_quarantined(world):
    parent = notices.request_message_id(settings=world.settings, round_key=SIX, agency_code="SKHDT")
    raw = reply(
        sender=CONTACT,
        to="baocao@vinhlong.example.gov.vn",
        subject="Báo cáo",
        at=ON_TIME,
        headers={"In-Reply-To": parent, "References": parent},
    )
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "quarantined" and result.method == "thread" and UNAUTHENTICATED in str(result.reason)


def test_dkim_signed_message_from_known_contact_is_counted(world, dkim_key):
    private, table = dkim_key
    raw = _signed(_tagged(), private)
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME, dnsfunc=table_dns(table))
    assert result.disposition == "recorded" and result.method == "subject", result.reason
    assert _status(world) == ("on_time", 1)


def test_dkim_signature_broken_in_transit_is_not_enough(world, dkim_key):
    private, table = dkim_key
    raw = _signed(_tagged(body="Số liệu gốc."), private).replace("Số liệu gốc".encode(), b"So lieu sua")
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME, dnsfunc=table_dns(table))
    assert result.disposition == "quarantined" and UNAUTHENTICATED in str(result.reason)
    assert _status(world) == ("pending", 0)


def test_dkim_signature_of_another_domain_is_not_aligned(world, dkim_key):
    private, table = dkim_key
    forged = _tagged(CONTACT)  # From the contact...
    raw = _signed(forged, private, domain=b"evil.example")  # ...signed by a domain that is not the From's
    table = dict(table) | {SELECTOR + b"._domainkey.evil.example.": table[next(iter(table))]}
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME, dnsfunc=table_dns(table))
    assert result.disposition == "quarantined" and UNAUTHENTICATED in str(result.reason)


def test_trusted_authentication_results_header_counts(world):
    header = f"{AUTHSERV_ID}; spf=pass smtp.mailfrom=skhdt.vinhlong.example; dkim=pass header.d=skhdt.vinhlong.example; dmarc=pass header.from=skhdt.vinhlong.example"
    raw = b"Authentication-Results: " + header.encode() + b"\r\n" + _tagged()
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "recorded" and result.method == "subject", result.reason
    assert _status(world) == ("on_time", 1)


def test_authentication_results_from_another_authserv_id_is_ignored(world):
    header = (
        "mx.attacker.example; dkim=pass header.d=skhdt.vinhlong.example; dmarc=pass header.from=skhdt.vinhlong.example"
    )
    raw = b"Authentication-Results: " + header.encode() + b"\r\n" + _tagged()
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "quarantined" and UNAUTHENTICATED in str(result.reason)
    assert _status(world) == ("pending", 0)


def test_trusted_header_that_says_fail_is_final(world):
    header = f"{AUTHSERV_ID}; spf=fail smtp.mailfrom=skhdt.vinhlong.example; dkim=fail header.d=skhdt.vinhlong.example; dmarc=fail header.from=skhdt.vinhlong.example"
    raw = b"Authentication-Results: " + header.encode() + b"\r\n" + _tagged()
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "quarantined" and "dmarc=fail" in str(result.reason)


def test_a_token_still_counts_without_authentication(world):
    """The signed reply address is proof by itself (the sender check still applies)."""
    round_id, agency_id = world.ids[(SIX, "SKHDT")]
    to = addressing.reply_address(settings=world.settings, round_id=round_id, agency_id=agency_id)
    raw = reply(sender=CONTACT, to=to, subject="Báo cáo", at=ON_TIME)
    result = ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    assert result.disposition == "recorded" and result.method == "token"


def test_request_message_ids_are_keyed():
    """Nobody without the secret can compute the Message-ID a thread match looks for."""
    a = Settings(secret_key=SecretStr("a" * 40))
    b = Settings(secret_key=SecretStr("b" * 40))
    key = notices.request_key(SIX, "SKHDT")
    unkeyed = f"<{hashlib.sha256(key.encode()).hexdigest()[:24]}.planflow@{a.smtp.reply_domain}>"
    ids = {notices.request_message_id(settings=s, round_key=SIX, agency_code="SKHDT") for s in (a, b)}
    assert len(ids) == 2 and unkeyed not in ids
    assert notices.request_message_id(settings=a, round_key=SIX, agency_code="SKHDT") == addressing.message_id(
        key, settings=a
    )  # stable for us


def test_the_quarantined_row_keeps_the_authentication_detail(world):
    header = "mx.attacker.example; dmarc=pass header.from=skhdt.vinhlong.example"
    raw = b"Authentication-Results: " + header.encode() + b"\r\n" + _tagged()
    ingest_raw(engine=world.engine, settings=world.settings, raw=raw, now=ON_TIME)
    with Session(world.engine) as s:
        row = s.exec(select(InboundMessage)).one()
        assert "no trusted Authentication-Results" in str(row.reason)


def test_a_forgery_sent_first_with_a_copied_message_id_does_not_shadow_the_real_reply(world):
    """The twin check (same Message-ID = duplicate) must not let a quarantined forgery hide the real message."""
    forged = _tagged(message_id="<real-reply-1@skhdt.vinhlong.example>")
    first = ingest_raw(engine=world.engine, settings=world.settings, raw=forged, now=ON_TIME)
    assert first.disposition == "quarantined"
    header = f"{AUTHSERV_ID}; dmarc=pass header.from=skhdt.vinhlong.example"
    real = (
        b"Authentication-Results: "
        + header.encode()
        + b"\r\n"
        + _tagged(message_id="<real-reply-1@skhdt.vinhlong.example>", body="Báo cáo thật.")
    )
    second = ingest_raw(engine=world.engine, settings=world.settings, raw=real, now=ON_TIME)
    assert second.disposition == "recorded", second.reason
    again = ingest_raw(engine=world.engine, settings=world.settings, raw=b"X-Copy: 2\r\n" + real, now=ON_TIME)
    assert again.disposition == "ignored" and "duplicate" in str(again.reason)  # a true second copy still is one
