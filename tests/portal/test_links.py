"""The personal link over real HTTP: what a good link shows, and the one refusal every bad link gets."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlmodel import select

from models.db import session_scope
from models.rounds import lock_round
from models.submissions import submission_count
from models.tables import Round, RoundState
from models.tokens import upload_token
from portal.security import CONTENT_SECURITY_POLICY
from tests.portal.harness import Portal


def test_link_shows_agency_round_deadline_and_tasks(portal: Portal, client: httpx.Client):
    page = client.get(f"/u/{portal.token()}")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert portal.agency.name in html
    assert portal.round.title in html
    assert "trước 00 giờ 00, thứ Sáu, ngày 15 tháng 6 năm 2018" in html
    assert "còn 3 ngày 4 giờ" in html
    for key in portal.task_keys:
        assert f'name="results:{key}"' in html
        assert f"Nhiệm vụ {key}" in html
    assert "Không có nội dung phát sinh trong kỳ báo cáo" in html
    assert f'name="csrf" value="{portal.csrf()}"' in html


def test_late_link_says_how_late(portal: Portal, client: httpx.Client):
    portal.clock.now = portal.round.due_at + dt.timedelta(days=2, minutes=10)
    html = client.get(f"/u/{portal.token()}").text
    assert "đã quá hạn 2 ngày" in html
    assert "còn " not in html.split('id="time-left"')[1][:40]


def test_security_headers_on_every_response(portal: Portal, client: httpx.Client):
    for path in (f"/u/{portal.token()}", "/u/not-a-token", "/healthz", "/static/portal.css", "/nowhere"):
        response = client.get(path)
        assert response.headers["referrer-policy"] == "no-referrer", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "http" not in response.headers["content-security-policy"]
    html = client.get(f"/u/{portal.token()}").text
    assert "http://" not in html and "https://" not in html  # no outside asset of any kind


def test_health_and_stylesheet(client: httpx.Client):
    assert client.get("/healthz").text == "ok"
    css = client.get("/static/portal.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert "@media" in css.text  # the phone layout
    for path in ("/nowhere", "/u/abc/lan/not-a-number", "/u/abc/lan/1"):
        unknown = client.get(path)
        assert unknown.status_code == 404 and "Đường dẫn không hợp lệ" in unknown.text, path
    wrong_method = client.put("/u/abc")
    assert wrong_method.status_code == 405 and "Yêu cầu không hợp lệ" in wrong_method.text


def _bad_tokens(portal: Portal) -> dict[str, str]:
    good = portal.token()
    secret = portal.settings.secret_key.get_secret_value()
    with session_scope(portal.engine) as session:
        other_round = session.exec(
            select(Round).where(Round.id != portal.round_id, Round.state == RoundState.planned)
        ).first()
        assert other_round is not None
    body, _, signature = good.rpartition(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    return {
        "wrong": "khong-phai-ma-hop-le",
        "tampered": f"{body}.{flipped}",
        "forged body": upload_token(
            "another-secret", portal.round_id, portal.agency_id, expires_at=portal.round.lock_at
        ),
        "expired": portal.token(expires_at=portal.clock.now - dt.timedelta(seconds=1)),
        "other round": portal.token(round_id=other_round.id),
        "no such round": portal.token(round_id=999_999),
        "no such agency": portal.token(agency_id=999_999),
        "agency not on roster": upload_token(
            secret, portal.round_id, _consolidator_id(portal), expires_at=portal.round.lock_at
        ),
    }


def _consolidator_id(portal: Portal) -> int:
    from models.tables import Agency

    with session_scope(portal.engine) as session:
        consolidator = session.exec(select(Agency).where(Agency.code == "STTTT")).one()
        assert consolidator.id is not None
        return consolidator.id


def _comparable(response: httpx.Response) -> tuple:
    headers = {k: v for k, v in response.headers.items() if k not in ("date", "connection")}
    return response.status_code, headers, response.content


def test_every_bad_link_gets_the_same_refusal(portal: Portal, client: httpx.Client):
    bad = _bad_tokens(portal)
    get_answers = {name: _comparable(client.get(f"/u/{token}")) for name, token in bad.items()}
    post_answers = {
        name: _comparable(
            client.post(
                f"/u/{token}", data={"csrf": portal.csrf(token), "nil": "1"}, files={"files": ("a.pdf", b"%PDF-1.4")}
            )
        )
        for name, token in bad.items()
    }
    first = get_answers["wrong"]
    assert first[0] == 404
    assert "Đường dẫn không hợp lệ" in first[2].decode()
    assert portal.agency.name.encode() not in first[2]
    assert portal.round.title.encode() not in first[2]
    for name, answer in get_answers.items():
        assert answer == first, name
    for name, answer in post_answers.items():
        assert answer == first, name
    with session_scope(portal.engine) as session:
        assert submission_count(session=session, round_id=portal.round_id) == 0


def test_locked_round_says_so_and_whom_to_contact(portal: Portal, client: httpx.Client):
    portal.clock.now = portal.round.lock_at
    page = client.get(f"/u/{portal.token()}")
    assert page.status_code == 200
    assert "Kỳ báo cáo đã khóa sổ" in page.text
    assert "ttdn@stttt.vinhlong.example" in page.text  # the consolidation officer, from the contacts file
    assert 'id="report-form"' not in page.text
    refused = client.post(f"/u/{portal.token()}", data={"csrf": portal.csrf(), "nil": "1"})
    assert refused.status_code == 403
    assert "Kỳ báo cáo đã khóa sổ" in refused.text
    with session_scope(portal.engine) as session:
        assert submission_count(session=session, round_id=portal.round_id) == 0


def test_round_locked_by_state_refuses_even_before_lock_date(portal: Portal, client: httpx.Client):
    with session_scope(portal.engine) as session:
        lock_round(session=session, round_id=portal.round_id, now=portal.round.lock_at)
    refused = client.post(f"/u/{portal.token()}", data={"csrf": portal.csrf(), "nil": "1"})
    assert refused.status_code == 403 and "Kỳ báo cáo đã khóa sổ" in refused.text


def test_a_round_whose_report_went_out_still_takes_late_reports_until_the_lock(portal: Portal, client: httpx.Client):
    from models.tables import Round, RoundState

    with session_scope(portal.engine) as session:
        rnd = session.get(Round, portal.round_id)
        assert rnd is not None
        rnd.state = RoundState.closed
    portal.clock.now = portal.round.lock_at - dt.timedelta(hours=1)
    form = [("csrf", (None, portal.csrf())), ("nil", (None, "1"))]
    taken = client.post(f"/u/{portal.token()}", files=form, follow_redirects=True)
    assert taken.status_code == 200 and "Kỳ báo cáo đã khóa sổ" not in taken.text
    with session_scope(portal.engine) as session:
        assert submission_count(session=session, round_id=portal.round_id) == 1


def test_post_without_the_right_form_token_is_refused(portal: Portal, client: httpx.Client):
    link = f"/u/{portal.token()}"
    other_link_csrf = portal.csrf(portal.token(agency_id=portal.other_agency.id))
    for data in ({"nil": "1"}, {"nil": "1", "csrf": "0" * 64}, {"nil": "1", "csrf": other_link_csrf}):
        refused = client.post(link, data=data, files={"files": ("bao-cao.pdf", b"%PDF-1.4 tiny")})
        assert refused.status_code == 403, data
        assert "Biểu mẫu không hợp lệ" in refused.text
        without_file = client.post(link, files=[(k, (None, v)) for k, v in data.items()])
        assert without_file.status_code == 403, data
    with session_scope(portal.engine) as session:
        assert submission_count(session=session, round_id=portal.round_id) == 0
    stored = [
        p
        for p in portal.settings.data_dir.rglob("*")
        if p.is_file() and p.suffix != ".db" and "planflow.db" not in p.name
    ]
    assert stored == []
