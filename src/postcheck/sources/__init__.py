"""Readers for platform exports: each turns an archive into a stream of Posts with context.

    >>> from postcheck.sources import open_source
    >>> with open_source("twitter-archive.zip") as reader:      # doctest: +SKIP
    ...     profile = reader.profile()
    ...     for post in reader.posts():
    ...         ...

`open_source` detects the format from the content; `reader.stats` counts what was read,
skipped (damage, with reasons) and ignored (by design: direct messages, reactions).
"""

from __future__ import annotations

import os

from postcheck.sources.archive import Archive, ArchiveLimit, open_archive
from postcheck.sources.base import Profile, Reader, ReadStats, SourceError
from postcheck.sources.detect import Detected, detect
from postcheck.sources.registry import FORMATS, READERS


def open_source(
    path: str | os.PathLike[str], format: str | None = None, stats: ReadStats | None = None
) -> Reader:
    """A reader for the export at `path` (zip, folder or file); format detected if not given."""
    stats = stats if stats is not None else ReadStats()
    archive = open_archive(path, stats)
    try:
        if format is None:
            format = detect(archive).format
        elif format not in READERS:
            raise SourceError(f"unknown format {format!r} (choose from {', '.join(FORMATS)})")
        return READERS[format](archive, stats)
    except BaseException:
        archive.close()
        raise


__all__ = [
    "FORMATS",
    "READERS",
    "Archive",
    "ArchiveLimit",
    "Detected",
    "Profile",
    "ReadStats",
    "Reader",
    "SourceError",
    "detect",
    "open_archive",
    "open_source",
]
