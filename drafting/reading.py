"""Reading a plan document into numbered lines of NFC text: .docx, .pdf (text layer) or plain text.

A line is what the structure parser reads: a paragraph of a .docx, or each line of it where it has
manual line breaks (list numbering rendered as the text the reader sees, table cells row by row), a paragraph of a PDF's text layer (wrapped lines
joined), or a line of a text file. Its number is the one a person finds in the source: the file
line, the line's position in the .docx's text, the first text line of the PDF paragraph.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from drafting.vntext import clean, nfc, odd_share


class DocumentError(Exception):
    """A document that cannot be drafted from; the message says why, for the person who gave it."""


@dataclass(frozen=True)
class Line:
    """One line of the document as read."""

    number: int
    text: str


@dataclass(frozen=True)
class Document:
    """A document as numbered lines."""

    path: str
    kind: str  # "text", "docx" or "pdf"
    lines: list[Line]
    encoding: str | None = None


def read_document(path: str | Path) -> Document:
    """The document at `path` as numbered lines; raises `DocumentError` with a clear reason."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{p}: cannot read the file: {exc.strerror or exc}") from None
    if not data.strip():
        raise DocumentError(f"{p}: the file is empty")
    if data.startswith(b"%PDF"):
        doc = Document(str(p), "pdf", _pdf_lines(p, data))
    elif data.startswith(b"PK"):
        doc = Document(str(p), "docx", _docx_lines(p, data))
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentError(f"{p}: an old binary Word (.doc) file: save it as .docx and draft from that")
    else:
        text, encoding = decode_text(data, str(p))
        doc = Document(str(p), "text", [Line(i, clean(t)) for i, t in enumerate(text.splitlines(), 1)], encoding)
    if not any(line.text for line in doc.lines):
        raise DocumentError(f"{p}: the document has no text")
    if doc.kind != "text" and odd_share(" ".join(line.text for line in doc.lines)) > 0.02:
        # Text typed in a legacy Vietnamese font (.VnTime: TCVN3; VNI-Times: VNI) is stored as Latin-1
        # look-alikes ('KÕ ho¹ch'): readable on screen with the font, not as text.
        raise DocumentError(
            f"{p}: the text is in a legacy Vietnamese font encoding (TCVN3/VNI), not Unicode: "
            "convert it to Unicode first (e.g. with UniKey's converter)"
        )
    return doc


# ---- plain text ----

_BOMS = [
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]


def decode_text(data: bytes, name: str = "document") -> tuple[str, str]:
    """Text and encoding of a text file: a BOM's encoding, else UTF-8, else Windows-1258; NFC."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return nfc(data.decode(encoding)), encoding
            except UnicodeDecodeError as exc:
                raise DocumentError(f"{name}: unreadable text: it starts as {encoding} but {exc.reason}") from None
    if b"\x00" in data:
        raise DocumentError(f"{name}: not a text document (binary data) and not a .docx or .pdf")
    try:
        return nfc(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    # Windows-1258 writes most tone marks as combining characters after the letter: NFC composes them.
    try:
        text = nfc(data.decode("cp1258"))
    except UnicodeDecodeError:
        text = None
    if text is not None and odd_share(text) < 0.01:
        return text, "cp1258"
    raise DocumentError(
        f"{name}: unreadable encoding: the text is neither UTF-8, UTF-16 nor Windows-1258 "
        "(a TCVN3/VNI font encoding must first be converted to Unicode, e.g. with UniKey's converter)"
    )


# ---- .docx ----

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_lines(p: Path, data: bytes) -> list[Line]:
    import docx

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if "word/document.xml" not in z.namelist():
                raise DocumentError(f"{p}: a ZIP file that is not a Word document (.docx; save an .odt as .docx)")
        document = docx.Document(io.BytesIO(data))
    except DocumentError:
        raise
    except Exception as exc:  # a damaged file makes zipfile, lxml or python-docx fail in many ways
        raise DocumentError(f"{p}: not a readable .docx file ({type(exc).__name__}: {exc})") from None
    numbering = _Numbering(document)
    texts: list[str] = []
    _block_lines(document.element.body, document, numbering, texts)
    return [Line(i, clean(t)) for i, t in enumerate(texts, 1)]


def _block_lines(parent, document, numbering: _Numbering, texts: list[str]) -> None:
    """Lines of the paragraphs and tables directly in `parent`, in order; content controls looked into."""
    for child in parent.iterchildren():
        if child.tag == f"{_W}p":
            texts.extend(_paragraph_lines(child, document, numbering))
        elif child.tag == f"{_W}tbl":
            for row in child.iterchildren(f"{_W}tr"):
                for cell in row.iterchildren(f"{_W}tc"):
                    _block_lines(cell, document, numbering, texts)  # a cell holds paragraphs and tables
        elif child.tag == f"{_W}sdt":
            for content in child.iterchildren(f"{_W}sdtContent"):
                _block_lines(content, document, numbering, texts)


def _paragraph_lines(par, document, numbering: _Numbering) -> list[str]:
    """The lines of one paragraph: a manual line break (signature blocks use them) starts a new one."""
    lines = [""]
    for node in par.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr"):
        if node.tag in (f"{_W}br", f"{_W}cr") and node.get(f"{_W}type") in (None, "textWrapping"):
            lines.append("")
        elif node.tag == f"{_W}tab":
            lines[-1] += "\t"
        elif node.tag == f"{_W}t":
            lines[-1] += node.text or ""
    label = numbering.label(par, document)
    if label and lines[0].strip():
        lines[0] = f"{label} {lines[0]}"
    return lines


_ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _format_number(n: int, fmt: str) -> str:
    if fmt in ("lowerLetter", "upperLetter"):
        letter = "abcdefghijklmnopqrstuvwxyz"[(n - 1) % 26]
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    return str(n)


class _Numbering:
    """Word's list numbering rendered as text ('1.', 'a)', '-'), counting as Word does."""

    def __init__(self, document):
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.levels: dict[tuple[str, int], tuple[str, str, int]] = {}  # (abstract, ilvl) -> (fmt, text, start)
        self.counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        for absn in root.iter(f"{_W}abstractNum"):
            aid = absn.get(f"{_W}abstractNumId")
            for lvl in absn.iter(f"{_W}lvl"):
                ilvl = int(lvl.get(f"{_W}ilvl", "0"))
                fmt = self._val(lvl, "numFmt") or "decimal"
                text = self._val(lvl, "lvlText") or ""
                start = int(self._val(lvl, "start") or "1")
                self.levels[(aid, ilvl)] = (fmt, text, start)
        for num in root.iter(f"{_W}num"):
            nid = num.get(f"{_W}numId")
            aid = self._val(num, "abstractNumId")
            overrides = {}
            for ov in num.iter(f"{_W}lvlOverride"):
                start = self._val(ov, "startOverride")
                if start is not None:
                    overrides[int(ov.get(f"{_W}ilvl", "0"))] = int(start)
            if nid is not None and aid is not None:
                self.nums[nid] = (aid, overrides)

    @staticmethod
    def _val(el, tag: str) -> str | None:
        found = el.find(f"{_W}{tag}")
        return found.get(f"{_W}val") if found is not None else None

    def _num_pr(self, par, document) -> tuple[str, int] | None:
        ppr = par.find(f"{_W}pPr")
        num_pr = ppr.find(f"{_W}numPr") if ppr is not None else None
        style_id = self._val(ppr, "pStyle") if ppr is not None else None
        ilvl = None
        if num_pr is not None:
            nid = self._val(num_pr, "numId")
            ilvl = self._val(num_pr, "ilvl")
            if nid is not None:
                return (nid, int(ilvl or 0)) if nid != "0" else None
        # numbering given by the paragraph's style (e.g. 'List Bullet'), through its base styles
        for _ in range(10):
            if style_id is None:
                return None
            style = document.styles.element.get_by_id(style_id)
            if style is None:
                return None
            sppr = style.find(f"{_W}pPr")
            snum = sppr.find(f"{_W}numPr") if sppr is not None else None
            nid = self._val(snum, "numId") if snum is not None else None
            if snum is not None and nid is not None:
                return (nid, int(ilvl or self._val(snum, "ilvl") or 0)) if nid != "0" else None
            based = style.find(f"{_W}basedOn")
            style_id = based.get(f"{_W}val") if based is not None else None
        return None

    def label(self, par, document) -> str:
        """The label Word shows before this paragraph, or ''."""
        found = self._num_pr(par, document)
        if found is None or found[0] not in self.nums:
            return ""
        nid, ilvl = found
        aid, overrides = self.nums[nid]
        if (aid, ilvl) not in self.levels:
            return ""
        # A num with a start override is a restarted list: it counts on its own.
        key = f"{aid}/{nid}" if overrides else aid
        counters = self.counters.setdefault(key, {})
        fmt, text, start = self.levels[(aid, ilvl)]
        start = overrides.get(ilvl, start)
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if fmt == "bullet":
            return text if text in ("-", "+", "*", "•") else ("-" if ilvl == 0 else "+")
        if fmt == "none":
            return text

        def level_text(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            lvl = self.levels.get((aid, k))
            n = counters.get(k, overrides.get(k, lvl[2] if lvl else 1))
            return _format_number(n, lvl[0] if lvl else "decimal")

        return re.sub(r"%(\d)", level_text, text)


# ---- .pdf ----

_MARKER = re.compile(
    r"^([IVXLC]+\s*[.\-:]|\d{1,2}(\.\d{1,2})*\s*[.)]|[a-zđ]\s*\)|[-+•*]\s|Điều\s+\d|Căn cứ|Thực hiện|Xét\s|Nơi nhận)"
)


def _pdf_lines(p: Path, data: bytes) -> list[Line]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                raise DocumentError(f"{p}: the PDF is encrypted: give an unprotected copy") from None
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except Exception as exc:  # a damaged PDF makes pypdf fail in many ways (PdfReadError, ValueError, …)
        raise DocumentError(f"{p}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    raw = [clean(t) for page in pages for t in page.splitlines()]
    # A scanned page may still carry a few characters (a stamp, a page number): too few to be its text.
    if sum(len(t) for t in raw) < 40 * max(len(pages), 1):
        raise DocumentError(
            f"{p}: the PDF has no text layer (a scanned image, {len(pages)} page(s)): "
            "OCR is needed first, or give the .docx"
        )
    return join_wrapped(raw)


def join_wrapped(raw: list[str]) -> list[Line]:
    """Paragraphs from a PDF's wrapped text lines.

    A line continues the previous one when the previous line ran to the full width of the text
    (justified text wraps there), did not end a sentence before a capital, and the line does not
    open a new item (a Roman, numbered, lettered or bulleted label, 'Căn cứ', 'Điều'). A line that
    stops short ends its paragraph: a heading, or a paragraph's last line. Page numbers standing
    alone are dropped.
    """
    lengths = sorted(len(t) for t in raw if len(t) > 40)
    full = lengths[int(len(lengths) * 0.8)] if lengths else 80
    out: list[Line] = []
    prev_full = False
    for i, text in enumerate(raw, 1):
        if not text:
            prev_full = False
            continue
        if re.fullmatch(r"-?\s*\d{1,3}\s*-?", text):
            continue
        # A full line that ends a sentence, followed by a capital or '(', most often ends its paragraph too.
        sentence_end = bool(out) and re.search(r"[.!?:]\)?$", out[-1].text) and re.match(r"[(\"“A-ZĐÀ-Ỹ]", text)
        if out and prev_full and not sentence_end and not _MARKER.match(text) and not _is_heading_line(text):
            last = out[-1]
            out[-1] = Line(last.number, f"{last.text} {text}")
        else:
            out.append(Line(i, text))
        prev_full = len(text) >= 0.8 * full and not _is_heading_line(text)
    return out


def _is_heading_line(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)
