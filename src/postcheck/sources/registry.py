"""Every export reader, listed once.

Adding a reader is one module (a `Reader` subclass that declares its `format`, `label`,
`finds` and `sniff`) plus one line here. Format sniffing (sniff.py), `open_source` and the
CLI's `--format` choices all read this table, so a new reader is recognised, selectable and
listed in `postcheck scan --help` without touching them.
"""

from __future__ import annotations

from postcheck.sources.base import Reader
from postcheck.sources.bluesky import BlueskyReader
from postcheck.sources.facebook import FacebookReader
from postcheck.sources.instagram import InstagramReader
from postcheck.sources.linkedin import LinkedInReader
from postcheck.sources.mastodon import MastodonReader
from postcheck.sources.plain import PlainReader
from postcheck.sources.x import XReader

READERS: dict[str, type[Reader]] = {
    r.format: r
    for r in (
        XReader,
        FacebookReader,
        LinkedInReader,
        InstagramReader,
        MastodonReader,
        BlueskyReader,
        PlainReader,
    )
}
FORMATS: tuple[str, ...] = tuple(READERS)


def fallback() -> str:
    """The format for plain posts no platform claims (exactly one reader declares it)."""
    (name,) = (f for f, r in READERS.items() if r.sniff.fallback)
    return name


def describe() -> str:
    """One line per format, for `--help`."""
    return "; ".join(f"{f}: {r.label}" for f, r in READERS.items())
