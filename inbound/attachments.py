"""Accept or refuse a file an agency sends (email part or upload), then store it by sha256 in the data folder.

Shared by the email reader and the upload portal. A file is accepted only when its name AND its content
are one of the allowed types (pdf, doc, docx, xls, xlsx, odt, ods, jpg, png) and it fits the size limit.
The portal streams into a `FileSink`; the email reader calls `store_bytes`. Both return a `StoredFile`,
which `save_attachment` turns into an `Attachment` row.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import filetype

from models.settings import Settings
from models.tables import Attachment
from notifications.vietnamese import file_size

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
ALLOWED_KINDS = frozenset(MEDIA_TYPES)
_EXTENSIONS = {**{k: k for k in MEDIA_TYPES}, "jpeg": "jpg", "jpe": "jpg"}
# A .doc that is really a .docx (and the like) is common and harmless: same family, accepted.
_FAMILY = {"doc": "word", "docx": "word", "xls": "sheet", "xlsx": "sheet"}
ALLOWED_LABEL = "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, JPG, PNG"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Bounds on a zip container (docx, xlsx, odt, ods), checked while streaming, before any parser sees it.
MAX_ZIP_MEMBERS = 1000  # a real office document has tens of members
MAX_ZIP_RATIO = 100  # per member, whatever its size: real office XML compresses 5-30 times
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE_CHARS = re.compile(r'[<>:"|?*/\\]')
DISPLAY_NAME_CHARS = 200
NO_NAME = "tep-khong-ten"


class FileRefused(Exception):
    """A file planflow will not accept; `reason_vi` is said to the agency, `reason_code` is for logs and tests."""

    def __init__(self, reason_vi: str, reason_code: str):
        super().__init__(f"{reason_code}: {reason_vi}")
        self.reason_vi = reason_vi
        self.reason_code = reason_code


@dataclass(frozen=True)
class StoredFile:
    """A file accepted and stored under `files/ab/cdef…` in the data folder."""

    sha256: str
    size: int
    kind: str
    media_type: str
    original_name: str
    safe_name: str
    storage_path: str  # relative to the data folder


def safe_filename(name: str | None, *, max_bytes: int = 180) -> str:
    """A file-system-safe version of a sender's file name: no path, no control or format characters, Vietnamese kept."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem, ext = stem.strip(" ."), ext.strip()[:10]
    if not stem:
        stem = "tep"
    if stem.split(".")[0].upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    while len((stem + suffix).encode("utf-8")) > max_bytes and len(stem) > 1:
        stem = stem[:-1]
    return stem.rstrip(" .") + suffix


def _is_hidden(ch: str) -> bool:
    """Characters that are not visible text: controls, format (bidi overrides, zero-width), surrogates, private use."""
    return unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029"


def display_name(name: str | None, *, max_chars: int = DISPLAY_NAME_CHARS) -> str:
    """The sender's file name as display-safe text: no path, every hidden character shown as an escape (`\\u202e`).

    This is the only form of the original name planflow keeps; it is plain text for every document,
    page and message that lists files (escaping for HTML or Markdown is still the renderer's job).
    """
    name = unicodedata.normalize("NFC", name or "")
    return display_text(name.replace("\\", "/").rsplit("/", 1)[-1], max_chars=max_chars) or NO_NAME


def display_text(text: str | None, *, max_chars: int = DISPLAY_NAME_CHARS) -> str:
    """Outside text (a name, an address) on one line with every hidden character shown as an escape."""
    text = "".join(f"\\u{ord(ch):04x}" if _is_hidden(ch) else ch for ch in unicodedata.normalize("NFC", text or ""))
    text = re.sub(r"\s+", " ", text).strip()
    return text[: max_chars - 1] + "…" if len(text) > max_chars else text


def kind_from_name(name: str | None) -> str | None:
    """The allowed kind named by a file's extension (`jpeg` → `jpg`), or None."""
    _, dot, ext = (name or "").strip().rpartition(".")
    return _EXTENSIONS.get(ext.lower()) if dot else None


def refuse_type(name: str) -> FileRefused:
    """The refusal of a file whose name is not an allowed type."""
    return FileRefused(
        f"Tệp «{name}» có định dạng không được chấp nhận. Chỉ nhận các tệp: {ALLOWED_LABEL}.", "type_not_allowed"
    )


def refuse_size(name: str, limit: int) -> FileRefused:
    """The refusal of a file over the size limit."""
    return FileRefused(f"Tệp «{name}» vượt quá dung lượng tối đa cho phép ({file_size(limit)}).", "too_large")


def _zip_kind(path: Path, *, max_unpacked: int) -> str:
    """docx, xlsx, odt or ods from the members of a zip container, after making sure it is not a bomb.

    Every member, small or large, is inflated in a stream with two hard caps on its real output: the
    compression ratio (against its compressed size) and the running total of the whole archive.
    Nothing is kept in memory but one chunk.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_MEMBERS:
                raise FileRefused("", "archive_bomb")
            declared = 0
            for info in infos:
                declared += info.file_size
                if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
                    raise FileRefused("", "archive_bomb")
            if declared > max_unpacked:
                raise FileRefused("", "archive_bomb")
            # Declared sizes can lie: inflate every member with hard caps on the real output.
            total = 0
            for info in infos:
                member_limit = MAX_ZIP_RATIO * max(info.compress_size, 1)
                seen = 0
                with zf.open(info) as member:
                    while chunk := member.read(256 * 1024):
                        seen += len(chunk)
                        total += len(chunk)
                        if seen > member_limit or total > max_unpacked:
                            raise FileRefused("", "archive_bomb")
            names = {i.filename for i in infos}
            if "mimetype" in names:
                mimetype = zf.read("mimetype")[:100].strip()
                if mimetype == b"application/vnd.oasis.opendocument.text":
                    return "odt"
                if mimetype == b"application/vnd.oasis.opendocument.spreadsheet":
                    return "ods"
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
    except FileRefused:
        raise
    except Exception:  # a corrupt archive is simply not an allowed document
        return "zip"
    return "zip"


def _is_pdf(path: Path, head: bytes) -> bool:
    """A PDF by structure: the header opens the file (after at most blank bytes) and the trailer closes it.

    A program that merely carries "%PDF-" somewhere in its first kilobyte is not a PDF.
    """
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n\x00")
    if re.match(rb"%PDF-\d\.\d", stripped) is None:
        return False
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - 4096))
        tail = f.read()
    return b"%%EOF" in tail


def _ole_kind(path: Path) -> str:
    """doc or xls from the stream names in an OLE2 compound file's directory (UTF-16LE)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        if m.find("WordDocument".encode("utf-16-le")) >= 0:
            return "doc"
        if m.find("Workbook".encode("utf-16-le")) >= 0 or m.find("Book\x00".encode("utf-16-le")) >= 0:
            return "xls"
    return "ole"


def sniff_kind(path: Path, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> str | None:
    """What the content of a file really is (one of the allowed kinds, or another label, or None)."""
    with open(path, "rb") as f:
        head = f.read(1024)
    if not head:
        return None
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(path)
    if head.startswith(b"PK\x03\x04") or zipfile.is_zipfile(path):
        return _zip_kind(path, max_unpacked=max_unpacked)
    if b"%PDF-" in head:
        return "pdf" if _is_pdf(path, head) else "not_pdf"
    guess = filetype.guess(head)
    if guess is None:
        return None
    return _EXTENSIONS.get(guess.extension, guess.extension)


def _content_matches(named: str, found: str | None) -> bool:
    if found == named:
        return True
    return found is not None and named in _FAMILY and _FAMILY.get(found) == _FAMILY[named]


class FileSink:
    """Receive one file in chunks: counts and hashes as it writes, refuses as soon as the limit is passed."""

    def __init__(self, *, settings: Settings, original_name: str | None, max_bytes: int | None = None):
        """Start a file; refuses at once if the name is not an allowed type."""
        self.settings = settings
        # Names are data: cleaned once, here, for both channels; the raw name is never stored or echoed.
        self.original_name = display_name(original_name)
        self.safe_name = safe_filename(original_name)
        self.max_bytes = settings.limits.max_file_bytes if max_bytes is None else max_bytes
        named_kind = kind_from_name(self.safe_name)
        if named_kind is None:
            raise refuse_type(self.safe_name)
        self.named_kind: str = named_kind
        tmp_dir = settings.data_dir / "files" / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix="part-")
        self._tmp = Path(tmp)
        self._file = os.fdopen(fd, "wb")
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes | memoryview) -> None:
        """Add bytes; raises `FileRefused` (and discards the file) once the size limit is exceeded."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            self.abort()
            raise refuse_size(self.safe_name, self.max_bytes)
        self._hash.update(chunk)
        self._file.write(chunk)

    def abort(self) -> None:
        """Discard what was written."""
        if not self._file.closed:
            self._file.close()
        self._tmp.unlink(missing_ok=True)

    def finish(self) -> StoredFile:
        """Check the content type and move the file to its content address; raises `FileRefused`."""
        self._file.close()
        try:
            if self.size == 0:
                raise FileRefused(f"Tệp «{self.safe_name}» rỗng (không có nội dung).", "empty")
            max_unpacked = MAX_UNPACKED_BYTES
            try:
                found = sniff_kind(self._tmp, max_unpacked=max_unpacked)
            except FileRefused:
                raise FileRefused(
                    f"Tệp «{self.safe_name}» có cấu trúc nén bất thường (có thể là tệp độc hại), không thể tiếp nhận.",
                    "archive_bomb",
                ) from None
            if found not in ALLOWED_KINDS:
                raise FileRefused(
                    f"Nội dung tệp «{self.safe_name}» không phải là tệp {self.named_kind.upper()} hợp lệ. "
                    f"Chỉ nhận các tệp: {ALLOWED_LABEL}.",
                    "content_mismatch",
                )
            if not _content_matches(self.named_kind, found):
                raise FileRefused(
                    f"Nội dung tệp «{self.safe_name}» là {found.upper()}, không khớp với phần mở rộng "
                    f".{self.safe_name.rpartition('.')[2]} của tên tệp.",
                    "content_mismatch",
                )
            sha = self._hash.hexdigest()
            rel = Path("files") / sha[:2] / sha[2:]
            final = self.settings.data_dir / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                self._tmp.unlink(missing_ok=True)
            else:
                os.replace(self._tmp, final)
            return StoredFile(
                sha256=sha,
                size=self.size,
                kind=found,
                media_type=MEDIA_TYPES[found],
                original_name=self.original_name,
                safe_name=self.safe_name,
                storage_path=rel.as_posix(),
            )
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> FileSink:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.abort()


def store_bytes(
    *, settings: Settings, data: bytes, original_name: str | None, max_bytes: int | None = None
) -> StoredFile:
    """Check and store a whole file held in memory (an email part); raises `FileRefused`."""
    limit = settings.limits.max_file_bytes if max_bytes is None else max_bytes
    if len(data) > limit:
        raise refuse_size(safe_filename(original_name), limit)
    with FileSink(settings=settings, original_name=original_name, max_bytes=limit) as sink:
        view = memoryview(data)
        for start in range(0, len(data), 1024 * 1024):
            sink.write(view[start : start + 1024 * 1024])
        return sink.finish()


def stored_path(*, settings: Settings, stored: StoredFile | Attachment) -> Path:
    """The absolute path of a stored file."""
    return settings.data_dir / stored.storage_path


def save_attachment(
    *, session, stored: StoredFile, submission_id: int | None = None, inbound_message_id: int | None = None
) -> Attachment:
    """An `Attachment` row for a stored file (flushed, so it has an id)."""
    row = Attachment(
        submission_id=submission_id,
        inbound_message_id=inbound_message_id,
        sha256=stored.sha256,
        size=stored.size,
        media_type=stored.media_type,
        original_name=stored.original_name[:500],
        safe_name=stored.safe_name,
        storage_path=stored.storage_path,
    )
    session.add(row)
    session.flush()
    return row
