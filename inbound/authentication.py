"""Decide whether a message's From was authenticated: its sole purpose is to say "this domain vouched for this From".

Two sources, in order:
1. `Authentication-Results` (RFC 8601) written by OUR receiving server, recognised by its authserv-id
   (`PLANFLOW_TRUST_AUTHSERV_IDS`). Any other A-R header is the sender's claim and is ignored. A
   `dmarc=pass`, or a `dkim=pass` / `spf=pass` whose domain is aligned with the From domain, passes.
   A trusted header that says fail is final (no second opinion).
2. Where no trusted header is present, our own DKIM check of the raw bytes (dkimpy): a valid signature
   whose `d=` is aligned with the From domain passes. DNS lookups go through `dnsfunc`, which tests
   replace with a local table.

Pure apart from the DNS lookups of step 2: no clock, no database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import authres
import dkim

from inbound.parsing import ParsedMessage, raw_values

log = logging.getLogger(__name__)

DnsFunc = Callable[..., bytes | None]
MAX_DKIM_SIGNATURES = 5  # each costs a DNS lookup and an RSA check: a message with hundreds gets five


@dataclass(frozen=True)
class Verdict:
    """Whether the From domain vouched for the message, and how we know (for the officer and the logs)."""

    passed: bool
    source: str  # "authentication-results", "dkim", "none"
    detail: str

    @property
    def label_vi(self) -> str:
        """How the officer reads it."""
        return "đã xác thực" if self.passed else "chưa xác thực"


def _aligned(domain: str | None, from_domain: str) -> bool:
    """Relaxed alignment (RFC 7489 §3.1): the same domain, or one a parent of the other."""
    if not domain:
        return False
    domain = domain.strip().lower().rstrip(".").rsplit("@", 1)[-1]
    return bool(domain) and (
        from_domain == domain or from_domain.endswith("." + domain) or domain.endswith("." + from_domain)
    )


def _property(result, name: str) -> str | None:
    for prop in getattr(result, "properties", []) or []:
        if f"{prop.type}.{prop.name}".lower() == name:
            return str(prop.value)
    return None


def _from_trusted_header(parsed: ParsedMessage, trusted_ids: set[str], from_domain: str) -> Verdict | None:
    """The verdict of the first A-R header from a trusted authserv-id (the top one is the newest), or None."""
    for value in raw_values(parsed.message, "Authentication-Results"):
        try:
            header = authres.AuthenticationResultsHeader.parse_value(value)
        except Exception:  # a malformed header is nobody's verdict
            continue
        if (header.authserv_id or "").strip().lower() not in trusted_ids:
            continue
        results = {(r.method or "").lower(): r for r in header.results}
        seen = []
        dmarc = results.get("dmarc")
        if dmarc is not None:
            seen.append(f"dmarc={dmarc.result}")
            if dmarc.result == "pass" and _aligned(_property(dmarc, "header.from") or from_domain, from_domain):
                return Verdict(True, "authentication-results", f"{header.authserv_id}: dmarc=pass")
        for result in header.results:
            method = (result.method or "").lower()
            if method == "dkim":
                seen.append(f"dkim={result.result}")
                domain = _property(result, "header.d") or _property(result, "header.i")
                if result.result == "pass" and _aligned(domain, from_domain):
                    return Verdict(True, "authentication-results", f"{header.authserv_id}: dkim=pass d={domain}")
            elif method == "spf":
                seen.append(f"spf={result.result}")
                domain = _property(result, "smtp.mailfrom") or _property(result, "smtp.helo")
                if result.result == "pass" and _aligned(domain, from_domain):
                    return Verdict(True, "authentication-results", f"{header.authserv_id}: spf=pass {domain}")
        return Verdict(False, "authentication-results", f"{header.authserv_id}: {' '.join(seen) or 'no result'}")
    return None


def _own_dkim(raw: bytes, signatures: int, from_domain: str, dnsfunc: DnsFunc | None, timeout: float) -> Verdict:
    """Our own check of the message's DKIM signatures (the first valid, aligned one wins)."""
    if not signatures:
        return Verdict(False, "none", "no trusted Authentication-Results and no DKIM signature")
    checked = []
    for idx in range(min(signatures, MAX_DKIM_SIGNATURES)):
        try:
            verifier = dkim.DKIM(raw, timeout=max(1, int(timeout)))
            ok = verifier.verify(idx=idx, dnsfunc=dnsfunc) if dnsfunc else verifier.verify(idx=idx)
        except Exception as exc:  # a malformed signature or a DNS failure: this signature does not count
            checked.append(f"#{idx}: {type(exc).__name__}")
            continue
        domain = (getattr(verifier, "domain", b"") or b"").decode("ascii", "replace")
        if ok and _aligned(domain, from_domain):
            return Verdict(True, "dkim", f"dkim=pass d={domain}")
        checked.append(f"d={domain or '?'}: {'pass, not aligned with From' if ok else 'fail'}")
    return Verdict(False, "dkim", "dkim: " + "; ".join(checked))


def authenticate(
    *,
    parsed: ParsedMessage,
    raw: bytes,
    trusted_authserv_ids: list[str],
    check_dkim: bool = True,
    dnsfunc: DnsFunc | None = None,
    dns_timeout: float = 5.0,
) -> Verdict:
    """Whether the From domain of this message authenticated it (trusted A-R header, else our DKIM check)."""
    if not parsed.from_address or "@" not in parsed.from_address or parsed.from_count != 1:
        return Verdict(False, "none", "no single From address")
    from_domain = parsed.from_address.rsplit("@", 1)[1].strip().lower()
    trusted = {i.strip().lower() for i in trusted_authserv_ids if i.strip()}
    if trusted and parsed.message is not None:
        verdict = _from_trusted_header(parsed, trusted, from_domain)
        if verdict is not None:
            return verdict
    if not check_dkim:
        return Verdict(False, "none", "no trusted Authentication-Results; own DKIM check disabled")
    signatures = len(raw_values(parsed.message, "DKIM-Signature"))
    return _own_dkim(raw, signatures, from_domain, dnsfunc, dns_timeout)
