"""What an agency clicks: a real headless Chromium fills the form on a real uvicorn and gets its receipt."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, ViewportSize, sync_playwright
from sqlmodel import select

from models.db import session_scope
from models.submissions import versions
from models.tables import AgencyStatus, Attachment, Channel, Contact, ContactRole, OutboundMessage, SubmissionItem
from tests.portal.documents import docx_bytes, pdf_bytes, write
from tests.portal.harness import Portal
from tests.smtpd import body

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=vi",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[BrowserContext]:
    """Debian's Chromium, driven by Playwright (no browser download)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path="/usr/bin/chromium",
            args=CHROMIUM_ARGS,
            headless=True,
            viewport=DESKTOP,
            locale="vi-VN",
        )
        yield context
        context.close()


@pytest.fixture
def page(browser) -> Iterator[Page]:
    """A fresh tab."""
    tab = browser.new_page()
    yield tab
    tab.close()


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """The console errors of `page` (e.g. a CSP violation), collected from the test's start."""
    errors: list[str] = []

    def keep(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", keep)
    return errors


def _fill_two_tasks(page: Page, keys: list[str]) -> None:
    page.fill(f'textarea[name="results:{keys[0]}"]', "Đã tổ chức 3 hội nghị tuyên truyền; đăng 45 tin, bài.")
    page.fill(f'textarea[name="difficulties:{keys[0]}"]', "Thiếu cán bộ chuyên trách.")
    page.fill(f'textarea[name="proposals:{keys[0]}"]', "Đề nghị mở lớp tập huấn.")
    page.fill(f'textarea[name="results:{keys[1]}"]', "Theo dõi 12 đoàn phóng viên nước ngoài.")
    page.fill("#contact_name", "Nguyễn Thị Lan")
    page.fill("#contact_phone", "0270 3822 123")


def test_fill_two_tasks_attach_docx_and_pdf_and_get_the_receipt(
    portal: Portal, page: Page, console_errors: list[str], tmp_path: Path, artifacts_dir: Path
):
    docx = write(tmp_path, "Báo cáo 6 tháng.docx", docx_bytes())
    pdf = write(tmp_path, "phu-luc.pdf", pdf_bytes())

    page.set_viewport_size(PHONE)
    page.goto(portal.link())
    assert page.locator("#agency-name").inner_text() == portal.agency.name
    assert "còn 3 ngày 4 giờ" in page.locator("#time-left").inner_text()
    page.screenshot(path=str(artifacts_dir / "portal-form-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    _fill_two_tasks(page, portal.task_keys)
    page.set_input_files("#files", [str(docx), str(pdf)])
    page.screenshot(path=str(artifacts_dir / "portal-form-filled.png"), full_page=True)
    page.click("#submit")
    page.wait_for_selector("#receipt")

    assert "/lan/1" in page.url
    assert page.locator("#receipt-status").inner_text() == "Đúng hạn"
    files = page.locator("#received-files").inner_text()
    assert "Báo cáo 6 tháng.docx" in files and "phu-luc.pdf" in files
    items = page.locator("#items").inner_text()
    assert portal.task_keys[0] in items and portal.task_keys[1] in items
    assert "Đã tổ chức 3 hội nghị tuyên truyền" in items
    page.screenshot(path=str(artifacts_dir / "portal-receipt.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(artifacts_dir / "portal-receipt-phone.png"), full_page=True)
    assert console_errors == []  # nothing blocked by the content security policy

    with session_scope(portal.engine) as session:
        [stored] = versions(session=session, round_id=portal.round_id, agency_id=portal.agency_id)
        assert stored.channel == Channel.upload and stored.status == AgencyStatus.on_time
        assert stored.contact_name == "Nguyễn Thị Lan" and stored.contact_phone == "0270 3822 123"
        names = sorted(
            a.original_name for a in session.exec(select(Attachment).where(Attachment.submission_id == stored.id))
        )
        assert names == ["Báo cáo 6 tháng.docx", "phu-luc.pdf"]
        sizes = {
            a.original_name: a.size
            for a in session.exec(select(Attachment).where(Attachment.submission_id == stored.id))
        }
        assert sizes == {"Báo cáo 6 tháng.docx": docx.stat().st_size, "phu-luc.pdf": pdf.stat().st_size}
        assert len(session.exec(select(SubmissionItem).where(SubmissionItem.submission_id == stored.id)).all()) == 2
        receipts = session.exec(
            select(OutboundMessage).where(
                OutboundMessage.kind == "receipt", OutboundMessage.agency_id == portal.agency_id
            )
        ).all()
        assert len(receipts) == 1
        focal = session.exec(
            select(Contact.email).where(
                Contact.agency_id == portal.agency_id, Contact.role == ContactRole.focal_point, Contact.active
            )
        ).all()
        assert focal and sorted(receipts[0].recipients) == sorted(focal)
        text = body(email.message_from_bytes(receipts[0].raw, policy=email.policy.default), "plain")
        assert "Báo cáo 6 tháng.docx" in text and "phu-luc.pdf" in text


def test_nil_report_then_second_version_shows_history(portal: Portal, page: Page, tmp_path: Path, artifacts_dir: Path):
    page.goto(portal.link())
    page.check("#nil")
    page.click("#submit")
    page.wait_for_selector("#receipt")
    assert page.locator("#receipt-status").inner_text() == "Không phát sinh"
    assert page.locator("#nil-received").is_visible()

    portal.clock.now = portal.round.due_at + dt.timedelta(hours=5)  # the correction arrives after the due instant
    page.goto(portal.link())
    assert "đã quá hạn 5 giờ" in page.locator("#time-left").inner_text()
    _fill_two_tasks(page, portal.task_keys)
    page.set_input_files("#files", [str(write(tmp_path, "bao-cao.pdf", pdf_bytes()))])
    page.click("#submit")
    page.wait_for_selector("#receipt")
    assert "/lan/2" in page.url
    assert page.locator("#receipt-status").inner_text() == "Trễ hạn"

    page.goto(portal.link())
    rows = page.locator("#history tbody tr")
    assert rows.count() == 2
    newest, oldest = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "2" in newest and "Trễ hạn" in newest and "bao-cao.pdf" in newest
    assert "1" in oldest and "Không phát sinh" in oldest
    page.set_viewport_size(PHONE)
    page.locator("#history").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "portal-history-phone.png"), full_page=True)

    with session_scope(portal.engine) as session:
        stored = versions(session=session, round_id=portal.round_id, agency_id=portal.agency_id)
        assert [(s.version, s.is_nil, s.status) for s in stored] == [
            (1, True, AgencyStatus.nil),
            (2, False, AgencyStatus.late),
        ]


def test_nil_with_content_is_sent_back_with_the_text_kept(portal: Portal, page: Page):
    page.goto(portal.link())
    page.fill(f'textarea[name="results:{portal.task_keys[0]}"]', "Có nội dung")
    page.check("#nil")
    page.click("#submit")
    page.wait_for_selector("#form-error")
    assert "Không có nội dung phát sinh trong kỳ báo cáo" in page.locator("#form-error").inner_text()
    assert page.input_value(f'textarea[name="results:{portal.task_keys[0]}"]') == "Có nội dung"


def test_the_page_checks_chosen_files_before_sending(
    portal: Portal, page: Page, console_errors: list[str], tmp_path: Path, artifacts_dir: Path
):
    big = write(tmp_path, "ban-scan.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024))
    page.set_viewport_size(PHONE)
    page.goto(portal.link())
    assert page.locator(".filebtn").is_visible() and page.locator(".filebtn").inner_text() == "Chọn tệp đính kèm…"
    page.fill(f'textarea[name="results:{portal.task_keys[0]}"]', "Kết quả")
    page.set_input_files("#files", [str(big), str(write(tmp_path, "anh.gif", b"GIF89a"))])
    problems = page.locator("#file-problems")
    assert problems.is_visible()
    assert "ban-scan.pdf» vượt quá dung lượng tối đa cho phép (1 MB)" in problems.inner_text()
    assert "anh.gif» có định dạng không được chấp nhận" in problems.inner_text()
    assert "ban-scan.pdf (2 MB)" in page.locator("#file-list").inner_text()
    page.locator("#file-problems").screenshot(path=str(artifacts_dir / "portal-file-check-phone.png"))
    page.click("#submit")
    page.wait_for_timeout(300)
    assert "/lan/" not in page.url and page.locator("#report-form").is_visible()
    assert console_errors == []
    with session_scope(portal.engine) as session:
        assert versions(session=session, round_id=portal.round_id, agency_id=portal.agency_id) == []


def test_locked_and_bad_links_read_well_on_a_phone(
    portal: Portal, page: Page, console_errors: list[str], artifacts_dir: Path
):
    page.set_viewport_size(PHONE)
    page.goto(f"{portal.url}/u/khong-hop-le")
    assert page.locator("h1").inner_text() == "Đường dẫn không hợp lệ"
    page.screenshot(path=str(artifacts_dir / "portal-bad-link-phone.png"), full_page=True)
    assert all("status of 404" in e for e in console_errors)  # the page itself answers 404, by design
    console_errors.clear()
    portal.clock.now = portal.round.lock_at
    page.goto(portal.link())
    assert page.locator("#locked").is_visible() and page.locator("#report-form").count() == 0
    assert "ttdn@stttt.vinhlong.example" in page.locator("#locked").inner_text()
    page.locator("#locked").screenshot(path=str(artifacts_dir / "portal-locked-phone.png"))
    assert console_errors == []
