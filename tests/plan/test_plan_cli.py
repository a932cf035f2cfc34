"""`planflow plan validate | show | load` through typer's CliRunner (the root conftest's `cli`, on the test's settings)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cli.main import app

DATA = Path(__file__).parent / "data"


def test_validate_reference_plan_exit_0_with_summary(cli):
    result = cli.invoke(app, ["plan", "validate"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "plan vinhlong-2018: Kế hoạch số 21/KH-STTTT ngày 13/04/2018" in out
    assert "agencies: 37" in out and "reporting to Sở TT&TT: 36" in out
    assert "content items: 10; groups: 12; tasks: 25" in out
    assert "six-month-2018" in out and "due 2018-06-15T00:00:00+07:00" in out
    assert "annual-2018" in out and "due 2018-11-15T00:00:00+07:00" in out
    assert "contacts.yaml: valid — 37 agencies" in out
    assert len(out.splitlines()) <= 24  # one screen


def test_validate_broken_plan_exit_2_every_error(cli, tmp_path):
    text = (DATA / "mini_plan.yaml").read_text(encoding="utf-8")
    text = text.replace("  province: Vĩnh Long\n", "  provinse: Vĩnh Long\n").replace(
        "    due: 2018-06-15\n", "    due: 2018-06-01\n"
    )
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    result = cli.invoke(app, ["plan", "validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"{path}:1: plan.province: required field is missing",
        f"{path}:8: plan.provinse: unknown key (did you mean 'province'?)",
        f"{path}:42: rounds[0].due: due date 2018-06-01 is before the data cut-off end 2018-06-14",
        "3 error(s); nothing loaded.",
    ]


def test_validate_with_broken_contacts_exit_2(cli, tmp_path):
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(
        (DATA / "mini_contacts.yaml").read_text(encoding="utf-8").replace("  STC:", "  SXX:"), encoding="utf-8"
    )
    result = cli.invoke(app, ["plan", "validate", str(DATA / "mini_plan.yaml"), "--contacts", str(contacts)])
    assert result.exit_code == 2
    assert f"{contacts}:5: agencies: agency 'STC' of the plan has no contacts" in result.stderr
    assert f"{contacts}:6: agencies.SXX: agency 'SXX' is not in the plan" in result.stderr


def test_show_json(cli):
    result = cli.invoke(app, ["plan", "show", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {"agencies", "tasks", "rounds", "content_items", "decision"} <= set(data)
    assert {"code": "BVL", "name": "Báo Vĩnh Long", "kind": "press"} in data["agencies"]
    assert all(set(a) >= {"code", "name"} for a in data["agencies"])
    tasks = {t["key"]: t for t in data["tasks"]}
    assert tasks["IV.10.1"]["agency"] == ["BVL", "DPTTH"] and tasks["IV.10.1"]["section"] == "IV.10"
    assert tasks["IV.3.1"]["section"] == "IV.3" and tasks["IV.3.1"]["agency"] == ["SKHDT"]
    assert len(tasks["IV.12.1"]["agency"]) == 34
    assert len(data["content_items"]) == 10
    assert data["decision"]["signer"] == {"authority": "KT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH", "name": "Lữ Quang Ngời"}
    rounds = {r["key"]: r for r in data["rounds"]}
    assert set(rounds) == {"budget-2018", "six-month-2018", "annual-2018"}
    six = rounds["six-month-2018"]
    assert (six["kind"], six["cutoff_start"], six["cutoff_end"]) == (
        "six_month",
        "2017-12-15T00:00:00+07:00",
        "2018-06-14T23:59:59+07:00",
    )
    assert six["due"] == "2018-06-15T00:00:00+07:00"
    for r in data["rounds"]:
        for key in ("opens", "due", "lock") + (("cutoff_start", "cutoff_end") if r["cutoff_start"] else ()):
            instant = dt.datetime.fromisoformat(r[key])
            assert instant.utcoffset() == dt.timedelta(hours=7), (r["key"], key)
        assert "STTTT" not in r["roster"]
    assert rounds["annual-2018"]["due"] == "2018-11-15T00:00:00+07:00"


def test_show_json_of_a_broken_plan_exit_2(cli, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("plan: [\n", encoding="utf-8")
    result = cli.invoke(app, ["plan", "show", str(path), "--json"])
    assert result.exit_code == 2
    assert result.stdout == "" and f"{path}:2: YAML syntax error" in result.stderr


def test_load_twice_is_idempotent(cli, tmp_path):
    first = cli.invoke(app, ["plan", "load"])
    assert first.exit_code == 0, first.output
    assert "created agency 37, contact 76, content_item 10" in first.stdout and "round 3, task 25" in first.stdout
    assert (tmp_path / "data" / "planflow.db").is_file()
    second = cli.invoke(app, ["plan", "load"])
    assert second.exit_code == 0, second.output
    assert second.stdout.strip() == "plan vinhlong-2018: created nothing; updated nothing; retired nothing"


def test_load_refuses_a_broken_plan(cli, tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text(
        (DATA / "mini_plan.yaml").read_text(encoding="utf-8").replace("[BVL], content", "[XYZ], content"),
        encoding="utf-8",
    )
    result = cli.invoke(app, ["plan", "load", str(path)])
    assert result.exit_code == 2
    assert f"{path}:33: tasks[2].agencies[0]: unknown agency 'XYZ'" in result.stderr
    assert not (tmp_path / "data" / "planflow.db").exists()
