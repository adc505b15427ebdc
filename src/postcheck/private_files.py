"""Files only their owner can read (0600), for everything postcheck writes about people.

Scan reports quote posts; the moderation store and its export hold commenters' e-mails, the
owner's password hash and held comments. None of that is anyone else's business on a shared
machine, so these files are created owner-only rather than with the umask's usual 0644.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

PRIVATE_MODE = 0o600

#: Files SQLite creates beside a database. SQLite gives them the database file's own mode,
#: so a private database keeps them private; older, wider ones are tightened on open.
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


class AtomicPrivateFile:
    """Text written under a temporary name beside `target`, renamed into place on commit.

    `mkstemp` creates the file 0600 with O_EXCL, so it is private from its first byte and a
    planted symlink is never followed; the rename keeps that mode, and a failed run leaves no
    half-written file behind.
    """

    def __init__(self, target: str | Path, *, newline: str | None = None) -> None:
        self.target = Path(target)
        folder = self.target.parent if str(self.target.parent) else Path(".")
        fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".part", dir=folder)
        self._tmp: Path | None = Path(tmp)
        self.handle: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline=newline)

    def commit(self) -> None:
        if self._tmp is None:
            return
        self.handle.close()
        os.replace(self._tmp, self.target)
        self._tmp = None

    def discard(self) -> None:
        if self._tmp is None:
            return
        self.handle.close()
        self._tmp.unlink(missing_ok=True)
        self._tmp = None

    def __enter__(self) -> AtomicPrivateFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def ensure_private(path: Path, *, create: bool = True) -> None:
    """Make `path` owner-only, creating it empty (0600) first when `create` and it is missing.

    A file someone else owns is left alone: we could not change it, and it is not ours to.
    Symlinks are followed: the path is one the user chose, not a guessable temporary name.
    """
    flags = os.O_RDONLY | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, PRIVATE_MODE)
    except FileNotFoundError:
        if create:
            raise
        return
    try:
        st = os.fstat(fd)
        getuid = getattr(os, "getuid", None)  # POSIX only; Windows has no mode bits to fix
        if getuid is not None and st.st_mode & 0o077 and st.st_uid == getuid():
            os.fchmod(fd, PRIVATE_MODE)
    finally:
        os.close(fd)


def ensure_private_sqlite(path: Path) -> None:
    """The database file (created if missing) and any journal files beside it, owner-only."""
    ensure_private(path)
    for suffix in SQLITE_SIDECARS:
        ensure_private(path.with_name(path.name + suffix), create=False)
