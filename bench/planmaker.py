"""Benchmark input: the reference plan grown to N reporting agencies, with a contacts file on a test domain.

The 36 reporting agencies of `plans/vinhlong-2018/plan.yaml` are kept; the others are made up in the
proportions of a province after 1 July 2025: mostly commune and ward People's Committees, then
departments' branch units, mass organisations and press. Every added agency joins group IV.12 (the
collective "all departments, mass organisations and local People's Committees" group), so it gets
the IV.12 task in the 6-month and annual rounds and III.1 in the budget round, as a real one would.
Every added address is on `bench.example` (RFC 2606 reserves `.example`, as the reference contacts use; nothing leaves the machine).

Run: `python bench/planmaker.py --agencies 1000 --out /tmp/plan-1000` writes `plan.yaml` and
`contacts.yaml` there.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "plans" / "vinhlong-2018"
TEST_DOMAIN = "bench.example"

# Syllables of southern place names; two of them make a commune or ward name.
_PLACES = (
    "Tân",
    "Long",
    "Phú",
    "Mỹ",
    "Hòa",
    "An",
    "Bình",
    "Thạnh",
    "Trung",
    "Phước",
    "Hiếu",
    "Quới",
    "Lộc",
    "Thuận",
    "Ngãi",
    "Tường",
    "Thiện",
    "Đông",
    "Hưng",
    "Xuân",
    "Nhơn",
    "Hậu",
    "Lợi",
    "Thới",
)
_BRANCHES = (
    ("Chi cục", "Thủy lợi"),
    ("Chi cục", "Kiểm lâm"),
    ("Chi cục", "Văn thư - Lưu trữ"),
    ("Trung tâm", "Xúc tiến Đầu tư, Thương mại và Du lịch"),
    ("Trung tâm", "Công nghệ thông tin và Truyền thông"),
    ("Ban Quản lý", "các khu công nghiệp"),
    ("Trung tâm", "Dịch vụ việc làm"),
)
_MASS = ("Hội Chữ thập đỏ", "Hội Khuyến học", "Hội Người cao tuổi", "Hội Luật gia", "Hội Nhà báo")
_PRESS = ("Tạp chí", "Đài Truyền thanh", "Bản tin")


@dataclass(frozen=True)
class MadeAgency:
    """One generated agency: code, names, kind, head title and the mail domain of its contacts."""

    code: str
    name: str
    short_name: str
    kind: str
    head_title: str

    @property
    def domain(self) -> str:
        """Its mail domain, under the test domain."""
        return f"{self.code.lower()}.{TEST_DOMAIN}"


def made_agencies(count: int) -> list[MadeAgency]:
    """`count` agencies: 1 in 20 press, 1 in 20 mass organisation, 1 in 10 branch unit, the rest communes/wards."""
    pairs = [f"{a} {b}" for a, b in itertools.permutations(_PLACES, 2)]
    out: list[MadeAgency] = []
    for i in range(count):
        n = i + 1
        place = pairs[i % len(pairs)] + (f" {i // len(pairs) + 1}" if i >= len(pairs) else "")
        if n % 20 == 0:
            kind_word = _PRESS[i % len(_PRESS)]
            out.append(
                MadeAgency(f"BC{n:05d}", f"{kind_word} {place}", f"{kind_word} {place}", "press", "Tổng Biên tập")
            )
        elif n % 20 == 10:
            org = _MASS[i % len(_MASS)]
            name = f"{org} {place}"
            out.append(MadeAgency(f"DT{n:05d}", name, name, "mass_organisation", "Chủ tịch"))
        elif n % 10 == 5:
            head, what = _BRANCHES[i % len(_BRANCHES)]
            name = f"{head} {what} {place}"
            out.append(
                MadeAgency(
                    f"CQ{n:05d}", name, name, "department", "Giám đốc" if head != "Chi cục" else "Chi cục trưởng"
                )
            )
        else:
            ward = n % 3 == 0
            level = "phường" if ward else "xã"
            out.append(
                MadeAgency(
                    f"XA{n:05d}",
                    f"Ủy ban nhân dân {level} {place}",
                    f"UBND {level} {place}",
                    # The plan schema has no commune kind yet; district is its local-government kind.
                    "district",
                    "Chủ tịch",
                )
            )
    return out


def make_plan(agencies: int, out_dir: Path, reference: Path = REFERENCE) -> tuple[Path, Path]:
    """Write `plan.yaml` and `contacts.yaml` with `agencies` reporting agencies into `out_dir`; their paths."""
    plan = yaml.safe_load((reference / "plan.yaml").read_text(encoding="utf-8"))
    contacts = yaml.safe_load((reference / "contacts.yaml").read_text(encoding="utf-8"))
    consolidator = {a["code"] for a in plan["agencies"] if a["kind"] == "consolidator"}
    reporting = [a for a in plan["agencies"] if a["code"] not in consolidator]
    extra = agencies - len(reporting)
    if extra < 0:
        raise ValueError(f"at least {len(reporting)} agencies (the reference plan's own) are needed, not {agencies}")
    made = made_agencies(extra)
    iv12 = next(g for g in plan["groups"] if g["section"] == "IV.12")
    everyone = next(t for t in plan["tasks"] if t["key"] == "III.1")
    # PyYAML shares one list object between an anchor and its aliases, so every task naming IV.12's
    # agencies (or III.1's) sees the additions too; only distinct lists are extended.
    shared = {id(iv12["agencies"]): iv12["agencies"], id(everyone["agencies"]): everyone["agencies"]}
    for a in made:
        plan["agencies"].append(
            {"code": a.code, "name": a.name, "short_name": a.short_name, "kind": a.kind, "head_title": a.head_title}
        )
        for codes in shared.values():
            codes.append(a.code)
        contacts["agencies"][a.code] = {
            "focal_points": [{"name": f"Văn thư {a.short_name}", "email": f"vanthu@{a.domain}"}],
            "head": {"name": f"{a.head_title} {a.name}", "email": f"lanhdao@{a.domain}"},
            "allowed_domains": [a.domain],
        }
    out_dir.mkdir(parents=True, exist_ok=True)
    plan_path, contacts_path = out_dir / "plan.yaml", out_dir / "contacts.yaml"
    header = f"# Generated by bench/planmaker.py: the reference plan with {agencies} reporting agencies.\n"
    for path, data in ((plan_path, plan), (contacts_path, contacts)):
        path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    return plan_path, contacts_path


def main(argv: list[str] | None = None) -> None:
    """Command line: --agencies N --out DIR."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--agencies", type=int, required=True, help="reporting agencies (at least 36)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    for path in make_plan(args.agencies, args.out):
        print(path)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
