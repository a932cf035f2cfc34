"""Broken plan and contacts files: every error at once, each naming file, line and field exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.planfile import (
    PlanFileError,
    PlanIssue,
    check_files,
    load_contacts_file,
    load_plan_file,
    validate_files,
)

DATA = Path(__file__).parent / "data"
PLAN = (DATA / "mini_plan.yaml").read_text(encoding="utf-8")
CONTACTS = (DATA / "mini_contacts.yaml").read_text(encoding="utf-8")

# (case, file edited, [(old text, new text)], [(file, line, field, message)]) -- lines refer to the edited file.
CASES = [
    (
        "yaml-syntax",
        "plan",
        [("  title: Kế hoạch thử\n", "  title: [Kế hoạch thử\n")],
        [
            (
                "plan",
                7,
                "",
                "YAML syntax error: expected ',' or ']', but got ':' (while parsing a flow sequence that starts at line 6)",
            ),
        ],
    ),
    (
        "missing-field",
        "plan",
        [("  number: 1/KH-TEST\n", "")],
        [
            ("plan", 1, "plan.number", "required field is missing"),
        ],
    ),
    (
        "unknown-key",
        "plan",
        [("    due: 2018-06-15\n", "    duee: 2018-06-15\n")],
        [
            ("plan", 36, "rounds[0].due", "required field is missing"),
            ("plan", 42, "rounds[0].duee", "unknown key (did you mean 'due'?)"),
        ],
    ),
    (
        "duplicate-agency",
        "plan",
        [
            (
                "  - {code: BVL, name: Báo Vĩnh Long, kind: press}\n",
                "  - {code: BVL, name: Báo Vĩnh Long, kind: press}\n  - {code: STC, name: Sở Tài chính (2), kind: department}\n",
            )
        ],
        [
            ("plan", 26, "agencies[3].code", "duplicate agency code 'STC' (first at line 24)"),
        ],
    ),
    (
        "unknown-agency",
        "plan",
        [("agencies: [BVL], content_items", "agencies: [BVL, XYZ], content_items")],
        [
            ("plan", 33, "tasks[2].agencies[1]", "unknown agency 'XYZ'"),
        ],
    ),
    (
        "impossible-date",
        "plan",
        [("    due: 2018-06-15\n", "    due: 2018-02-30\n")],
        [
            ("plan", 42, "rounds[0].due", "invalid date '2018-02-30': day value is outside expected range"),
        ],
    ),
    (
        "out-of-year",
        "plan",
        [
            ("    opens: 2018-05-15\n", "    opens: 2019-05-15\n"),
            ("extra_days_off: []", "extra_days_off: [2019-01-01]"),
        ],
        [
            ("plan", 41, "rounds[0].opens", "date 2019-05-15 is outside the plan's year 2018"),
            ("plan", 41, "rounds[0].opens", "opening date 2019-05-15 is after the due date 2018-06-15"),
            ("plan", 47, "calendar.extra_days_off[0]", "date 2019-01-01 is outside the plan's year 2018"),
        ],
    ),
    (
        "due-before-cutoff",
        "plan",
        [("    due: 2018-06-15\n", "    due: 2018-06-01\n")],
        [
            ("plan", 42, "rounds[0].due", "due date 2018-06-01 is before the data cut-off end 2018-06-14"),
        ],
    ),
    (
        "empty-roster",
        "plan",
        [("    roster: all\n", "    roster: []\n")],
        [
            ("plan", 44, "rounds[0].roster", "empty roster: list at least one agency, or 'all'"),
        ],
    ),
    (
        "duplicate-task-key",
        "plan",
        [("{key: IV.3.1,", "{key: IV.2.1,")],
        [
            ("plan", 33, "tasks[2].key", "duplicate task key 'IV.2.1' (first at line 32)"),
        ],
    ),
    (
        "unknown-content-item",
        "plan",
        [("content_items: [1, 2]", "content_items: [1, 12]")],
        [
            ("plan", 33, "tasks[2].content_items[1]", "unknown content item 12"),
        ],
    ),
    (
        "unknown-round-task",
        "plan",
        [("    tasks: all\n", "    tasks: [IV.1.1, IV.9.9]\n")],
        [
            ("plan", 45, "rounds[0].tasks[1]", "unknown task 'IV.9.9'"),
        ],
    ),
    (
        "group-consistency",
        "plan",
        [
            ("agencies: [BVL], content_items", "agencies: [BVL, STC], content_items"),
            (
                "  - {section: IV.3, title: Báo Vĩnh Long, agencies: [BVL]}\n",
                "  - {section: IV.3, title: Báo Vĩnh Long, agencies: [BVL]}\n  - {section: IV.4, title: Sở Tài chính, agencies: [STC]}\n",
            ),
        ],
        [
            ("plan", 30, "groups[3]", "group IV.4 has no task"),
            ("plan", 34, "tasks[2].agencies[1]", "agency 'STC' is not in group IV.3"),
        ],
    ),
    (
        "duplicate-yaml-key",
        "plan",
        [("    lock: 2018-06-29\n", "    lock: 2018-06-29\n    lock: 2018-07-06\n")],
        [
            ("plan", 44, "rounds[0].lock", "duplicate key (first at line 43)"),
        ],
    ),
    (
        "bad-roster-and-lock",
        "plan",
        [("    roster: all\n", "    roster: 5\n"), ("    lock: 2018-06-29\n", "    lock: 2018-06-01\n")],
        [
            ("plan", 43, "rounds[0].lock", "lock date 2018-06-01 is before the due date 2018-06-15"),
            ("plan", 44, "rounds[0].roster", "expected 'all' or a list of codes, got 5"),
        ],
    ),
    (
        "unknown-key-no-suggestion",
        "plan",
        [("  signer: {authority: KT. CHỦ TỊCH,", "  signer: {zzz: 1, authority: KT. CHỦ TỊCH,")],
        [
            ("plan", 14, "decision.signer.zzz", "unknown key (not allowed here; a typo?)"),
        ],
    ),
    (
        "many-at-once",
        "plan",
        [
            ("  province: Vĩnh Long\n", "  provinse: Vĩnh Long\n"),
            ("agencies: [STC], text", "agencies: [SXD], text"),
            ("    due: 2018-06-15\n", "    due: 2018-13-01\n"),
            ("kind: press}", "kind: newspaper}"),
        ],
        [
            ("plan", 1, "plan.province", "required field is missing"),
            ("plan", 8, "plan.provinse", "unknown key (did you mean 'province'?)"),
            (
                "plan",
                25,
                "agencies[2].kind",
                "invalid value 'newspaper': expected 'consolidator', 'department', "
                "'mass_organisation', 'district', 'commune', 'press' or 'other'",
            ),
            ("plan", 28, "groups[1].agencies[0]", "agency 'STC' carries none of the tasks of group IV.2"),
            ("plan", 32, "tasks[1].agencies[0]", "unknown agency 'SXD'"),
            ("plan", 42, "rounds[0].due", "invalid date '2018-13-01': month value is outside expected range of 1-12"),
        ],
    ),
    (
        "contacts-unknown-agency",
        "contacts",
        [("  BVL:\n", "  XYZ:\n    focal_points: [{email: vanthu@xyz.vinhlong.example}]\n  BVL:\n")],
        [
            ("contacts", 10, "agencies.XYZ", "agency 'XYZ' is not in the plan"),
        ],
    ),
    (
        "contacts-malformed-email",
        "contacts",
        [
            ("vanthu@stc.vinhlong.example", "vanthu@@stc.vinhlong.example"),
            ("allowed_domains: [stc.vinhlong.example]", "allowed_domains: [stc vinhlong]"),
        ],
        [
            (
                "contacts",
                7,
                "agencies.STC.focal_points[0].email",
                "malformed email address 'vanthu@@stc.vinhlong.example': "
                "The part after the @-sign contains invalid characters: '@'.",
            ),
            (
                "contacts",
                9,
                "agencies.STC.allowed_domains[0]",
                "malformed email domain 'stc vinhlong': The part after the @-sign contains invalid characters: SPACE.",
            ),
        ],
    ),
    (
        "contacts-missing-agency",
        "contacts",
        [
            ("  BVL:\n    focal_points: [{email: vanthu@bvl.vinhlong.example}]\n", ""),
            ("director: {email", "director: {mail"),
        ],
        [
            ("contacts", 2, "director.email", "required field is missing"),
            ("contacts", 2, "director.mail", "unknown key (did you mean 'email'?)"),
        ],
    ),
]


def test_an_agency_without_contacts_is_a_warning_not_an_error(tmp_path):
    paths = _write(tmp_path, "contacts", [("  BVL:\n    focal_points: [{email: vanthu@bvl.vinhlong.example}]\n", "")])
    result = check_files(paths["plan"], paths["contacts"])
    assert result.errors == []
    assert [str(w) for w in result.warnings] == [
        f"{paths['contacts']}:5: agencies: agency 'BVL' of the plan has no contacts yet: it is accepted, gets no "
        "email, and shows as 'no contact' until its focal point is added here"
    ]
    plan = load_plan_file(paths["plan"])
    assert "BVL" not in load_contacts_file(paths["contacts"], plan).agencies


def _write(tmp_path: Path, target: str, edits: list[tuple[str, str]]) -> dict[str, Path]:
    texts = {"plan": PLAN, "contacts": CONTACTS}
    for old, new in edits:
        assert texts[target].count(old) == 1, old
        texts[target] = texts[target].replace(old, new)
    paths = {"plan": tmp_path / "plan.yaml", "contacts": tmp_path / "contacts.yaml"}
    for key, path in paths.items():
        path.write_text(texts[key], encoding="utf-8")
    return paths


def test_the_templates_are_valid(tmp_path):
    paths = _write(tmp_path, "plan", [])
    assert validate_files(paths["plan"], paths["contacts"]) == []
    plan = load_plan_file(paths["plan"])
    assert (
        load_contacts_file(paths["contacts"], plan).agencies["STC"].focal_points[0].email
        == "vanthu@stc.vinhlong.example"
    )


@pytest.mark.parametrize("case, target, edits, expected", CASES, ids=[c[0] for c in CASES])
def test_broken_file(tmp_path, case, target, edits, expected):
    paths = _write(tmp_path, target, edits)
    want = [PlanIssue(str(paths[f]), line, field, message) for f, line, field, message in expected]
    assert validate_files(paths["plan"], paths["contacts"]) == want

    # the loaders raise with the very same list, all errors at once
    with pytest.raises(PlanFileError) as raised:
        plan = load_plan_file(paths["plan"])
        load_contacts_file(paths["contacts"], plan)
    assert raised.value.errors == want
    assert str(raised.value).splitlines() == [str(w) for w in want]


def test_issue_reads_as_one_line():
    issue = PlanIssue(
        "plans/x.yaml", 42, "rounds[1].due", "due date 2018-06-01 is before the data cut-off end 2018-06-14"
    )
    assert str(issue) == "plans/x.yaml:42: rounds[1].due: due date 2018-06-01 is before the data cut-off end 2018-06-14"
    assert str(PlanIssue("p.yaml", 3, "", "YAML syntax error: x")) == "p.yaml:3: YAML syntax error: x"


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "the file must be a YAML mapping of sections"),
    ],
)
def test_not_a_plan(tmp_path, text, message):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    assert validate_files(path) == [PlanIssue(str(path), 1, "", message)]


def test_reserved_example_domains_pass_and_malformed_addresses_fail():
    from models.plan import Person

    for good in ["vanthu@svhttdl.vinhlong.example", "bcd@example.org", "a.b@thvl.example.org", "x@example.com"]:
        assert Person(email=good).email == good
    for bad in ["vanthu", "a@b", "a b@c.example", "a@@c.example", "@c.example"]:
        with pytest.raises(ValueError, match="malformed email address"):
            Person(email=bad)
