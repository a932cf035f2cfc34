"""`planflow plan draft`: a plan YAML and a contacts skeleton drafted from the plan document itself."""

from __future__ import annotations

from pathlib import Path

import typer

from drafting.extract import draft as draft_plan
from drafting.reading import DocumentError, read_document
from drafting.writer import render
from models.planfile import validate_files


def _header(doc_path: Path, kind: str, what: str) -> list[str]:
    return [
        f"{what} drafted by `planflow plan draft` from {doc_path.name} ({kind}).",
        "Each value's comment gives its source: L<n> is line n of the document as read (a text file's line,",
        "a .docx paragraph or line of one, a PDF paragraph); a comment without a line is a default or a derivation.",
        "Values the draft could not decide are 'TODO: …' with the source words: `planflow plan validate`",
        "lists every one of them, with its line, until it is resolved by hand.",
        "",
    ]


DocumentArg = typer.Argument(..., help="The plan document: .docx, .pdf (with a text layer) or text.")
OutOpt = typer.Option(..., "--out", help="Folder to write plan.yaml (and contacts.yaml) into.")
ContactsOpt = typer.Option(
    True, "--contacts/--no-contacts", help="Also write a contacts.yaml skeleton, one entry per agency."
)
ForceOpt = typer.Option(False, "--force", help="Overwrite plan.yaml / contacts.yaml if they exist.")


def draft(
    document: Path = DocumentArg,
    out: Path = OutOpt,
    contacts: bool = ContactsOpt,
    force: bool = ForceOpt,
) -> None:
    """Draft a plan file from the plan document; every value carries its source line, doubts are TODOs."""
    try:
        doc = read_document(document)
        result = draft_plan(doc)
    except DocumentError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if out.exists() and not out.is_dir():
        typer.echo(f"error: {out} exists and is not a folder", err=True)
        raise typer.Exit(2)
    targets = [out / "plan.yaml"] + ([out / "contacts.yaml"] if contacts else [])
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        typer.echo(f"error: {', '.join(map(str, existing))} exists (use --force to overwrite)", err=True)
        raise typer.Exit(2)
    plan_text = render(result.plan, _header(document, doc.kind, "Plan"))
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "plan.yaml").write_text(plan_text, encoding="utf-8")
        if contacts:
            (out / "contacts.yaml").write_text(
                render(result.contacts, _header(document, doc.kind, "Contacts skeleton")), encoding="utf-8"
            )
    except OSError as exc:
        typer.echo(f"error: cannot write into {out}: {exc.strerror or exc}", err=True)
        raise typer.Exit(2) from None
    todos = [i for i in validate_files(out / "plan.yaml") if i.message.startswith("TODO")]
    p = result.plan
    typer.echo(
        f"{out / 'plan.yaml'}: {len(p['groups'])} groups, {len(p['tasks'])} tasks, {len(p['agencies'])} agencies, "
        f"{len(p['content_items'])} content items, {len(p['rounds'])} rounds; {len(todos)} TODO(s) to resolve"
    )
    for issue in todos:
        typer.echo(f"  {issue}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    if contacts:
        typer.echo(f"{out / 'contacts.yaml'}: fill in every address, then `planflow plan validate {out / 'plan.yaml'}`")
