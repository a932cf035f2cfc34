"""The agencies' side of the portal: open the personal link, fill the form like a browser would, post it."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

_CSRF_RE = re.compile(r'name="csrf"\s+value="([^"]*)"')
_TASK_RE = re.compile(r'name="results:([^"]+)"')


@dataclass(frozen=True)
class UploadResult:
    """What the portal answered: the final HTTP status and page (the receipt, or a refusal)."""

    status: int
    url: str
    page: str
    form_shown: bool

    @property
    def accepted(self) -> bool:
        """The portal took the report and showed its receipt."""
        return self.status == 200 and "/lan/" in self.url


def upload(
    client: httpx.Client,
    url: str,
    *,
    nil: bool,
    texts: dict[str, tuple[str, str, str]] | None = None,
    files: Sequence[tuple[str, bytes, str]] = (),
    contact: tuple[str, str] = ("", ""),
) -> UploadResult:
    """GET the link, then POST its form: per task (results, difficulties, proposals), files, or the nil choice."""
    page = client.get(url)
    if page.status_code != 200:
        return UploadResult(page.status_code, str(page.url), page.text, False)
    csrf = _CSRF_RE.search(page.text)
    task_keys = [html.unescape(k) for k in _TASK_RE.findall(page.text)]
    # A locked round shows no form; the agency posts anyway (as a stale browser tab would) and is refused.
    data: dict[str, str] = {
        "csrf": csrf.group(1) if csrf else "",
        "contact_name": contact[0],
        "contact_phone": contact[1],
    }
    if nil:
        data["nil"] = "1"
    else:
        for key in task_keys:
            results, difficulties, proposals = (texts or {}).get(key, ("", "", ""))
            data[f"results:{key}"] = results
            data[f"difficulties:{key}"] = difficulties
            data[f"proposals:{key}"] = proposals
    upload_files = [("files", (name, content, media_type)) for name, content, media_type in files] if not nil else []
    # A browser sends an empty file part when no file is chosen; it also keeps the body multipart.
    upload_files = upload_files or [("files", ("", b"", "application/octet-stream"))]
    answer = client.post(url, data=data, files=upload_files, follow_redirects=True)
    return UploadResult(answer.status_code, str(answer.url), answer.text, csrf is not None)


def task_keys_on(client: httpx.Client, url: str) -> list[str]:
    """The task keys the link's form asks about."""
    page = client.get(url)
    return [html.unescape(k) for k in _TASK_RE.findall(page.text)]
