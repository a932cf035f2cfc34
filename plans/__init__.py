"""Plans shipped with planflow: the reference plan (Kế hoạch 21/KH-STTTT, Vĩnh Long 2018) and its contacts."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_PLAN = "vinhlong-2018"


def plan_default_paths() -> tuple[Path, Path]:
    """Paths of the shipped reference plan.yaml and contacts.yaml."""
    folder = Path(str(files(__name__) / DEFAULT_PLAN))
    return folder / "plan.yaml", folder / "contacts.yaml"


def skeleton_paths() -> tuple[Path, Path]:
    """Paths of the commented plan and contacts skeletons that `planflow plan new` copies."""
    folder = Path(str(files(__name__) / "skeleton"))
    return folder / "plan.yaml", folder / "contacts.yaml"


def plan_paths(
    plan_file: str | Path | None = None, contacts_file: str | Path | None = None
) -> tuple[Path, Path | None]:
    """The plan file to use (the reference plan when None) and its contacts file (given, else the one beside it, if any)."""
    if plan_file is None:
        plan, contacts = plan_default_paths()
        return plan, Path(contacts_file) if contacts_file is not None else contacts
    plan = Path(plan_file)
    if contacts_file is not None:
        return plan, Path(contacts_file)
    beside = plan.with_name("contacts.yaml")
    return plan, beside if beside.is_file() and beside != plan else None
