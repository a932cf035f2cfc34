"""Signed tokens: the reply-address token (in `baocao+TOKEN@domain`) and the personal upload link.

Pure functions: the secret and `now` are parameters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

_REPLY_MAC_CHARS = 12


@dataclass(frozen=True)
class RoundAgency:
    """What a token names: one round and one agency (database ids)."""

    round_id: int
    agency_id: int


def _mac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()[:_REPLY_MAC_CHARS]


def reply_token(secret: str, round_id: int, agency_id: int) -> str:
    """A short token, lowercase letters and digits only, that survives mail systems lower-casing local parts."""
    body = f"r{round_id}a{agency_id}"
    return f"{body}x{_mac(secret, 'reply:' + body)}"


def read_reply_token(secret: str, token: str) -> RoundAgency | None:
    """The round and agency a reply token names, or None if it is malformed or not ours."""
    token = token.strip().lower()
    body, sep, mac = token.rpartition("x")
    if not sep or not body.startswith("r") or "a" not in body:
        return None
    if not hmac.compare_digest(mac, _mac(secret, "reply:" + body)):
        return None
    r, _, a = body[1:].partition("a")
    if not (r.isdigit() and a.isdigit()):
        return None
    return RoundAgency(int(r), int(a))


def reply_address(secret: str, round_id: int, agency_id: int, *, local_part: str, domain: str) -> str:
    """The personal reply address of an agency in a round."""
    return f"{local_part}+{reply_token(secret, round_id, agency_id)}@{domain}"


def token_from_address(address: str, *, local_part: str) -> str | None:
    """The token in a plus-address of ours (`local+TOKEN@domain`), or None."""
    local = address.strip().strip("<>").rsplit("@", 1)[0].lower()
    prefix = local_part.lower() + "+"
    return local[len(prefix) :] if local.startswith(prefix) else None


def upload_token(secret: str, round_id: int, agency_id: int, *, expires_at: dt.datetime) -> str:
    """A signed, expiring token for the personal upload link."""
    return URLSafeSerializer(secret, salt="upload-link").dumps([round_id, agency_id, int(expires_at.timestamp())])


def read_upload_token(secret: str, token: str, *, now: dt.datetime) -> RoundAgency | None:
    """The round and agency of a valid, unexpired upload token, or None (never says why)."""
    try:
        round_id, agency_id, expires = URLSafeSerializer(secret, salt="upload-link").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not all(isinstance(x, int) for x in (round_id, agency_id, expires)):
        return None
    if now.timestamp() >= expires:
        return None
    return RoundAgency(round_id, agency_id)


def form_token(secret: str, link_token: str) -> str:
    """The anti-forgery token a portal form carries, tied to its link."""
    return hmac.new(secret.encode(), ("csrf:" + link_token).encode(), hashlib.sha256).hexdigest()
