"""The served deployments and prefect.yaml (work pool) declare the same flows, names, schedules and parameters: prefect.yaml is generated from the catalog."""

from __future__ import annotations

from pathlib import Path

import yaml
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.flows import load_flow_from_entrypoint

from deployments.catalog import build
from deployments.workpool import PREFECT_YAML, main, render

ROOT = Path(__file__).resolve().parents[2]


def test_prefect_yaml_matches_the_served_deployments(monkeypatch):
    monkeypatch.chdir(ROOT)
    declared = {
        d["name"]: d for d in yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    }
    served = {d.name: d for d in build()}
    assert set(declared) == set(served)
    for name, served_one in served.items():
        entry = declared[name]
        assert entry["work_pool"]["name"] == "planflow-pool"
        assert load_flow_from_entrypoint(entry["entrypoint"]).name == served_one.flow_name, name
        assert entry["description"] == served_one.description, name
        assert entry.get("parameters", {}) == served_one.parameters, name
        assert served_one.schedules is not None, name
        crons = [
            (s.schedule.cron, s.schedule.timezone) for s in served_one.schedules if isinstance(s.schedule, CronSchedule)
        ]
        assert [(s["cron"], s["timezone"]) for s in entry.get("schedules", []) if "cron" in s] == crons, name
        intervals = [
            s.schedule.interval.total_seconds()
            for s in served_one.schedules
            if isinstance(s.schedule, IntervalSchedule)
        ]
        assert [s["interval"] for s in entry.get("schedules", []) if "interval" in s] == intervals, name


def test_every_schedule_is_in_vietnam_time():
    for deployment in build():
        for schedule in deployment.schedules or []:
            if isinstance(schedule.schedule, CronSchedule):
                assert schedule.schedule.timezone == "Asia/Ho_Chi_Minh", deployment.name


def test_the_committed_prefect_yaml_is_the_one_the_catalog_generates(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert PREFECT_YAML.read_text(encoding="utf-8") == render(), "run `python -m deployments.workpool`"
    assert main(["--check"]) == 0


def test_a_generated_prefect_yaml_follows_a_catalog_change():
    deployments = build()
    renamed = deployments[0].model_copy(update={"description": "Mô tả mới."})
    text = render([renamed, *deployments[1:]])
    assert yaml.safe_load(text)["deployments"][0]["description"] == "Mô tả mới."
    assert text != render(deployments)
