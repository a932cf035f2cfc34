"""Plans shipped with planflow: the reference plan (Kế hoạch 21/KH-STTTT, Vĩnh Long 2018) and its contacts."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_PLAN = "vinhlong-2018"


def plan_default_paths() -> tuple[Path, Path]:
    """Paths of the shipped reference plan.yaml and contacts.yaml."""
    folder = Path(str(files(__package__) / DEFAULT_PLAN))
    return folder / "plan.yaml", folder / "contacts.yaml"
