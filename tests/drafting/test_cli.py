"""`planflow plan draft` end to end: the seed document drafted, its contacts skeleton filled in, then
validated and loaded into a fresh SQLite database."""

from __future__ import annotations

import itertools

import yaml

from cli.main import app
from tests.drafting.docbuild import PLANDOCS, SEED


def _fill_contacts(path) -> int:
    """Every TODO address of the skeleton replaced by a distinct address (as the officer would)."""
    counter = itertools.count(1)
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        while '"TODO: địa chỉ thư điện tử"' in line:
            line = line.replace('"TODO: địa chỉ thư điện tử"', f"hopthu{next(counter)}@vinhlong.example", 1)
        lines.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return next(counter) - 1


def test_seed_drafts_validates_with_filled_contacts_and_loads(cli, tmp_path):
    out = tmp_path / "draft"
    result = cli.invoke(app, ["plan", "draft", str(SEED), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "12 groups, 25 tasks, 37 agencies, 10 content items, 2 rounds; 0 TODO(s)" in result.stdout

    contacts = yaml.safe_load((out / "contacts.yaml").read_text(encoding="utf-8"))
    plan = yaml.safe_load((out / "plan.yaml").read_text(encoding="utf-8"))
    assert set(contacts["agencies"]) == {a["code"] for a in plan["agencies"]}  # one entry per agency found

    before = cli.invoke(app, ["plan", "validate", str(out / "plan.yaml")])
    assert before.exit_code == 2
    errors = before.stderr.splitlines()[:-1]
    assert errors and all("contacts.yaml:" in e and ": TODO: địa chỉ thư điện tử" in e for e in errors)

    assert _fill_contacts(out / "contacts.yaml") == len(errors)
    valid = cli.invoke(app, ["plan", "validate", str(out / "plan.yaml")])
    assert valid.exit_code == 0, valid.output
    assert "groups: 12; tasks: 25" in valid.stdout

    loaded = cli.invoke(app, ["plan", "load", str(out / "plan.yaml")])
    assert loaded.exit_code == 0, loaded.output
    assert (tmp_path / "data" / "planflow.db").is_file()


def test_draft_refuses_to_overwrite_without_force(cli, tmp_path):
    out = tmp_path / "d"
    assert cli.invoke(app, ["plan", "draft", str(SEED), "--out", str(out)]).exit_code == 0
    again = cli.invoke(app, ["plan", "draft", str(SEED), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.stderr
    assert cli.invoke(app, ["plan", "draft", str(SEED), "--out", str(out), "--force"]).exit_code == 0


def test_draft_with_doubts_lists_them_with_lines(cli, tmp_path):
    out = tmp_path / "qt"
    result = cli.invoke(app, ["plan", "draft", str(PLANDOCS / "quangtri-2024-kh-ubnd.txt"), "--out", str(out),
                                 "--no-contacts"])  # fmt: skip
    assert result.exit_code == 0 and not (out / "contacts.yaml").exists()
    check = cli.invoke(app, ["plan", "validate", str(out / "plan.yaml"), "--contacts", str(out / "none.yaml")])
    plan_errors = [e for e in check.stderr.splitlines() if e.startswith(str(out / "plan.yaml"))]
    text = (out / "plan.yaml").read_text(encoding="utf-8").splitlines()
    assert plan_errors and all(": TODO: " in e for e in plan_errors)
    for e in plan_errors:
        line = int(e.split(":")[1])
        assert "TODO" in text[line - 1]


def test_out_must_be_a_folder(cli, tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = cli.invoke(app, ["plan", "draft", str(SEED), "--out", str(tmp_path / "file")])
    assert result.exit_code == 2 and "is not a folder" in result.stderr
