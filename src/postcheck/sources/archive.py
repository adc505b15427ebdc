"""Safe read-only access to an export: a zip or tar file, an unpacked folder or one file.

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
import tarfile
import zipfile
import zlib
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
_DAMAGE = (zipfile.BadZipFile, tarfile.TarError, zlib.error, OSError, EOFError, ValueError)
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


def _junk(name: str) -> bool:
    """macOS resource forks and Finder files that zipping on a Mac adds."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base == ".DS_Store"


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
            if _junk(name):
                continue
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
            yield _EntryErrors(buffered, name, "zip")  # type: ignore[misc]
        finally:
            buffered.close()

    def close(self) -> None:
        self._zip.close()


class _EntryErrors:
    """Turns zlib/CRC/tar errors in the middle of an entry into a SourceError."""

    def __init__(self, fh: IO[bytes], name: str, kind: str) -> None:
        self._fh = fh
        self._name = name
        self._kind = kind

    def _damaged(self, exc: BaseException) -> SourceError:
        return SourceError(f"{self._name}: damaged {self._kind} entry ({exc})")

    def read(self, n: int = -1) -> bytes:
        try:
            return self._fh.read(n)
        except ArchiveLimit:
            raise
        except _DAMAGE as exc:
            raise self._damaged(exc) from None

    def readline(self, limit: int = -1) -> bytes:
        try:
            return self._fh.readline(limit)
        except ArchiveLimit:
            raise
        except _DAMAGE as exc:
            raise self._damaged(exc) from None

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line


#: A tar stream is read through to list it; beyond this it is refused (a bomb, or not an
#: export: platform archives with all their media stay well under it).
MAX_TAR_STREAM = 16 << 30
TAR_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")


class TarArchive(Archive):
    """A .tar, .tar.gz, .tar.bz2 or .tar.xz export (Mastodon ships .tar.gz)."""

    kind = "tar"

    def __init__(self, path: Path, stats: ReadStats | None = None) -> None:
        super().__init__(path, stats)
        try:
            self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by close())
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise SourceError(
                f"{path.name}: not a readable tar archive (corrupt or truncated: {exc})"
            ) from None
        self._members: dict[str, tarfile.TarInfo] = {}
        compressed = max(path.stat().st_size, 1)
        try:
            for m in self._tar:
                end = m.offset_data + m.size
                if end > MAX_TAR_STREAM or (
                    end > RATIO_MIN_BYTES * 100 and end > MAX_RATIO * compressed
                ):
                    raise ArchiveLimit(
                        f"{path.name}: inflates to more than {end >> 20} MiB (tar bomb?)"
                    )
                if not m.isfile():
                    continue  # links, devices, folders: never followed
                why = unsafe_name(m.name)
                if why:
                    self.stats.skip(f"unsafe entry name refused ({why})")
                    continue
                name = posixpath.normpath(m.name.replace("\\", "/"))
                if not _junk(name):
                    self._members[name] = m
        except ArchiveLimit:
            self._tar.close()
            raise
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            if not self._members:
                self._tar.close()
                raise SourceError(
                    f"{path.name}: not a readable tar archive (corrupt or truncated: {exc})"
                ) from None
            self.stats.skip(
                f"{path.name}: archive cut short or damaged after {len(self._members)} files"
            )

    def names(self) -> list[str]:
        return list(self._members)

    def size(self, name: str) -> int:
        return self._members[name].size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        m = self._members.get(name)
        if m is None:
            raise SourceError(f"{name}: not in archive")
        if m.size > MAX_ENTRY_BYTES:
            raise ArchiveLimit(f"{name}: {m.size >> 20} MiB uncompressed, over the limit")
        try:
            raw = self._tar.extractfile(m)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{name}: damaged tar entry ({exc})") from None
        if raw is None:
            raise SourceError(f"{name}: not a regular file")
        counted = _Counted(raw, m.size, name, self)
        buffered = io.BufferedReader(counted, 1 << 16)
        try:
            yield _EntryErrors(buffered, name, "tar")  # type: ignore[misc]
        finally:
            buffered.close()

    def close(self) -> None:
        self._tar.close()


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


def _is_tar(p: Path) -> bool:
    """An uncompressed tar: 'ustar' at offset 257."""
    try:
        with p.open("rb") as fh:
            fh.seek(257)
            return fh.read(5) == b"ustar"
    except OSError:
        return False


def open_archive(path: str | os.PathLike[str], stats: ReadStats | None = None) -> Archive:
    """Open a zip or tar (recognised by magic bytes, whatever the name), folder or file."""
    p = Path(path)
    if not p.exists():
        raise SourceError(f"{p}: no such file or folder")
    if p.is_dir():
        return FolderArchive(p, stats)
    if not p.is_file():
        raise SourceError(f"{p}: not a regular file or folder")
    try:
        with p.open("rb") as fh:
            magic = fh.read(6)
    except OSError as exc:
        raise SourceError(f"{p}: cannot read ({exc.strerror})") from None
    if not magic:
        raise SourceError(f"{p.name}: empty file")
    if magic[:4] in ZIP_MAGIC or (p.suffix.lower() == ".zip" and magic[:2] == b"PK"):
        return ZipArchive(p, stats)
    if magic.startswith(TAR_MAGIC) or _is_tar(p):
        return TarArchive(p, stats)
    if p.suffix.lower() == ".zip":
        raise SourceError(f"{p.name}: named .zip but not a zip archive (corrupt or truncated)")
    return FileArchive(p, stats)
