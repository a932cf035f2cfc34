"""Two uploads of one agency at the same moment both become versions, numbered one after the other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from models.db import session_scope
from models.submissions import versions
from tests.portal.documents import pdf_bytes
from tests.portal.harness import Portal


def test_simultaneous_uploads_become_consecutive_versions(portal: Portal):
    def send(n: int) -> int:
        with httpx.Client(base_url=portal.url, timeout=60) as c:
            response = c.post(
                f"/u/{portal.token()}",
                data={"csrf": portal.csrf(), f"results:{portal.task_keys[0]}": f"Lần gửi {n}"},
                files={"files": (f"phu-luc-{n}.pdf", pdf_bytes() + f"% {n}".encode(), "application/pdf")},
            )
            return response.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(send, range(6)))
    assert codes == [303] * 6
    with session_scope(portal.engine) as session:
        stored = versions(session=session, round_id=portal.round_id, agency_id=portal.agency_id)
    assert [s.version for s in stored] == [1, 2, 3, 4, 5, 6]
