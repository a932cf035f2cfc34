"""What the plan format needs and a plan document does not say, as documented defaults: the layout
of the consolidated report, and the contacts skeleton (one entry per agency, every address a TODO)."""

from __future__ import annotations

from drafting.gazetteer import Entry
from drafting.structure import Part
from drafting.vntext import fold
from drafting.writer import S, todo


def report_layout(plan: Part, consolidator: Entry | None, province: str | None, code: str | None) -> dict:
    """Decree 30/2020 layout of the consolidated report: the plan's header where it has one, else defaults."""
    cons_name = consolidator.name if consolidator else None
    bodies = plan.header.bodies
    # The plan's header is the report's when the consolidator issued the plan; else the parent body is
    # the province's People's Committee.
    own = bool(cons_name) and len(bodies) > 1 and fold(cons_name or "") in fold(" ".join(b.text for b in bodies[1:]))
    parent = bodies[0].text if own else (f"UBND TỈNH {province.upper()}" if province else None)
    return {
        "parent_body": S(parent, bodies[0].number if own else None, "the plan's header" if own else "default")
        if parent
        else todo("the parent body for the report's header"),
        "issuing_body": S(cons_name.upper(), None, "the consolidator") if cons_name else todo("the report's issuer"),
        "symbol": S(f"BC-{code}" if code else "BC", None, "default: BC- and the consolidator's code"),
        "place": S(plan.header.place.text, plan.header.place.number)
        if plan.header.place
        else (S(province, None, "the province") if province else todo("the report's place")),
        "signer": {
            "authority": S(None, None, "default: the head signs in their own name"),
            "title": S(consolidator.head_title.upper() if consolidator else "GIÁM ĐỐC", None, "default: the head"),
            "name": S(None, None, "left blank for the signer"),
        },
        "distribution": [S("- UBND tỉnh (b/c);", None, "default"), S("- Lưu: VT.", None, "default")],
    }


def contacts_skeleton(
    entries: list[Entry], codes: dict[str, str], province: str | None, cons_name: str | None, reported_to: str | None
) -> dict:
    """A contacts file to fill in: the officials, and one entry per agency, every address a TODO."""
    where = f" tỉnh {province}" if province else ""
    email = "TODO: địa chỉ thư điện tử"
    agencies = {}
    for e in entries:
        agencies[codes[e.name]] = S(
            {
                "focal_points": [{"name": S(f"Văn thư {e.short_name or e.name}"), "email": S(email)}],
                "head": {"name": S(f"{e.head_title} {e.name}"), "email": S(email)},
            },
            None,
            e.name,
        )
    return {
        "officer": {"name": S(f"Chuyên viên phụ trách, {cons_name or 'cơ quan tổng hợp'}"), "email": S(email)},
        "director": {"name": S(f"Giám đốc {cons_name}" if cons_name else "Thủ trưởng cơ quan tổng hợp"),
                     "email": S(email)},
        "chairman": {"name": S(f"Chủ tịch Ủy ban nhân dân{where}"), "email": S(email)},
        "steering_committee": {"name": S(reported_to or "Cơ quan nhận báo cáo tổng hợp"), "email": S(email)},
        "agencies": agencies,
    }  # fmt: skip
