"""Test helpers: a .docx built from a plan text with real Word lists and tables, and a PDF from it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.styles.style import ParagraphStyle

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seed" / "000_9c481d5ddfaaf0ce.txt"
PLANDOCS = ROOT / "tests" / "data" / "plandocs"


def _restarted_list(document: DocxDocument, style: str) -> str:
    """A new numbering instance of `style`'s list that starts again at 1 (as Word does per section)."""
    numbering = document.part.numbering_part.element
    style_num = document.styles[style].element.pPr.numPr.numId.val
    abstract = numbering.num_having_numId(style_num).abstractNumId.val
    num = numbering.add_num(abstract)
    num.add_lvlOverride(ilvl=0).add_startOverride(1)
    return str(num.numId)


def build_docx(text: str, path: Path) -> Path:
    """A .docx of a plan text: 'N. …' as a numbered list restarting under each Roman section,
    '- …' as a bulleted list, '| a | b' lines as a table, everything else as paragraphs."""
    document = docx.Document()
    # A font with Vietnamese glyphs (fonts-dejavu-core, which bootstrap.sh installs), so that the PDF
    # LibreOffice makes of it has a real text layer whatever fonts the machine has.
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    normal.font.name = "DejaVu Serif"
    num_id = None
    rows: list[list[str]] = []

    def flush_table() -> None:
        if rows:
            table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell
            rows.clear()

    for line in text.splitlines():
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("| ").split(" | ")])
            continue
        flush_table()
        if re.match(r"^[IVX]+\. ", line):
            num_id = None
            document.add_paragraph(line)
        elif m := re.match(r"^(\d{1,2})\. (.*)$", line):
            if num_id is None:
                num_id = _restarted_list(document, "List Number")
            p = document.add_paragraph(m[2], style="List Number")
            p._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = int(num_id)
        elif m := re.match(r"^- (.*)$", line):
            document.add_paragraph(m[1], style="List Bullet")
        else:
            document.add_paragraph(line)
    flush_table()
    document.save(str(path))
    return path


def to_pdf(source: Path, outdir: Path) -> Path:
    """`source` converted to PDF by LibreOffice (headless, with its own profile)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is required: devstack/bootstrap.sh --test installs it"
    profile = outdir / "lo-profile"
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(outdir), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return outdir / (source.stem + ".pdf")
