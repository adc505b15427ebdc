"""Safe read-only access to an export: a zip file, an unpacked folder or a single file.

Nothing is ever extracted to disk, but entry names still decide which file a reader trusts,
so hostile names (`..`, absolute paths, drive letters) are refused. Zip bombs are refused by
declared size and compression ratio before reading, and by counting the bytes actually
inflated while reading (declared sizes can lie).
"""

from __future__ import annotations

import fnmatch
import io
import os
import posixpath
import re
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from postcheck.sources.base import ReadStats, SourceError

#: Largest single entry a reader will inflate. Exports keep text in files far smaller than
#: this; media (which readers never open) can be bigger and doesn't count.
MAX_ENTRY_BYTES = 1 << 30
#: Total bytes inflated from one archive across all entries read.
MAX_TOTAL_BYTES = 4 << 30
#: Text compresses 5-20x; a ratio beyond this on a large entry is a bomb, not JSON.
MAX_RATIO = 200
#: Ratios are only meaningful above this size (tiny files can compress very well).
RATIO_MIN_BYTES = 1 << 20
#: A central directory this long is itself a memory attack.
MAX_ENTRIES = 1_000_000

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_DRIVE = re.compile(r"^[A-Za-z]:")


class ArchiveLimit(SourceError):
    """An entry is (or inflates to) more than the safety limits allow."""


def unsafe_name(name: str) -> str | None:
    """Why an entry name can't be trusted, or None."""
    n = name.replace("\\", "/")
    if n.startswith("/") or _DRIVE.match(n):
        return "absolute path"
    if any(part == ".." for part in n.split("/")):
        return "'..' in path"
    if "\x00" in n:
        return "NUL in name"
    return None


class _Counted(io.RawIOBase):
    """Stream wrapper that fails once more bytes come out than the limit allows."""

    def __init__(self, raw: IO[bytes], limit: int, name: str, archive: Archive) -> None:
        self._raw = raw
        self._left = limit
        self._name = name
        self._archive = archive

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(b))
        n = len(data)
        self._left -= n
        self._archive._spent(n, self._name)
        if self._left < 0:
            raise ArchiveLimit(f"{self._name}: inflates beyond its declared size (zip bomb?)")
        b[:n] = data
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class Archive:
    """Files of an export by relative POSIX name; opened read-only as byte streams."""

    kind = "archive"

    def __init__(self, path: Path, stats: ReadStats | None = None) -> None:
        self.path = path
        self.stats = stats if stats is not None else ReadStats()
        self._total = 0
        self.max_total = MAX_TOTAL_BYTES

    def names(self) -> list[str]:
        raise NotImplementedError

    def size(self, name: str) -> int:
        raise NotImplementedError

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        raise NotImplementedError
        yield  # pragma: no cover

    def read_bytes(self, name: str) -> bytes:
        with self.open(name) as fh:
            return fh.read()

    def find(self, *patterns: str) -> list[str]:
        """Names whose path (or any trailing part of it) matches a glob, case-insensitive.

        Exports move files between folders across versions, so readers match on the tail
        of the path (`posts/your_posts_*.json`) rather than on one fixed layout.
        """
        out = []
        for name in self.names():
            low = name.lower()
            parts = low.split("/")
            tails = ["/".join(parts[i:]) for i in range(len(parts))]
            if any(fnmatch.fnmatchcase(t, p.lower()) for p in patterns for t in tails):
                out.append(name)
        return sorted(out, key=_natural)

    def _spent(self, n: int, name: str) -> None:
        self._total += n
        if self._total > self.max_total:
            raise ArchiveLimit(
                f"more than {self.max_total >> 20} MiB inflated from {self.path.name} (zip bomb?)"
            )

    def close(self) -> None:
        pass

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _natural(name: str) -> list[object]:
    # part10 after part2: X and Meta split big files into numbered parts.
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


class ZipArchive(Archive):
    kind = "zip"

    def __init__(self, path: Path, stats: ReadStats | None = None) -> None:
        super().__init__(path, stats)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except zipfile.BadZipFile as exc:
            raise SourceError(
                f"{path.name}: not a readable zip archive (corrupt or truncated: {exc})"
            ) from None
        except (OSError, EOFError, ValueError) as exc:
            raise SourceError(f"{path.name}: cannot read zip archive ({exc})") from None
        if len(infos) > MAX_ENTRIES:
            raise ArchiveLimit(f"{path.name}: more than {MAX_ENTRIES} entries")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.is_dir():
                continue
            why = unsafe_name(info.filename)
            if why:
                self.stats.skip(f"unsafe entry name refused ({why})")
                continue
            name = posixpath.normpath(info.filename.replace("\\", "/"))
            self._infos[name] = info

    def names(self) -> list[str]:
        return list(self._infos)

    def size(self, name: str) -> int:
        return self._infos[name].file_size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        info = self._infos.get(name)
        if info is None:
            raise SourceError(f"{name}: not in archive")
        if info.file_size > MAX_ENTRY_BYTES:
            raise ArchiveLimit(f"{name}: {info.file_size >> 20} MiB uncompressed, over the limit")
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ArchiveLimit(
                f"{name}: compression ratio {info.file_size // max(info.compress_size, 1)}:1 "
                "(zip bomb?)"
            )
        if info.flag_bits & 0x1:
            raise SourceError(f"{name}: encrypted entry")
        try:
            raw = self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError) as exc:
            raise SourceError(f"{name}: damaged zip entry ({exc})") from None
        counted = _Counted(raw, info.file_size, name, self)
        buffered = io.BufferedReader(counted, 1 << 16)
        try:
            yield _ZipErrors(buffered, name)  # type: ignore[misc]
        finally:
            buffered.close()

    def close(self) -> None:
        self._zip.close()


class _ZipErrors:
    """Turns zlib/CRC errors in the middle of an entry into a SourceError."""

    def __init__(self, fh: IO[bytes], name: str) -> None:
        self._fh = fh
        self._name = name

    def read(self, n: int = -1) -> bytes:
        try:
            return self._fh.read(n)
        except ArchiveLimit:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise SourceError(f"{self._name}: damaged zip entry ({exc})") from None

    def readline(self, limit: int = -1) -> bytes:
        try:
            return self._fh.readline(limit)
        except ArchiveLimit:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise SourceError(f"{self._name}: damaged zip entry ({exc})") from None

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class FolderArchive(Archive):
    kind = "folder"

    def __init__(self, path: Path, stats: ReadStats | None = None) -> None:
        super().__init__(path, stats)
        self._root = path.resolve()
        self._names: dict[str, Path] = {}
        for dirpath, dirnames, filenames in os.walk(self._root, followlinks=False):
            dirnames.sort()
            for fn in sorted(filenames):
                full = Path(dirpath) / fn
                try:
                    st = full.stat()
                    real = full.resolve()
                except OSError:
                    self.stats.skip("unreadable file")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    continue
                if real != full and not real.is_relative_to(self._root):
                    self.stats.skip("link pointing outside the folder refused")
                    continue
                self._names[full.relative_to(self._root).as_posix()] = full

    def names(self) -> list[str]:
        return list(self._names)

    def size(self, name: str) -> int:
        return self._names[name].stat().st_size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        p = self._names.get(name)
        if p is None:
            raise SourceError(f"{name}: not in folder")
        if p.stat().st_size > MAX_ENTRY_BYTES:
            raise ArchiveLimit(f"{name}: over {MAX_ENTRY_BYTES >> 20} MiB")
        try:
            fh = p.open("rb")
        except OSError as exc:
            raise SourceError(f"{name}: cannot open ({exc.strerror})") from None
        with fh:
            yield fh


class FileArchive(FolderArchive):
    """One file given on its own: an archive with a single member."""

    kind = "file"

    def __init__(self, path: Path, stats: ReadStats | None = None) -> None:
        Archive.__init__(self, path, stats)
        self._root = path.resolve().parent
        self._names = {path.name: path}


def open_archive(path: str | os.PathLike[str], stats: ReadStats | None = None) -> Archive:
    """Open a zip (recognised by its magic bytes, whatever its name), folder or file."""
    p = Path(path)
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder")
    if p.is_dir():
        return FolderArchive(p, stats)
    if not p.is_file():
        raise SourceError(f"{p}: not a regular file or folder")
    try:
        with p.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise SourceError(f"{p}: cannot read ({exc.strerror})") from None
    if not magic:
        raise SourceError(f"{p.name}: empty file")
    if magic in ZIP_MAGIC or (p.suffix.lower() == ".zip" and magic[:2] == b"PK"):
        return ZipArchive(p, stats)
    if p.suffix.lower() == ".zip":
        raise SourceError(f"{p.name}: named .zip but not a zip archive (corrupt or truncated)")
    return FileArchive(p, stats)
