"""Stream a multipart upload straight to a private temporary file.

Starlette's `request.form()` would spool the file itself and hand us a file object; the scan
readers want a path, and we want the size limit enforced and the file's location under our
control (so it is deleted after the scan), so the body is fed through python-multipart's
push parser here, chunk by chunk, never held whole in memory.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import IO

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from postcheck.web.security import describe_bytes

#: Form fields other than the file (the CSRF token) are tiny and few; more is hostile.
MAX_FIELD_BYTES = 4096
MAX_FIELDS = 8

_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,8}$")


class UploadError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Upload:
    """The parsed form: small fields in memory, the one file on disk (or none)."""

    def __init__(self, fields: dict[str, str], path: Path | None, filename: str | None) -> None:
        self.fields = fields
        self.path = path
        self.filename = filename

    def discard(self) -> None:
        if self.path is not None:
            shutil.rmtree(self.path.parent, ignore_errors=True)
            self.path = None


def safe_suffix(filename: str) -> str:
    """Keep the extension(s) (readers tell a .zip from a .json by it), nothing else of the
    name: the person's file name never becomes part of a path on our disk."""
    suffixes = [s for s in Path(filename).suffixes[-2:] if _SAFE_SUFFIX.match(s)]
    return "".join(suffixes).lower()


async def receive_upload(
    request: Request, root: Path, max_file_bytes: int, file_field: str = "archive"
) -> Upload:
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UploadError(415, "Send the archive as a multipart/form-data upload.")

    fields: dict[str, str] = {}
    workdir = Path(tempfile.mkdtemp(prefix="postcheck-upload-", dir=root))
    os.chmod(workdir, 0o700)
    state: dict[str, object] = {}
    header_field = bytearray()
    header_value = bytearray()
    headers: dict[bytes, bytes] = {}
    file_path: Path | None = None
    filename: str | None = None
    sink: IO[bytes] | None = None
    field_buf: bytearray | None = None
    file_size = 0

    def on_part_begin() -> None:
        headers.clear()
        state.clear()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_field.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        headers[bytes(header_field).lower()] = bytes(header_value)
        header_field.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        nonlocal sink, field_buf, file_path, filename
        _, disp = parse_options_header(headers.get(b"content-disposition", b""))
        name = disp.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disp:
            if name != file_field or file_path is not None:
                raise UploadError(422, f"Upload exactly one file, in the '{file_field}' field.")
            filename = disp[b"filename"].decode("utf-8", "replace")
            file_path = workdir / ("upload" + safe_suffix(filename))
            sink = file_path.open("wb")
            state["kind"] = "file"
        else:
            if len(fields) >= MAX_FIELDS:
                raise UploadError(413, "Too many form fields.")
            field_buf = bytearray()
            state["kind"] = "field"
            state["name"] = name

    def on_part_data(data: bytes, start: int, end: int) -> None:
        nonlocal file_size
        chunk = data[start:end]
        if state.get("kind") == "file" and sink is not None:
            file_size += len(chunk)
            if file_size > max_file_bytes:
                limit = describe_bytes(max_file_bytes)
                raise UploadError(413, f"The archive is larger than the limit of {limit}.")
            sink.write(chunk)
        elif field_buf is not None:
            field_buf.extend(chunk)
            if len(field_buf) > MAX_FIELD_BYTES:
                raise UploadError(413, "A form field is too large.")

    def on_part_end() -> None:
        nonlocal sink, field_buf
        if state.get("kind") == "file" and sink is not None:
            sink.close()
            sink = None
        elif state.get("kind") == "field" and field_buf is not None:
            fields[str(state["name"])] = field_buf.decode("utf-8", "replace")
            field_buf = None

    parser = MultipartParser(
        params[b"boundary"],
        callbacks={
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
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except UploadError:
        _cleanup(sink, workdir)
        raise
    except Exception:
        # A malformed body (bad boundary, truncated part): one clear message.
        _cleanup(sink, workdir)
        raise UploadError(400, "The upload was malformed or cut short; try again.") from None
    if sink is not None:
        sink.close()
    if file_path is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return Upload(fields, file_path, filename)


def _cleanup(sink: IO[bytes] | None, workdir: Path) -> None:
    if sink is not None:
        with contextlib.suppress(OSError):
            sink.close()
    shutil.rmtree(workdir, ignore_errors=True)
