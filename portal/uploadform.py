"""Reading the upload form from the request stream: fields kept small, files streamed to a sink, limits enforced as bytes arrive.

Nothing is buffered whole: each chunk of the body goes through python-multipart's streaming parser,
text fields are capped, and file parts go straight into a sink that counts, hashes and refuses
while writing. The anti-forgery token must arrive before the first file, so a forged request
never gets a byte written to disk.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import anyio
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

CSRF_FIELD = "csrf"
MAX_FIELDS = 2000
MAX_PART_HEADER_BYTES = 16 * 1024
FIELD_OVERHEAD = 64 * 1024  # headers, boundaries and short fields on top of the files


class FormRefused(Exception):
    """The form cannot be accepted; `status` is the HTTP status, `message` the Vietnamese reason."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Sink(Protocol):
    """Where one uploaded file's bytes go while they arrive."""

    def write(self, data: bytes, /) -> Any: ...


# The sink type the caller opens is the one it is handed back to close.
S = TypeVar("S", bound=Sink)


@dataclass
class UploadForm:
    """The text fields (last value wins, lists kept in `multi`) and the files received."""

    fields: dict[str, str] = field(default_factory=dict)
    multi: dict[str, list[str]] = field(default_factory=dict)
    files: list[Any] = field(default_factory=list)

    def text(self, name: str) -> str:
        """A field's value, '' when absent."""
        return self.fields.get(name, "")


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str = ""
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    header_bytes: int = 0
    sink: Any = None


def boundary_of(content_type: str) -> bytes:
    """The multipart boundary of a Content-Type header, or FormRefused(400)."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise FormRefused(400, "Biểu mẫu gửi lên không đúng định dạng.")
    return boundary


def body_limit(*, max_files: int, max_file_bytes: int, max_text_bytes: int, text_fields: int) -> int:
    """The largest body a legitimate form can have: every file at the limit plus every text field full."""
    return max_files * max_file_bytes + text_fields * max_text_bytes + FIELD_OVERHEAD * (max_files + text_fields + 4)


async def read_upload_form(
    stream: AsyncIterator[bytes],
    *,
    content_type: str,
    csrf_expected: str,
    max_files: int,
    max_text_bytes: int,
    max_total_text_bytes: int,
    open_sink: Callable[[str, str], S],
    close_sink: Callable[[S], Any],
    discard_sink: Callable[[Sink], None],
) -> UploadForm:
    """Parse a multipart body chunk by chunk; raise FormRefused (files written so far discarded) on any breach."""
    boundary = boundary_of(content_type)
    form = UploadForm()
    state = {"csrf_ok": False, "fields": 0, "text_bytes": 0, "open": False}
    part = _Part()
    header_field: list[bytes] = []
    header_value: list[bytes] = []
    headers: dict[str, bytes] = {}

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()
        headers.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        count_header(end - start)
        header_field.append(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        count_header(end - start)
        header_value.append(data[start:end])

    def count_header(size: int) -> None:
        part.header_bytes += size
        if part.header_bytes > MAX_PART_HEADER_BYTES:
            raise FormRefused(400, "Biểu mẫu gửi lên không đúng định dạng.")

    def on_header_end() -> None:
        headers[b"".join(header_field).decode("latin-1").lower()] = b"".join(header_value)
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        _, options = parse_options_header(headers.get("content-disposition", b""))
        part.name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        part.content_type = headers.get("content-type", b"").decode("latin-1")
        state["fields"] += 1
        if state["fields"] > MAX_FIELDS:
            raise FormRefused(413, "Biểu mẫu có quá nhiều trường.")
        if filename is None:
            return
        part.filename = filename.decode("utf-8", "replace")
        if not part.filename:
            return  # a file input left empty: browsers send an empty part
        if not state["csrf_ok"]:
            raise FormRefused(403, "Biểu mẫu không hợp lệ hoặc đã hết hiệu lực. Xin mở lại đường dẫn và gửi lại.")
        if len(form.files) >= max_files:
            raise FormRefused(413, f"Mỗi lần gửi chỉ được đính kèm tối đa {max_files} tệp.")
        part.sink = open_sink(part.filename, part.content_type)
        state["open"] = True
        form.files.append(part.sink)

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.sink is not None:
            part.sink.write(data[start:end])
            return
        if part.filename is not None:
            return  # the empty file input
        part.size += end - start
        state["text_bytes"] += end - start
        if part.size > max_text_bytes or state["text_bytes"] > max_total_text_bytes:
            raise FormRefused(413, "Nội dung các ô nhập quá dài; xin rút gọn hoặc gửi bằng tệp đính kèm.")
        part.chunks.append(data[start:end])

    def on_part_end() -> None:
        if part.sink is not None:
            index = form.files.index(part.sink)
            form.files[index] = close_sink(part.sink)
            state["open"] = False
            return
        if part.filename is not None:
            return
        value = b"".join(part.chunks).decode("utf-8", "replace").replace("\r\n", "\n")
        if part.name == CSRF_FIELD:
            if not hmac.compare_digest(value.encode(), csrf_expected.encode()):
                raise FormRefused(403, "Biểu mẫu không hợp lệ hoặc đã hết hiệu lực. Xin mở lại đường dẫn và gửi lại.")
            state["csrf_ok"] = True
            return
        form.fields[part.name] = value
        form.multi.setdefault(part.name, []).append(value)

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
    )
    try:
        async for chunk in stream:
            if chunk:
                # The sink writes to disk: keep that off the event loop.
                await run_in_threadpool(parser.write, chunk)
        parser.finalize()
        if state["open"] or parser.state != MultipartState.END:
            raise FormRefused(400, "Biểu mẫu gửi lên không trọn vẹn (đường truyền bị ngắt?). Xin gửi lại.")
        if not state["csrf_ok"]:
            raise FormRefused(403, "Biểu mẫu không hợp lệ hoặc đã hết hiệu lực. Xin mở lại đường dẫn và gửi lại.")
    except MultipartParseError as exc:
        _discard_all(form, part, discard_sink)
        raise FormRefused(400, "Biểu mẫu gửi lên không đúng định dạng.") from exc
    except BaseException:
        _discard_all(form, part, discard_sink)
        raise
    return form


def _discard_all(form: UploadForm, part: _Part, discard_sink: Callable[[Any], None]) -> None:
    seen = set()
    for item in [*form.files, part.sink]:
        if item is not None and id(item) not in seen:
            seen.add(id(item))
            discard_sink(item)


class BodyStream:
    """The request body as chunks straight from the ASGI `receive`, remembering whether it was read to the end."""

    def __init__(self, receive: Callable[[], Any]) -> None:
        self.receive = receive
        self.done = False

    async def chunks(self) -> AsyncIterator[bytes]:
        """Each chunk as it arrives; raises ClientDisconnect if the client goes away."""
        while not self.done:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            self.done = not message.get("more_body", False)
            yield message.get("body", b"")

    async def drain(self, *, max_bytes: int, seconds: float) -> bool:
        """Read and drop what is left of a refused body, up to a bound; True when it was read to the end.

        A small body read to the end lets the refusal page reach the client; closing on unread bytes
        makes the kernel reset the connection, and the client may never see the answer.
        """
        seen = 0
        with anyio.move_on_after(seconds):
            try:
                async for chunk in self.chunks():
                    seen += len(chunk)
                    if seen > max_bytes:
                        return False
            except ClientDisconnect:
                return False
        return self.done
