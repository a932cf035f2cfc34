"""Placing agency names: the gazetteer (gazetteer.yaml, provinces.yaml) and tolerant matching.

Matching runs on `vntext.fold`ed text, so case, spacing, NFC/NFD and old or new tone placement
('Văn hoá' / 'Văn hóa') do not matter, and abbreviations ('Sở TT&TT', 'Sở LĐ-TB&XH') are aliases.
A heading such as 'Thủ trưởng các Sở, ban ngành, đoàn thể tỉnh, UBND các huyện, thị xã, thành
phố' is read as a list of mentions: named agencies, collective phrases (expanded later, once every
named agency of the plan is known) and names it cannot place (left for a TODO).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from drafting.vntext import ascii_fold, clean, fold, slug

HERE = Path(__file__).parent
MERGER = dt.date(2025, 3, 1)  # Decree 45/2025/NĐ-CP: the merged departments


@dataclass(frozen=True)
class Entry:
    """One agency the gazetteer can place, with the names it goes by."""

    code: str
    name: str
    short_name: str | None
    kind: str  # the plan format's AgencyKind value
    head_title: str
    group: str  # department, sector, mass, press, unit, district
    aliases: tuple[str, ...]
    standard: frozenset[str] = frozenset()
    eras: frozenset[str] = frozenset()  # the eras the agency exists in (empty: any)


@dataclass(frozen=True)
class Mention:
    """What one stretch of a heading names."""

    text: str
    entries: tuple[Entry, ...] = ()
    groups: frozenset[str] = frozenset()  # collective: expanded by `Catalog.expand`
    todo: str | None = None
    vague: bool = False  # 'các cơ quan liên quan': names no agency


def derive_code(name: str) -> str:
    """A stable ASCII code from a name: initials of its syllables, 'và' left out ('Sở Y tế' -> 'SYT')."""
    words = [w for w in re.split(r"[\s,&\-–/()]+", ascii_fold(name)) if w and w.lower() != "va"]
    return "".join(w[0].upper() for w in words if w[0].isalnum()) or "X"


def _rx(pattern: str) -> re.Pattern:
    """A pattern written in Vietnamese, compiled to run on folded text."""
    return re.compile(fold(pattern))


_COLLECTIVE: list[tuple[frozenset[str], re.Pattern]] = [
    (
        frozenset({"district"}),
        _rx(
            r"(?:(?:chủ tịch|thủ trưởng)\s+)?(?:ủy ban nhân dân|ubnd)\s*,?\s+(?:các\s+)?(?:cấp\s+huyện|huyện|quận)"
            r"(?:\s*(?:,|và|/)\s*(?:thị xã|thị|thành phố|tp\.?|quận))*(?:\s+thuộc tỉnh)?"
        ),
    ),
    (
        frozenset({"district"}),
        _rx(r"(?:các\s+)?(?:huyện|quận)\s*,\s*(?:thị xã|thị)(?:\s*(?:,|và)\s*(?:thành phố|tp\.?))?"),
    ),
    (
        frozenset({"commune"}),
        _rx(
            r"(?:(?:chủ tịch|thủ trưởng)\s+)?(?:ủy ban nhân dân|ubnd)\s*,?\s+(?:các\s+)?(?:cấp\s+xã|xã|phường|đặc khu)"
            r"(?:\s*(?:,|và|/)\s*(?:xã|phường|thị trấn|đặc khu))*"
        ),
    ),
    (
        frozenset({"department", "sector"}),
        _rx(
            r"(?:các\s+)?(?:cơ quan chuyên môn thuộc (?:ủy ban nhân dân|ubnd) tỉnh|sở\s*,?\s*(?:ban\s*,?\s*)?ngành)"
            r"(?:\s*,?\s*(?:(?:mặt trận|mttq)\s*,?\s*)?(?:các\s+)?(?:đoàn thể|hội,? đoàn thể|tổ chức chính trị - xã hội))?"
            r"(?:\s+(?:tỉnh|cấp tỉnh))?(?:\s+(?:có\s+)?liên quan)?"
        ),
    ),
    (
        frozenset({"mass"}),
        _rx(
            r"(?:ủy ban\s+)?(?:mặt trận tổ quốc(?:\s+việt nam)?|mặt trận|mttq(?:\s+việt nam)?)(?:\s+tỉnh)?\s*(?:,|và)\s*"
            r"(?:các\s+)?(?:tổ chức chính trị - xã hội|đoàn thể|hội,? đoàn thể)(?:\s+(?:chính trị - xã hội|tỉnh|cấp tỉnh))*"
        ),
    ),
    (
        frozenset({"mass"}),
        _rx(
            r"(?:các\s+)?(?:tổ chức chính trị - xã hội|đoàn thể|hội,? đoàn thể)(?:\s+(?:chính trị - xã hội|tỉnh|cấp tỉnh))*"
        ),
    ),
    (
        frozenset({"press"}),
        _rx(r"(?:các\s+)?cơ quan (?:thông tấn,?\s*)?báo chí(?:\s+(?:của|trên địa bàn)\s+tỉnh|\s+tỉnh|\s+địa phương)?"),
    ),
]
_VAGUE = _rx(
    r"(?:(?:thủ trưởng|lãnh đạo)\s+)?(?:các\s+)?(?:cơ quan|đơn vị|địa phương|ngành)"
    r"(?:\s*(?:,|và)\s*(?:cơ quan|đơn vị|địa phương|tổ chức))*\s+(?:có\s+)?liên quan"
)
_MASS_WORDS = _rx(r"đoàn thể|tổ chức chính trị - xã hội")
_LEAD = _rx(r"(?:(?:thủ trưởng|giám đốc|chủ tịch|lãnh đạo|đề nghị|giao|trách nhiệm của)\s+)+")
_SEP = _rx(r"(?:\s*(?:,|;|/|\bvà\b|\bcùng\b)\s*|\s+)+(?:các\s+)?")
_AGENCY_NOUN = _rx(
    r"(?:sở|ban|báo|đài|cổng|công an|bộ chỉ huy|bộ đội|hội|liên hiệp|liên đoàn|ủy ban|ubnd|trung tâm|văn phòng|"
    r"thanh tra|tỉnh đoàn|mặt trận|kho bạc|cục|chi cục|trường|bệnh viện|bảo hiểm|ngân hàng|viện|đảng ủy|"
    r"hđnd|hội đồng|tòa án|công ty|tổng công ty|đoàn)\b"
)


# A named local People's Committee ('UBND huyện Tân Phước', 'Ủy ban nhân dân phường Long Châu'): its
# name says what it is, so it is placed even when provinces.yaml does not list the province's units.
_LOCAL = re.compile(
    r"(?:Ủy ban nhân dân|Uỷ ban nhân dân|UBND)\s+(?P<type>huyện|quận|thị xã|thành phố|xã|phường|thị trấn|đặc khu)"
    r"\s+(?P<place>(?:[A-ZĐÀ-Ỹ][\wà-ỹđ]*|\d+)(?:\s+(?:[A-ZĐÀ-Ỹ][\wà-ỹđ]*|\d+))*)"
)


def local_entry(m: re.Match) -> Entry:
    """The entry of a named local People's Committee."""
    return _district(f"{m['type']} {m['place']}")


@dataclass
class Catalog:
    """The gazetteer made concrete for one plan: its province's names, districts and era."""

    province: str | None
    on: dt.date | None
    entries: list[Entry]
    districts: list[Entry] | None  # None: the province's district-level units are unknown
    extra: set[str]  # names of the province's optional agencies
    _patterns: list[tuple[Entry, re.Pattern]] = field(default_factory=list)

    def __post_init__(self):
        prov = fold(self.province) if self.province else None
        for e in [*self.entries, *(self.districts or [])]:
            for alias in {e.name, e.short_name or e.name, *e.aliases}:
                self._patterns.append((e, _alias_rx(alias, prov)))

    @property
    def era(self) -> str:
        """'2025' for plans dated after the merger of departments, else '2014'."""
        return "2025" if self.on and self.on >= MERGER else "2014"

    def match_at(self, folded: str, pos: int) -> tuple[Entry, int] | None:
        """The longest agency name starting at `pos` of folded text, and where it ends."""
        best = None
        for entry, rx in self._patterns:
            m = rx.match(folded, pos)
            if m and (best is None or m.end() > best[1]):
                best = (entry, m.end())
        return best

    def place(self, name: str) -> Entry | None:
        """The agency `name` names in full, if the gazetteer knows it."""
        f = fold(clean(name)).strip(" .:;,")
        found = self.match_at(f, 0)
        return found[0] if found and found[1] >= len(f) else None

    def find_in(self, text: str) -> list[tuple[Entry, int, int]]:
        """Every agency named anywhere in `text` (NFC), with its span, left to right, without overlaps."""
        text = clean(text)
        f = fold(text)
        out, pos = [], 0
        while pos < len(f):
            # In running text a name starts with a capital ('Báo Vĩnh Long', not 'đảm bảo tính').
            if (pos == 0 or not f[pos - 1].isalnum()) and text[pos].isupper():
                found = self.match_at(f, pos)
                if found:
                    out.append((found[0], pos, found[1]))
                    pos = found[1]
                    continue
            pos += 1
        return out

    def mentions(self, text: str) -> tuple[list[Mention], str]:
        """The agencies a responsibility heading names, and the rest of it (an inline task, if any)."""
        text = clean(text)
        f = fold(text)
        pos = 0
        m = _LEAD.match(f, pos)
        if m:
            pos = m.end()
        out: list[Mention] = []
        while pos < len(f):
            m = _SEP.match(f, pos)
            if m and m.end() > pos:
                pos = m.end()
            if pos >= len(f) or f[pos] in ":(":
                break
            local = _LOCAL.match(text, pos)
            if local:
                out.append(Mention(local.group().strip(), entries=(local_entry(local),)))
                pos = local.end()
                continue
            found = self._collective_at(f, pos)
            if found:
                groups, end = found
                out.append(Mention(text[pos:end], groups=groups))
                pos = end
                continue
            v = _VAGUE.match(f, pos)
            if v:
                out.append(Mention(text[pos : v.end()], vague=True))
                pos = v.end()
                continue
            placed = self.match_at(f, pos)
            if placed:
                out.append(Mention(text[pos : placed[1]], entries=(placed[0],)))
                pos = placed[1]
                continue
            if _AGENCY_NOUN.match(f, pos) and text[pos].isupper():  # a name is capitalised; 'báo cáo' is not
                end = self._unplaced_end(f, pos)
                out.append(
                    Mention(text[pos:end].strip(" ,;"), todo="agency name not in the gazetteer: place it by hand")
                )
                pos = end
                continue
            break
        return out, text[pos:].strip(" :;,-")

    def _collective_at(self, f: str, pos: int) -> tuple[frozenset[str], int] | None:
        best = None
        for groups, rx in _COLLECTIVE:
            m = rx.match(f, pos)
            if m and (best is None or m.end() > best[1]):
                g = groups | ({"mass"} if "department" in groups and _MASS_WORDS.search(m.group()) else set())
                best = (frozenset(g), m.end())
        return best

    def _unplaced_end(self, f: str, pos: int) -> int:
        """End of an unplaced name: the next separator followed by something placeable, or ':'."""
        for m in re.finditer(r"\s*(?:[,;]|\bva\b)\s*", f[pos:]):
            nxt = pos + m.end()
            if self._collective_at(f, nxt) or self.match_at(f, nxt) or _AGENCY_NOUN.match(f, nxt):
                return pos + m.start()
        colon = f.find(":", pos)
        return colon if colon != -1 else len(f)

    def expand(self, groups: frozenset[str], named: list[Entry]) -> tuple[list[Entry], list[str]]:
        """The agencies a collective phrase stands for, given the agencies the plan names; and what it
        cannot expand (as TODO reasons)."""
        out: list[Entry] = []
        todos: list[str] = []
        era = self.era
        for g in ("department", "sector", "mass", "press"):
            if g not in groups:
                continue
            out += [
                e
                for e in self.entries
                if e.group == g and (era in e.standard or (e.name in self.extra and (not e.eras or era in e.eras)))
            ]
            out += [e for e in named if e.group == g]
        if "district" in groups:
            if self.on and self.on.year >= 2025 and self.on >= dt.date(2025, 7, 1):
                todos.append("district-level People's Committees ended on 1/7/2025: list the units meant")
            elif self.districts is None:
                todos.append(
                    f"the district-level units of {'tỉnh ' + self.province if self.province else 'the province'} "
                    "are not in drafting/provinces.yaml: list them"
                )
            else:
                out += self.districts
        if "commune" in groups:
            todos.append("communes and wards are not in the gazetteer: list the People's Committees meant")
        seen: set[str] = set()
        unique = [e for e in out if not (e.name in seen or seen.add(e.name))]
        return unique, todos


def _alias_rx(alias: str, province: str | None) -> re.Pattern:
    f = fold(alias.replace("{province}", province or "tỉnh")).strip()
    parts = []
    for tok in re.split(r"[\s,]+", f):
        if tok == fold("và"):
            parts.append(r"(?:va|&)")
        else:
            parts.append(re.escape(tok).replace(r"\&", r"\s*&\s*").replace(r"\-", r"\s*-\s*"))
    suffix = rf"(?:\s+{fold('tỉnh')})?" + (rf"(?:\s+{re.escape(province)})?" if province else "")
    return re.compile(r"[\s,]+".join(parts) + suffix + r"(?!\w)")


@cache
def _data() -> tuple[dict, dict]:
    gaz = yaml.safe_load((HERE / "gazetteer.yaml").read_text(encoding="utf-8"))
    prov = yaml.safe_load((HERE / "provinces.yaml").read_text(encoding="utf-8"))
    return gaz, prov


def catalog_for(province: str | None, on: dt.date | None) -> Catalog:
    """The gazetteer for a plan of `province` dated `on` (either may be unknown)."""
    gaz, prov = _data()
    entries = []
    for raw in gaz["agencies"]:
        if "{province}" in raw["name"] and not province:
            continue
        name = raw["name"].replace("{province}", province or "")
        short = raw.get("short")
        entries.append(
            Entry(
                code=raw.get("code") or derive_code(name),
                name=name,
                short_name=short.replace("{province}", province or "").strip() if short else None,
                kind=raw["kind"],
                head_title=raw.get("head", "Giám đốc"),
                group=raw["group"],
                aliases=tuple(a.replace("{province}", province or "tỉnh") for a in raw.get("aliases", [])),
                standard=frozenset(raw.get("standard", [])),
                eras=frozenset(raw.get("eras", [])),
            )
        )
    districts, extra = None, set()
    for p in prov["provinces"]:
        if province and fold(p["name"]) == fold(province):
            extra = set(p.get("extra", []))
            until = p["districts"].get("until")
            if on is None or until is None or on <= until:
                districts = [_district(unit) for unit in p["districts"]["units"]]
    return Catalog(province, on, entries, districts, extra)


_UNIT_PREFIX = {  # local unit type -> code prefix (a district keeps the bare name, as most are districts)
    "thành phố": "TP", "thị xã": "TX", "quận": "Q", "huyện": "", "xã": "X", "phường": "P", "thị trấn": "TT",
    "đặc khu": "DK",
}  # fmt: skip


def _district(unit: str) -> Entry:
    """The entry of a local People's Committee from 'huyện Long Hồ', 'thành phố Vĩnh Long', …"""
    prefix, place = "", unit
    for kind, code in sorted(_UNIT_PREFIX.items(), key=lambda kv: -len(kv[0])):
        if fold(unit).startswith(fold(kind) + " "):
            prefix, place = code, unit[len(kind) + 1 :]
            break
    commune = prefix in ("X", "P", "TT", "DK")
    return Entry(
        code=f"UBND-{prefix}{slug(place).upper()}",
        name=f"Ủy ban nhân dân {unit}",
        short_name=f"UBND {unit}",
        kind="district",
        head_title="Chủ tịch",
        group="commune" if commune else "district",
        aliases=(f"Ủy ban nhân dân {unit}", f"UBND {unit}"),
    )
