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


class _FormParts:
    """python-multipart's callbacks for one upload: small fields into memory, the one file
    into `workdir`, each limit enforced as the bytes arrive rather than after."""

    def __init__(self, workdir: Path, max_file_bytes: int, file_field: str) -> None:
        self.workdir = workdir
        self.max_file_bytes = max_file_bytes
        self.file_field = file_field
        self.fields: dict[str, str] = {}
        self.file_path: Path | None = None
        self.filename: str | None = None
        self.sink: IO[bytes] | None = None
        self.file_size = 0
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        #: What the part being read is ("file" or "field"); None until its headers end.
        self._kind: str | None = None
        self._field_name = ""
        self._field_buf: bytearray | None = None

    def parser(self, boundary: bytes) -> MultipartParser:
        return MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self.on_part_begin,
                "on_part_data": self.on_part_data,
                "on_part_end": self.on_part_end,
                "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value,
                "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
            },
        )

    def on_part_begin(self) -> None:
        self._headers.clear()
        self._kind = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field.extend(data[start:end])

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value.extend(data[start:end])

    def on_header_end(self) -> None:
        self._headers[bytes(self._header_field).lower()] = bytes(self._header_value)
        self._header_field.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, disp = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = disp.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" in disp:
            self._begin_file(name, disp[b"filename"].decode("utf-8", "replace"))
        else:
            self._begin_field(name)

    def _begin_file(self, name: str, filename: str) -> None:
        if name != self.file_field or self.file_path is not None:
            raise UploadError(422, f"Upload exactly one file, in the '{self.file_field}' field.")
        self.filename = filename
        self.file_path = self.workdir / ("upload" + safe_suffix(filename))
        self.sink = self.file_path.open("wb")
        self._kind = "file"

    def _begin_field(self, name: str) -> None:
        if len(self.fields) >= MAX_FIELDS:
            raise UploadError(413, "Too many form fields.")
        self._field_buf = bytearray()
        self._kind = "field"
        self._field_name = name

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self._kind == "file" and self.sink is not None:
            self.file_size += len(chunk)
            if self.file_size > self.max_file_bytes:
                limit = describe_bytes(self.max_file_bytes)
                raise UploadError(413, f"The archive is larger than the limit of {limit}.")
            self.sink.write(chunk)
        elif self._field_buf is not None:
            self._field_buf.extend(chunk)
            if len(self._field_buf) > MAX_FIELD_BYTES:
                raise UploadError(413, "A form field is too large.")

    def on_part_end(self) -> None:
        if self._kind == "file" and self.sink is not None:
            self.sink.close()
            self.sink = None
        elif self._kind == "field" and self._field_buf is not None:
            self.fields[self._field_name] = self._field_buf.decode("utf-8", "replace")
            self._field_buf = None


async def receive_upload(
    request: Request, root: Path, max_file_bytes: int, file_field: str = "archive"
) -> Upload:
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UploadError(415, "Send the archive as a multipart/form-data upload.")

    workdir = Path(tempfile.mkdtemp(prefix="postcheck-upload-", dir=root))
    os.chmod(workdir, 0o700)
    form = _FormParts(workdir, max_file_bytes, file_field)
    parser = form.parser(params[b"boundary"])
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except UploadError:
        _cleanup(form.sink, workdir)
        raise
    except Exception:
        # A malformed body (bad boundary, truncated part): one clear message.
        _cleanup(form.sink, workdir)
        raise UploadError(400, "The upload was malformed or cut short; try again.") from None
    if form.sink is not None:
        form.sink.close()
    if form.file_path is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return Upload(form.fields, form.file_path, form.filename)


def _cleanup(sink: IO[bytes] | None, workdir: Path) -> None:
    if sink is not None:
        with contextlib.suppress(OSError):
            sink.close()
    shutil.rmtree(workdir, ignore_errors=True)
