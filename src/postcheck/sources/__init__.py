"""Readers for platform exports: each turns an archive into a stream of Posts with context.

    >>> from postcheck.sources import open_source
    >>> with open_source("twitter-archive.zip") as reader:      # doctest: +SKIP
    ...     profile = reader.profile()
    ...     for post in reader.posts():
    ...         ...

`open_source` sniffs the format from the content; `reader.stats` counts what was read,
skipped (damage, with reasons) and ignored (by design: direct messages, reactions).
"""

from __future__ import annotations

import os

from postcheck.sources.archive import Archive, ArchiveLimit, open_archive
from postcheck.sources.base import Profile, Reader, ReadStats, SourceError
from postcheck.sources.registry import FORMATS, READERS
from postcheck.sources.sniff import SniffedFormat, sniff_format


def open_source(
    path: str | os.PathLike[str], format: str | None = None, stats: ReadStats | None = None
) -> Reader:
    """A reader for the export at `path` (zip, folder or file); format sniffed if not given."""
    stats = stats if stats is not None else ReadStats()
    archive = open_archive(path, stats)
    try:
        if format is None:
            format = sniff_format(archive).format
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
    "Profile",
    "ReadStats",
    "Reader",
    "SniffedFormat",
    "SourceError",
    "open_archive",
    "open_source",
    "sniff_format",
]
