"""Uploads over real HTTP: files refused by the shared rules while streaming, hostile names and text made harmless."""

from __future__ import annotations

import os
import threading
import uuid

import httpx
from sqlmodel import select

from models.db import session_scope
from models.settings import LimitSettings
from models.submissions import submission_count, versions
from models.tables import Attachment, SubmissionItem
from portal.app import create_app
from tests.portal.documents import docx_bytes, exe_bytes, pdf_bytes
from tests.portal.harness import SMALL_FILE_LIMIT, Portal, serve_in_thread


def _stored_files(portal: Portal) -> list[str]:
    root = portal.settings.data_dir / "files"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _recorded(portal: Portal) -> int:
    with session_scope(portal.engine) as session:
        return submission_count(session=session, round_id=portal.round_id)


def test_an_exe_renamed_pdf_is_refused(portal: Portal, client: httpx.Client):
    response = client.post(
        f"/u/{portal.token()}",
        data={"csrf": portal.csrf(), f"results:{portal.task_keys[0]}": "Kết quả"},
        files={"files": ("bao-cao.pdf", exe_bytes(), "application/pdf")},
    )
    assert response.status_code == 415
    assert "bao-cao.pdf" in response.text and "không phải là tệp PDF hợp lệ" in response.text
    assert _recorded(portal) == 0
    assert _stored_files(portal) == []


def test_a_disallowed_extension_is_refused_before_a_byte_is_stored(portal: Portal, client: httpx.Client):
    response = client.post(
        f"/u/{portal.token()}",
        data={"csrf": portal.csrf()},
        files={"files": ("chay-thu.exe", exe_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 415
    assert "định dạng không được chấp nhận" in response.text
    assert _recorded(portal) == 0 and _stored_files(portal) == []


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


class RssSampler:
    """The highest resident memory of this process (server and client threads) while a block runs, sampled every 5 ms."""

    def __enter__(self) -> RssSampler:
        self.base = self.peak = _rss_kib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, _rss_kib())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.base) / 1024


def test_an_oversized_streamed_upload_is_refused_early(portal: Portal, client: httpx.Client):
    boundary = uuid.uuid4().hex
    total = 64 * 1024 * 1024  # 64 times the configured 1 MB limit
    chunk = os.urandom(64 * 1024)
    sent = {"bytes": 0}

    def body():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{portal.csrf()}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="lon.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n%PDF-1.4\n"
        ).encode()
        yield head
        while sent["bytes"] < total:
            sent["bytes"] += len(chunk)
            yield chunk
        yield f"\r\n--{boundary}--\r\n".encode()

    with RssSampler() as memory:
        response = client.post(
            f"/u/{portal.token()}",
            content=body(),  # a generator: chunked transfer, no Content-Length to refuse it by
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
    assert response.status_code == 413
    assert "vượt quá dung lượng tối đa" in response.text
    # The server stopped reading soon after the limit: far from the 64 MB offered (socket buffers hold a few MB).
    assert sent["bytes"] < 16 * 1024 * 1024, sent
    assert memory.growth_mib < 16
    assert _stored_files(portal) == []  # the partial file is gone, no temporary file left
    assert _recorded(portal) == 0
    assert client.get("/healthz").text == "ok"


TRAILER = b"\ntrailer << /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"


def test_a_large_accepted_upload_is_never_held_in_memory(portal: Portal, loaded_engine):
    size = 48 * 1024 * 1024
    settings = portal.settings.model_copy(
        update={"limits": LimitSettings(max_file_bytes=size + 1024 * 1024, max_files=2)}
    )
    boundary = uuid.uuid4().hex
    block = os.urandom(256 * 1024)

    def body():
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{portal.csrf()}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="ban-scan.pdf"\r\n\r\n%PDF-1.4\n'
        ).encode()
        for _ in range(size // len(block)):
            yield block
        yield TRAILER  # a PDF ends with its trailer
        yield f"\r\n--{boundary}--\r\n".encode()

    with serve_in_thread(create_app(settings, loaded_engine, clock=portal.clock)) as url, RssSampler() as memory:
        response = httpx.post(
            f"{url}/u/{portal.token()}",
            content=body(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            timeout=120,
        )
    assert response.status_code == 303, response.text
    assert memory.growth_mib < 16, f"resident memory grew {memory.growth_mib:.1f} MiB for a 48 MiB upload"
    with session_scope(portal.engine) as session:
        [attachment] = session.exec(select(Attachment)).all()
    assert attachment.size == size + len(b"%PDF-1.4\n") + len(TRAILER)
    assert _stored_files(portal) == [attachment.storage_path.removeprefix("files/")]


def test_a_declared_oversized_body_is_refused_before_reading(portal: Portal):
    limit_body = 5 * SMALL_FILE_LIMIT * 2
    with httpx.Client(base_url=portal.url, timeout=10) as c:
        sent = {"bytes": 0}

        def body():
            for _ in range(limit_body // 65536):
                sent["bytes"] += 65536
                yield b"x" * 65536

        response = c.post(
            f"/u/{portal.token()}",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=abc", "content-length": str(limit_body)},
        )
    assert response.status_code == 413
    assert "vượt quá mức cho phép" in response.text
    assert sent["bytes"] < limit_body


def test_a_traversal_file_name_is_harmless(portal: Portal, client: httpx.Client):
    response = client.post(
        f"/u/{portal.token()}",
        data={"csrf": portal.csrf()},
        files={"files": ("../../etc/passwd.pdf", pdf_bytes(), "application/pdf")},
    )
    assert response.status_code == 200, response.text  # followed to the receipt
    assert "passwd.pdf" in response.text
    assert "../" not in response.text.split('id="received-files"')[1].split("</ul>")[0]
    with session_scope(portal.engine) as session:
        [attachment] = session.exec(select(Attachment)).all()
        assert attachment.safe_name == "passwd.pdf"
        assert attachment.original_name == "passwd.pdf"  # names are data: cleaned once at intake, no path
        stored = (portal.settings.data_dir / attachment.storage_path).resolve()
    assert stored.is_relative_to(portal.settings.data_dir.resolve() / "files")
    assert stored.read_bytes() == pdf_bytes() or stored.stat().st_size == attachment.size
    assert not (portal.settings.data_dir.parent / "etc").exists()


HOSTILE = '<script>alert("xss")</script><img src=x onerror=alert(1)> & "trích dẫn" \'đơn\''


def test_html_and_script_in_fields_are_stored_verbatim_and_shown_as_text(portal: Portal, client: httpx.Client):
    key = portal.task_keys[0]
    response = client.post(
        f"/u/{portal.token()}",
        data={
            "csrf": portal.csrf(),
            f"results:{key}": HOSTILE,
            f"difficulties:{key}": "</textarea><b>đậm</b>",
            "contact_name": '<b onmouseover="x()">Tên</b>',
            "general": "<iframe src=//evil></iframe>",
        },
        files={"files": ("<svg onload=alert(1)>.docx", docx_bytes(), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    pages = [response.text, client.get(f"/u/{portal.token()}").text]
    for html in pages:
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "<iframe" not in html
        assert "<b>đậm</b>" not in html and "<b onmouseover" not in html
        assert "<svg" not in html
    receipt = pages[0]
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in receipt
    assert "&lt;/textarea&gt;&lt;b&gt;đậm&lt;/b&gt;" in receipt
    assert "&lt;iframe src=//evil&gt;&lt;/iframe&gt;" in receipt
    with session_scope(portal.engine) as session:
        [stored] = versions(session=session, round_id=portal.round_id, agency_id=portal.agency_id)
        texts = {
            (i.results, i.difficulties)
            for i in session.exec(select(SubmissionItem).where(SubmissionItem.submission_id == stored.id))
        }
        assert (HOSTILE, "</textarea><b>đậm</b>") in texts
        assert stored.contact_name == '<b onmouseover="x()">Tên</b>'


def test_an_empty_form_is_sent_back_with_a_reason(portal: Portal, client: httpx.Client):
    response = client.post(
        f"/u/{portal.token()}", files=[("csrf", (None, portal.csrf())), ("contact_name", (None, "Lan"))]
    )
    assert response.status_code == 400
    assert "Biểu mẫu chưa có nội dung" in response.text
    assert 'value="Lan"' in response.text
    assert _recorded(portal) == 0


def test_too_many_files_are_refused(portal: Portal, client: httpx.Client):
    files = [
        ("files", (f"phu-luc-{i}.pdf", pdf_bytes(), "application/pdf"))
        for i in range(portal.settings.limits.max_files + 1)
    ]
    response = client.post(f"/u/{portal.token()}", data={"csrf": portal.csrf()}, files=files)
    assert response.status_code == 413
    assert f"tối đa {portal.settings.limits.max_files} tệp" in response.text
    assert _recorded(portal) == 0


def test_a_body_that_is_not_the_page_form_is_refused(portal: Portal, client: httpx.Client):
    urlencoded = client.post(f"/u/{portal.token()}", data={"csrf": portal.csrf(), "nil": "1"})
    assert urlencoded.status_code == 400 and "không đúng định dạng" in urlencoded.text
    broken = client.post(
        f"/u/{portal.token()}",
        content=b"--x\r\nnot a header line\r\n\r\n",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert broken.status_code in (400, 403)
    assert _recorded(portal) == 0


def test_a_body_cut_off_mid_file_records_nothing_and_leaves_no_file(portal: Portal, client: httpx.Client):
    boundary = uuid.uuid4().hex
    cut = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{portal.csrf()}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="bao-cao.pdf"\r\n\r\n'
    ).encode() + pdf_bytes()[:300]
    response = client.post(
        f"/u/{portal.token()}", content=cut, headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )
    assert response.status_code == 400 and "không trọn vẹn" in response.text
    assert _recorded(portal) == 0 and _stored_files(portal) == []
