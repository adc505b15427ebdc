"""Safe read-only access to an export: a zip or tar file, an unpacked folder or one file.

Nothing is ever extracted to disk, but entry names still decide which file a reader trusts,
so hostile names (`..`, absolute paths, drive letters) are refused. Zip bombs are refused by
declared size and compression ratio when the archive is listed, and by counting the bytes
actually inflated while reading (declared sizes can lie). Links and device files are never
followed. Every refusal is counted with its reason, and kept in `Archive.refused` so that a
reader missing a refused file can say why.

A zip cut short has lost its central directory (it is at the end), so its entries are
recovered by walking the local file headers from the start: every entry before the damage
is read and the archive is reported incomplete.
"""

from __future__ import annotations

import fnmatch
import io
import mmap
import os
import posixpath
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
#: Files readers never open: over the limits they are counted as ignored, not as lost.
MEDIA_EXT = frozenset(
    {
        *(".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".bmp", ".tif", ".tiff"),
        *(".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp"),
        *(".mp3", ".m4a", ".aac", ".wav", ".ogg", ".opus", ".flac"),
    }
)
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
        #: Entries left unread on purpose, by name, with the reason.
        self.refused: dict[str, str] = {}

    def names(self) -> list[str]:
        raise NotImplementedError

    def damage(self, name: str) -> str | None:
        """Why an entry's bytes are damaged (a failed checksum), or None if they look sound.
        Asked after a parse error, which corrupted compressed data often causes first."""
        return None

    def _refuse(self, name: str, why: str, *, link: bool = False) -> None:
        self.refused[name] = why
        if link:
            self.stats.skip("links and special files in the archive not followed")
        elif _ext(name) in MEDIA_EXT:
            self.stats.ignore("media files over the size limits (never opened)")
        else:
            self.stats.lose(f"{name}: refused, {why}")

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


def _ext(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _mib(n: int) -> str:
    return f"{n / (1 << 20):,.1f} MiB" if n < 10 << 20 else f"{n >> 20:,} MiB"


def _over_limits(size: int, compressed: int | None) -> str | None:
    """Why an entry of this declared size is refused, or None."""
    if size > MAX_ENTRY_BYTES:
        return f"{_mib(size)} uncompressed, over the {_mib(MAX_ENTRY_BYTES)} limit"
    if compressed is not None and size > RATIO_MIN_BYTES and size > MAX_RATIO * max(compressed, 1):
        return f"compression ratio {size // max(compressed, 1)}:1 (zip bomb?)"
    return None


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
        self._zip: zipfile.ZipFile | None = None
        self._infos: dict[str, zipfile.ZipInfo] = {}
        self._local: dict[str, _LocalEntry] = {}
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except zipfile.BadZipFile as exc:
            self._recover(exc)
            return
        except (OSError, EOFError, ValueError) as exc:
            raise SourceError(f"{path.name}: cannot read zip archive ({exc})") from None
        if len(infos) > MAX_ENTRIES:
            raise ArchiveLimit(f"{path.name}: more than {MAX_ENTRIES} entries")
        for info in infos:
            if info.is_dir():
                continue
            name = self._accept(info.filename)
            if name is None:
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                self._refuse(name, "a link, not followed", link=True)
            elif info.flag_bits & 0x1:
                self._refuse(name, "encrypted")
            elif why := _over_limits(info.file_size, info.compress_size):
                self._refuse(name, why)
            else:
                self._infos[name] = info

    def _accept(self, raw_name: str) -> str | None:
        """The entry's name as readers see it, or None for a refused or junk entry."""
        why = unsafe_name(raw_name)
        if why:
            self.stats.skip(f"unsafe entry name refused ({why})")
            return None
        name = posixpath.normpath(raw_name.replace("\\", "/"))
        return None if _junk(name) else name

    def _recover(self, exc: Exception) -> None:
        """Entries from the local headers, for a zip whose central directory is lost."""
        try:
            entries = _local_entries(self.path)
        except OSError as err:
            raise SourceError(f"{self.path.name}: cannot read zip archive ({err})") from None
        for entry in entries:
            if entry.name.endswith("/"):
                continue
            name = self._accept(entry.name)
            if name is None or name in self._local:
                continue
            if entry.method not in _METHODS:
                self._refuse(name, f"compression method {entry.method} not supported")
            elif entry.flags & 0x1:
                self._refuse(name, "encrypted")
            elif entry.complete and (why := _over_limits(entry.size, entry.csize)):
                self._refuse(name, why)
            else:
                self._local[name] = entry
        if not self._local and not self.refused:
            raise SourceError(
                f"{self.path.name}: not a readable zip archive (corrupt or truncated: {exc})"
            )
        cut = [e.name for e in entries if not e.complete]
        self.stats.lose(
            f"{self.path.name}: zip archive damaged or cut short (no central directory); "
            f"{len(entries)} entries recovered from their local headers"
            + (f", the last ({cut[0]}) cut short" if cut else "")
        )

    def names(self) -> list[str]:
        return list(self._infos) + [n for n in self._local if n not in self._infos]

    def size(self, name: str) -> int:
        if name in self._local:
            return self._local[name].size
        return self._infos[name].file_size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if name in self.refused:
            raise ArchiveLimit(f"{name}: refused, {self.refused[name]}")
        info = self._infos.get(name)
        local = self._local.get(name)
        if info is None and local is None:
            raise SourceError(f"{name}: not in archive")
        raw: IO[bytes]
        if local is None and info is not None and info.compress_type in _METHODS:
            local = self._located(info, name)
        if local is not None:
            try:
                fh = self.path.open("rb")
            except OSError as exc:
                raise SourceError(f"{name}: cannot read ({exc.strerror})") from None
            raw = _Chunks(_inflate(fh, local, name))  # type: ignore[assignment]
            declared = local.size if local.complete else MAX_ENTRY_BYTES
        else:
            assert info is not None and self._zip is not None
            try:
                raw = self._zip.open(info)
            except (zipfile.BadZipFile, NotImplementedError, OSError, ValueError) as exc:
                raise SourceError(f"{name}: damaged zip entry ({exc})") from None
            declared = info.file_size
        counted = _Counted(raw, declared, name, self)
        buffered = io.BufferedReader(counted, 1 << 16)
        try:
            yield _EntryErrors(buffered, name, "zip")  # type: ignore[misc]
        finally:
            buffered.close()

    def _located(self, info: zipfile.ZipInfo, name: str) -> _LocalEntry:
        """Where an entry's data starts. Stored and deflated entries are inflated here rather
        than by zipfile, which raises a bad checksum with the last chunk's bytes, so the
        records in it were lost; this hands them over first."""
        try:
            with self.path.open("rb") as fh:
                fh.seek(info.header_offset)
                header = fh.read(_LOCAL.size)
        except OSError as exc:
            raise SourceError(f"{name}: cannot read ({exc.strerror})") from None
        if len(header) < _LOCAL.size or header[:4] != b"PK\x03\x04":
            raise SourceError(f"{name}: damaged zip entry (local header missing)")
        nlen, xlen = struct.unpack_from("<HH", header, 26)
        start = info.header_offset + _LOCAL.size + nlen + xlen
        return _LocalEntry(
            name,
            info.flag_bits,
            info.compress_type,
            info.CRC,
            info.compress_size,
            info.file_size,
            start,
            start + info.compress_size,
        )

    def damage(self, name: str) -> str | None:
        try:
            with self.open(name) as fh:
                while fh.read(1 << 20):
                    pass
        except SourceError as exc:
            return str(exc)
        return None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


@dataclass
class _LocalEntry:
    """One entry found by its local header. `end` is None when the data runs past the end
    of the file (the entry the archive was cut in)."""

    name: str
    flags: int
    method: int
    crc: int
    csize: int
    size: int
    start: int
    end: int | None

    @property
    def complete(self) -> bool:
        return self.end is not None


def _local_entries(path: Path) -> list[_LocalEntry]:
    """Every entry whose local header survives, walking the zip from its first header."""
    with path.open("rb") as fh:
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file cannot be mapped
            return []
    with mm:
        out: list[_LocalEntry] = []
        pos = mm.find(b"PK\x03\x04")
        while pos >= 0 and pos + _LOCAL.size <= len(mm) and len(out) < MAX_ENTRIES:
            sig, _, flags, method, _, _, crc, csize, size, nlen, xlen = _LOCAL.unpack_from(mm, pos)
            if sig != b"PK\x03\x04":
                break  # the central directory, or damage: nothing further can be trusted
            start = pos + _LOCAL.size + nlen + xlen
            if start > len(mm):
                break
            raw_name = mm[pos + _LOCAL.size : pos + _LOCAL.size + nlen]
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
            if 0xFFFFFFFF in (csize, size):
                size, csize = _zip64_sizes(mm[start - xlen : start], size, csize)
            tail = 0
            end: int | None = start + csize
            if flags & 0x08:  # sizes and checksum follow the data
                found = _descriptor(mm, start)
                if found is None:
                    end = None
                else:
                    end, tail, crc, csize, size = found
            if end is not None and end > len(mm):
                end = None
            out.append(_LocalEntry(name, flags, method, crc, csize, size, start, end))
            if end is None:
                break
            pos = end + tail
        return out


def _zip64_sizes(extra: bytes, size: int, csize: int) -> tuple[int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        if tag == 1 and length >= 16:
            return struct.unpack_from("<QQ", extra, pos + 4)
        pos += 4 + length
    return size, csize


def _descriptor(mm: mmap.mmap, start: int) -> tuple[int, int, int, int, int] | None:
    """(end of data, descriptor length, crc, compressed size, size) of an entry whose sizes
    follow its data. The descriptor is found by its signature, or else just before the
    next header; either way its compressed size must equal the distance from the start,
    which a chance match of the signature bytes inside the data almost never gives."""
    pos = start
    while (pos := mm.find(b"PK\x07\x08", pos)) >= 0:
        if pos + 16 <= len(mm):
            crc, csize, size = struct.unpack_from("<III", mm, pos + 4)
            if csize == pos - start:
                return pos, 16, crc, csize, size
        if pos + 24 <= len(mm):  # zip64: eight-byte sizes
            crc, csize, size = struct.unpack_from("<IQQ", mm, pos + 4)
            if csize == pos - start:
                return pos, 24, crc, csize, size
        pos += 1
    pos = start
    while True:
        nxt = [p for p in (mm.find(b"PK\x03\x04", pos), mm.find(b"PK\x01\x02", pos)) if p >= 0]
        if not nxt:
            return None
        pos = min(nxt)
        if pos - 12 >= start:
            crc, csize, size = struct.unpack_from("<III", mm, pos - 12)
            if csize == pos - 12 - start:
                return pos - 12, 12, crc, csize, size
        pos += 1


def _inflate(fh: IO[bytes], entry: _LocalEntry, name: str) -> Iterator[bytes]:
    """The bytes of a recovered entry. One cut short ends where the file ends; a complete
    one must match its checksum."""
    with fh:
        fh.seek(entry.start)
        left = (entry.end if entry.end is not None else os.fstat(fh.fileno()).st_size) - entry.start
        inflater = zlib.decompressobj(-15) if entry.method == zipfile.ZIP_DEFLATED else None
        crc = 0
        while left > 0:
            raw = fh.read(min(1 << 16, left))
            if not raw:
                break
            left -= len(raw)
            if inflater is None:
                crc = zlib.crc32(raw, crc)
                yield raw
                continue
            out = inflater.decompress(raw, 1 << 20)
            while True:
                crc = zlib.crc32(out, crc)
                yield out
                if not inflater.unconsumed_tail:
                    break
                out = inflater.decompress(inflater.unconsumed_tail, 1 << 20)
            if inflater.eof:
                break
        if entry.complete and ((inflater is not None and not inflater.eof) or crc != entry.crc):
            raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")


class _Chunks(io.RawIOBase):
    """A raw stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = memoryview(b"")
        self._error: Exception | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buf:
            if self._error is not None:
                raise self._error
            try:
                chunk = next(self._chunks, None)
            except Exception as exc:
                # End the read that is filling a buffer first, and fail the next one: a
                # buffered read that fails loses every byte it had gathered.
                self._error = exc
                return 0
            if chunk is None:
                return 0
            self._buf = memoryview(chunk)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()


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
                self._list(m, path.name, compressed)
        except ArchiveLimit:
            self._tar.close()
            raise
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            if not self._members:
                self._tar.close()
                raise SourceError(
                    f"{path.name}: not a readable tar archive (corrupt or truncated: {exc})"
                ) from None
            self.stats.lose(
                f"{path.name}: archive cut short or damaged after {len(self._members)} files"
            )

    def _list(self, m: tarfile.TarInfo, archive_name: str, compressed: int) -> None:
        """Keep one member, or count or refuse it; ArchiveLimit once the stream inflates
        past the limits (a tar bomb)."""
        end = m.offset_data + m.size
        if end > MAX_TAR_STREAM or (end > RATIO_MIN_BYTES * 100 and end > MAX_RATIO * compressed):
            raise ArchiveLimit(f"{archive_name}: inflates to more than {end >> 20} MiB (tar bomb?)")
        if m.isdir():
            return
        why = unsafe_name(m.name)
        if why:
            self.stats.skip(f"unsafe entry name refused ({why})")
            return
        name = posixpath.normpath(m.name.replace("\\", "/"))
        if _junk(name):
            return
        if not m.isfile():
            self._refuse(name, "a link or device file, not followed", link=True)
        elif why := _over_limits(m.size, None):
            self._refuse(name, why)
        else:
            self._members[name] = m

    def names(self) -> list[str]:
        return list(self._members)

    def size(self, name: str) -> int:
        return self._members[name].size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if name in self.refused:
            raise ArchiveLimit(f"{name}: refused, {self.refused[name]}")
        m = self._members.get(name)
        if m is None:
            raise SourceError(f"{name}: not in archive")
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
                name = full.relative_to(self._root).as_posix()
                if not stat.S_ISREG(st.st_mode):
                    self._refuse(name, "a device or special file, not read", link=True)
                    continue
                if real != full and not real.is_relative_to(self._root):
                    self.stats.skip("link pointing outside the folder refused")
                    self.refused[name] = "a link pointing outside the folder, not followed"
                    continue
                if why := _over_limits(st.st_size, None):
                    self._refuse(name, why)
                    continue
                self._names[name] = full

    def names(self) -> list[str]:
        return list(self._names)

    def size(self, name: str) -> int:
        return self._names[name].stat().st_size

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        if name in self.refused:
            raise ArchiveLimit(f"{name}: refused, {self.refused[name]}")
        p = self._names.get(name)
        if p is None:
            raise SourceError(f"{name}: not in folder")
        if p.stat().st_size > MAX_ENTRY_BYTES:  # grown since it was listed
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
