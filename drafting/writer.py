"""Writing the draft as YAML text, every value with a comment giving its source line.

The text is written deliberately rather than dumped: block style, one value per line, strings
double-quoted (a JSON string is a valid YAML double-quoted scalar), comments after values, and YAML
anchors where a task shares its group's agencies. Tests parse the result back.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

TODO = "TODO"


@dataclass
class S:
    """A value with where it comes from: `line` of the document, `note` (the source words or why)."""

    value: Any
    line: int | None = None
    note: str | None = None
    anchor: str | None = None  # write as '&anchor' (lists) ...
    alias: str | None = None  # ... or as '*alias' instead of the value


def todo(reason: str, source: str | None = None, line: int | None = None) -> S:
    """A value the draft cannot decide: 'TODO: reason «source words»'."""
    text = f"{TODO}: {reason}" + (f" «{_short(source, 160)}»" if source else "")
    return S(text, line, None)


def is_todo(value: Any) -> bool:
    """True for a TODO placeholder."""
    return isinstance(value, str) and value.startswith(TODO)


def _short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def _comment(s: S | None) -> str:
    if s is None or (s.line is None and not s.note):
        return ""
    where = f"L{s.line}" if s.line is not None else ""
    note = _short(s.note, 90) if s.note else ""
    text = f"{where}: {note}" if where and note else where or note
    return "  # " + text.replace("\n", " ")


def render(tree: dict, header: list[str]) -> str:
    """The YAML text of `tree` (dicts, lists and `S` leaves), after `header` comment lines."""
    out = [f"# {h}" if h else "#" for h in header]
    _mapping(tree, 0, out)
    return "\n".join(out) + "\n"


def _unwrap(value: Any) -> tuple[Any, S | None]:
    return (value.value, value) if isinstance(value, S) else (value, None)


def _mapping(tree: dict, indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    for n, (key, raw) in enumerate(tree.items()):
        prefix = first_prefix if (n == 0 and first_prefix is not None) else pad
        value, meta = _unwrap(raw)
        if meta is not None and meta.alias:
            out.append(f"{prefix}{key}: *{meta.alias}{_comment(meta)}")
        elif isinstance(value, dict):
            if not value:
                out.append(f"{prefix}{key}: {{}}{_comment(meta)}")
            else:
                out.append(f"{prefix}{key}:{_comment(meta)}")
                _mapping(value, indent + 2, out)
        elif isinstance(value, list):
            anchor = f" &{meta.anchor}" if meta is not None and meta.anchor else ""
            if not value:
                out.append(f"{prefix}{key}:{anchor} []{_comment(meta)}")
            else:
                out.append(f"{prefix}{key}:{anchor}{_comment(meta)}")
                _sequence(value, indent + 2, out)
        else:
            anchor = f"&{meta.anchor} " if meta is not None and meta.anchor else ""
            out.append(f"{prefix}{key}: {anchor}{_scalar(value)}{_comment(meta)}")


def _sequence(items: list, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for raw in items:
        value, meta = _unwrap(raw)
        if isinstance(value, dict):
            if meta is not None and _comment(meta):
                out.append(f"{pad}{_comment(meta).strip()}")
            _mapping(value, indent + 2, out, first_prefix=f"{pad}- ")
        else:
            out.append(f"{pad}- {_scalar(value)}{_comment(meta)}")
