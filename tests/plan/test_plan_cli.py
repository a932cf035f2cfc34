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
    assert result.stderr.splitlines() == [
        f"{contacts}:6: agencies.SXX: agency 'SXX' is not in the plan",
        "1 error(s); nothing loaded.",
    ]


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


CAMAU = Path(__file__).resolve().parent.parent / "data" / "camau-2025"


def test_validate_prints_warnings_and_exits_0(cli):
    result = cli.invoke(app, ["plan", "validate", str(CAMAU / "plan.yaml")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{CAMAU / 'plan.yaml'}: valid with 1 warning(s)\n")
    assert "decision: none (the plan is issued without an approving Decision)" in result.stdout
    assert "quy-2025-q3" in result.stdout and "data 2025-06-15..2025-09-14" in result.stdout
    assert result.stderr.splitlines() == [
        f"{CAMAU / 'contacts.yaml'}:9: agencies: agency 'X-TANTIEN' of the plan has no contacts yet: it is "
        "accepted, gets no email, and shows as 'no contact' until its focal point is added here"
    ]


def test_new_writes_a_skeleton_that_validates_once_filled_in(cli, tmp_path):
    import re

    target = tmp_path / "kh" / "plan.yaml"
    result = cli.invoke(app, ["plan", "new", str(target)])
    assert result.exit_code == 0, result.output
    contacts = target.with_name("contacts.yaml")
    assert target.is_file() and contacts.is_file()
    assert "# KHUNG KẾ HOẠCH" in target.read_text(encoding="utf-8")

    # as written, every placeholder is an error with its line
    unfilled = cli.invoke(app, ["plan", "validate", str(target)])
    assert unfilled.exit_code == 2
    placeholders = [line for line in unfilled.stderr.splitlines() if "not filled in" in line]
    written = [
        line
        for path in (target, contacts)
        for line in path.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    ]
    assert len(placeholders) == sum(line.count("<<ví dụ:") for line in written)
    assert f"{target}:13: plan.number: placeholder <<ví dụ: 45/KH-UBND>> not filled in" in placeholders

    # a second `new` does not overwrite the officer's work
    again = cli.invoke(app, ["plan", "new", str(target)])
    assert again.exit_code == 1 and "already exists" in again.stderr

    # filled in (here with the examples the placeholders give), it validates: exit 0, warnings only
    for path in (target, contacts):
        text = re.sub(r"<<ví dụ: ([^<>]*)>>", r"\1", path.read_text(encoding="utf-8"))
        assert "<<" not in text
        path.write_text(text, encoding="utf-8")
    filled = cli.invoke(app, ["plan", "validate", str(target)])
    assert filled.exit_code == 0, filled.output
    assert "decision: none" in filled.stdout and "quy-2026-q1" in filled.stdout
    assert all(re.match(rf"{re.escape(str(tmp_path))}/kh/\w+\.yaml:\d+: ", w) for w in filled.stderr.splitlines())

    loaded = cli.invoke(app, ["plan", "load", str(target)])
    assert loaded.exit_code == 0, loaded.output
    assert "plan vhttdl-2026: created" in loaded.stdout


def test_list_shows_the_plans_with_their_rounds_and_archive_hides_a_finished_one(cli):
    assert cli.invoke(app, ["plan", "load"]).exit_code == 0
    assert cli.invoke(app, ["plan", "load", str(CAMAU / "plan.yaml")]).exit_code == 0
    listed = cli.invoke(app, ["plan", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("camau-vhcs-2025  168/KH-UBND  2025  active  — Triển khai Phong trào")
    assert "    quy-2025-q4              quarterly        due 2025-12-18  planned" in lines
    assert "    no contact yet: X-TANTIEN" in lines
    assert any(line.startswith("vinhlong-2018  21/KH-STTTT  2018  active") for line in lines)

    archived = cli.invoke(app, ["plan", "archive", "vinhlong-2018", "--by", "Trần Thị B"])
    assert archived.exit_code == 0 and archived.stdout.strip() == "plan vinhlong-2018: archived"
    data = json.loads(cli.invoke(app, ["plan", "list", "--json"]).stdout)
    states = {p["key"]: p["archived_at"] is not None for p in data}
    assert {p["key"]: p["without_contact"] for p in data} == {"camau-vhcs-2025": ["X-TANTIEN"], "vinhlong-2018": []}
    assert states == {"camau-vhcs-2025": False, "vinhlong-2018": True}
    ref = next(p for p in data if p["key"] == "vinhlong-2018")
    assert [r["key"] for r in ref["rounds"]] == ["budget-2018", "six-month-2018", "annual-2018"]  # records kept
    assert ref["rounds"][1]["due"] == "2018-06-15T00:00:00+07:00"
    active = cli.invoke(app, ["plan", "list", "--active"])
    assert "vinhlong-2018" not in active.stdout and "camau-vhcs-2025" in active.stdout

    restored = cli.invoke(app, ["plan", "archive", "vinhlong-2018", "--restore"])
    assert restored.exit_code == 0 and "vinhlong-2018" in cli.invoke(app, ["plan", "list", "--active"]).stdout
    unknown = cli.invoke(app, ["plan", "archive", "no-such-plan"])
    assert unknown.exit_code == 1 and "no plan 'no-such-plan'" in unknown.stderr


def test_show_json_of_a_plan_without_decision_with_its_quarters(cli):
    result = cli.invoke(app, ["plan", "show", str(CAMAU / "plan.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["decision"] is None and data["responsibilities_section"] == "III"
    rounds = {r["key"]: r for r in data["rounds"]}
    assert set(rounds) == {"du-toan-2026", "quy-2025-q3", "quy-2025-q4"}
    q3 = rounds["quy-2025-q3"]
    assert (q3["kind"], q3["period"], q3["name"]) == ("quarterly", 3, "Báo cáo quý III")
    assert (q3["cutoff_start"], q3["cutoff_end"], q3["due"]) == (
        "2025-06-15T00:00:00+07:00",
        "2025-09-14T23:59:59+07:00",
        "2025-09-18T00:00:00+07:00",
    )
    assert rounds["du-toan-2026"]["name"] == "Kế hoạch và dự toán kinh phí" and len(q3["roster"]) == 43
