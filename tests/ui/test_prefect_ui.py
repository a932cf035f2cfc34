"""What an administrator sees: a real `prefect server`, the deployments registered, a round's status artifact, in Chromium."""

from __future__ import annotations

import json

import httpx
import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from devstack.prefect_server import PrefectServer
from tests.flows.conftest import at, run_flow_run_in_process

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def prefect_server(tmp_path):
    """A real Prefect server with a fresh PREFECT_HOME on a free port."""
    server = PrefectServer(tmp_path / "prefect-home").start()
    yield server
    server.stop()


@pytest.mark.browser
def test_deployments_and_round_status_in_the_ui(prefect_server, flow_env, loaded_engine, smtp, artifacts_dir, tmp_path):
    from playwright.sync_api import sync_playwright

    from deployments.catalog import build
    from flows.approval import start_approval
    from flows.consolidate import consolidate_round
    from flows.rounds import open_round_flow

    with temporary_settings(updates={PREFECT_API_URL: prefect_server.api_url}):
        deployments = build()
        for deployment in deployments:
            deployment.apply()
        open_round_flow(round_key="six-month-2018", now=at(2018, 5, 15, 9))
        consolidate_round(round_key="six-month-2018", now=at(2018, 6, 18, 9))
        approval_run = start_approval("six-month-2018", 1)
    run_flow_run_in_process(approval_run, {**flow_env, "PREFECT_API_URL": prefect_server.api_url})

    api = prefect_server.api_url
    names = {d["name"] for d in httpx.post(f"{api}/deployments/filter", json={}).json()}
    assert {
        "working-days",
        "director-approval",
        "adhoc-report",
        "budget-estimate",
        "press-briefing-reminder",
    } <= names
    artifact = httpx.post(
        f"{api}/artifacts/filter", json={"artifacts": {"key": {"any_": ["round-six-month-2018-status"]}}}
    ).json()
    assert len(artifact) == 1 and len(json.loads(artifact[0]["data"])) == 36

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        page.goto(f"{prefect_server.url}/deployments")
        page.get_by_text("working-days").first.wait_for(timeout=30_000)
        for name in ("director-approval", "adhoc-report", "budget-estimate"):
            assert page.get_by_text(name).first.is_visible()
        page.screenshot(path=artifacts_dir / "ui-deployments.png", full_page=True)

        page.goto(f"{prefect_server.url}/artifacts/key/round-six-month-2018-status")
        page.get_by_text("đã nhận 0/36 báo cáo").first.wait_for(timeout=30_000)
        page.screenshot(path=artifacts_dir / "ui-round-status-history.png", full_page=True)

        page.goto(f"{prefect_server.url}/artifacts/artifact/{artifact[0]['id']}")
        page.get_by_text("Cơ quan").first.wait_for(timeout=30_000)
        assert page.get_by_text("Sở Công Thương").first.is_visible()
        assert page.get_by_text("Chưa báo cáo").first.is_visible()
        page.screenshot(path=artifacts_dir / "ui-round-status.png", full_page=True)

        # The suspended approval run, with its Resume button and the Director's form.
        page.goto(f"{prefect_server.url}/runs/flow-run/{approval_run}")
        page.get_by_text("approval six-month-2018").first.wait_for(timeout=30_000)
        page.wait_for_timeout(3000)
        page.screenshot(path=artifacts_dir / "ui-approval-run.png", full_page=True)
        page.get_by_role("button", name="Resume").first.click()
        page.get_by_text("Người quyết định").first.wait_for(timeout=15_000)
        assert page.get_by_text("Quyết định", exact=False).first.is_visible()
        assert page.get_by_text("Ý kiến của Giám đốc").first.is_visible()
        page.screenshot(path=artifacts_dir / "ui-approval-form.png", full_page=True)
        browser.close()
