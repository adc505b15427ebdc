"""What every platform reader shares: read statistics, errors, the profile shape, helpers.

Readers never stop at a damaged record: they count it with a reason in `ReadStats` and go on,
so a scan reports every readable post and says what it could not read and why.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, ClassVar

from postcheck.model import MAX_TEXT_CHARS, Author, Context, Kind, Platform, Post, Visibility

if TYPE_CHECKING:
    from postcheck.sources.archive import Archive


class SourceError(Exception):
    """The input cannot be read at all. The message is one line, fit to show a user."""


@dataclass
class ReadStats:
    """What a reader did: posts produced, records skipped (damage) or ignored (by design)."""

    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    repaired: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] += n

    def ignore(self, reason: str, n: int = 1) -> None:
        self.ignored[reason] += n

    def repair(self, what: str, n: int = 1) -> None:
        self.repaired[what] += n

    @property
    def total_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "skipped": dict(self.skipped.most_common()),
            "ignored": dict(self.ignored.most_common()),
            "repaired": dict(self.repaired.most_common()),
            "files": list(self.files),
        }


@dataclass(frozen=True)
class Profile:
    """The account owner's profile as the export shows it."""

    platform: Platform
    author: Author
    handle: str | None = None
    name: str | None = None
    #: (label, text) pairs a profile audit checks: bio, headline, summary, positions.
    texts: tuple[tuple[str, str], ...] = ()
    url: str | None = None

    @property
    def audit_text(self) -> str:
        return "\n".join(t for _, t in self.texts if t.strip())


_NO_AUTHOR = Author.model_validate({})


def merge_author(shown: Author, declared: dict[str, Any]) -> Author:
    """The export's view of the author, completed by what the person declared.

    What the export shows about the employer wins (it is what the audience sees); role,
    seniority, advising Ministers and topics come from the declaration when given, since
    exports rarely say them. A declared employer that the export doesn't show still counts
    (colleagues know), but doesn't make the employer visible.
    """
    if not declared:
        return shown
    data = shown.model_dump()
    for key, value in declared.items():
        if key not in data or value is None:
            continue
        if key == "employer" and shown.employer:
            continue
        if key == "shows_employer":
            data[key] = bool(value) or shown.shows_employer
        elif key == "bio":
            data[key] = shown.bio or value
        else:
            data[key] = value
    return Author.model_validate(data)


class Reader:
    """Base of the platform readers: `posts()` streams Posts, `profile()` is read first."""

    format: ClassVar[str] = ""
    platform: ClassVar[Platform] = Platform.other
    label: ClassVar[str] = ""

    def __init__(self, archive: Archive, stats: ReadStats | None = None) -> None:
        self.archive = archive
        self.stats = stats if stats is not None else ReadStats()
        self._profile: Profile | None = None
        self._profile_read = False
        self.declared: dict[str, Any] = {}
        self._author: Author | None = None

    def profile(self) -> Profile | None:
        if not self._profile_read:
            self._profile_read = True
            try:
                self._profile = self.read_profile()
            except SourceError as exc:
                self.stats.skip(f"profile: {exc}")
        return self._profile

    def read_profile(self) -> Profile | None:
        return None

    def json_posts(
        self, name: str, keys: Iterable[str], convert: Callable[[Any], Post | None]
    ) -> Iterator[Post]:
        """Posts from one JSON file's records. A record of the wrong shape is skipped and
        counted; a damaged file stops only itself."""
        try:
            for item in json_items(self.archive, name, keys):
                try:
                    post = convert(item)
                except (AttributeError, TypeError, ValueError, KeyError):
                    self.stats.skip(f"{name}: record of unexpected shape")
                    continue
                if post is not None:
                    yield post
        except SourceError as exc:
            self.stats.skip(str(exc))

    @property
    def author(self) -> Author:
        if self._author is None:
            p = self.profile()
            self._author = merge_author(p.author if p else _NO_AUTHOR, self.declared)
        return self._author

    def declare(self, fields: dict[str, Any]) -> None:
        """What the person says about themselves (role, seniority...), beside what the
        export shows. Set before reading posts."""
        self.declared = {k: v for k, v in fields.items() if v is not None}
        self._author = None

    def posts(self) -> Iterator[Post]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Post]:
        return self.posts()

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers shared by readers ------------------------------------------------------
    def make_post(
        self,
        text: str | None,
        *,
        kind: Kind = Kind.post,
        date: dt.datetime | dt.date | None = None,
        url: str | None = None,
        id: str | None = None,
        visibility: Visibility = Visibility.public,
        platform: Platform | None = None,
        what: str = "post",
    ) -> Post | None:
        """A Post, or None (counted) when there is nothing to check."""
        text = (text or "").strip()
        if not text:
            self.stats.ignore(f"{what} without text")
            return None
        if len(text) > MAX_TEXT_CHARS:
            self.stats.repair(f"{what} longer than {MAX_TEXT_CHARS} characters, cut")
            text = text[:MAX_TEXT_CHARS]
        self.stats.read += 1
        return Post(
            text=text,
            id=id,
            url=url,
            context=Context(
                platform=platform or self.platform,
                kind=kind,
                visibility=visibility,
                date=date,
                author=self.author,
            ),
        )


# -- dates ---------------------------------------------------------------------------------
def from_timestamp(value: Any) -> dt.datetime | None:
    """Unix seconds (int, float or digit string; milliseconds tolerated) to aware UTC."""
    try:
        ts = float(value)
    except (TypeError, ValueError):
        return None
    if ts > 1e11:  # milliseconds
        ts /= 1000.0
    if ts <= 0:
        return None
    try:
        return dt.datetime.fromtimestamp(ts, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


_TWITTER_FMT = "%a %b %d %H:%M:%S %z %Y"
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_X_DATE = re.compile(r"\w{3} (\w{3}) (\d\d) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d) (\d{4})$")


def _x_date(s: str) -> dt.datetime | None:
    """X's `Wed Oct 10 20:19:24 +0000 2018`, parsed directly (strptime is 10x slower and
    an archive has one per post)."""
    m = _X_DATE.match(s)
    if not m or m.group(1) not in _MONTHS:
        return None
    mon, day, hh, mm, ss, sign, oh, om, year = m.groups()
    offset = dt.timedelta(hours=int(oh), minutes=int(om))
    tz = dt.UTC if not offset else dt.timezone(offset if sign == "+" else -offset)
    try:
        return dt.datetime(int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=tz)
    except ValueError:
        return None


def parse_date(value: Any) -> dt.datetime | None:
    """The date formats exports use: ISO 8601, X's `Wed Oct 10 20:19:24 +0000 2018`, epoch."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return from_timestamp(value)
    s = str(value).strip()
    if not s:
        return None
    if s.isdigit():
        return from_timestamp(s)
    if s[:3].isalpha() and (x := _x_date(s)) is not None:
        return x
    try:
        d = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        d = None
    if d is None:
        for fmt in (_TWITTER_FMT, "%Y-%m-%d %H:%M:%S %Z", "%m/%d/%y, %I:%M %p", "%b %d, %Y"):
            try:
                d = dt.datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
    if d is None:
        return None
    return d if d.tzinfo else d.replace(tzinfo=dt.UTC)


# -- text decoding -------------------------------------------------------------------------
def decode_lines(raw: Iterable[bytes], stats: ReadStats, what: str) -> Iterator[str]:
    """Decode line by line: UTF-8 (BOM dropped), else Windows-1252 for that line only.

    Files edited on Windows and pasted together mix encodings; one bad line must not make
    the whole file unreadable, and a wrong guess on one line must not garble the others.
    """
    first = True
    for line in raw:
        if first:
            first = False
            if line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError:
            stats.repair(f"{what}: lines not in UTF-8 decoded as Windows-1252")
            yield line.decode("cp1252", errors="replace")


def decode_text(data: bytes, stats: ReadStats, what: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(decode_lines(data.splitlines(keepends=True), stats, what))


# -- streaming JSON ------------------------------------------------------------------------
class _SkipPrefix:
    """File-like that drops a JavaScript assignment (`window.YTD.tweets.part0 = `)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        head = raw.read(4096)
        m = re.match(rb"\s*(?:window\.)?[\w.$\[\]\"']*\s*=\s*", head)
        if m and m.end() > 0 and b"=" in head[: m.end()]:
            head = head[m.end() :]
        self._head = head

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                out, self._head = self._head + self._raw.read(), b""
                return out
            out, self._head = self._head[:n], self._head[n:]
            return out
        return self._raw.read(n)


def js_stream(raw: IO[bytes]) -> IO[bytes]:
    return _SkipPrefix(raw)  # type: ignore[return-value]


def json_items(
    archive: Archive, name: str, keys: Iterable[str] = (), *, js: bool = False
) -> Iterator[Any]:
    """Stream the records of a JSON file: a top-level array, or the array under one of `keys`.

    Memory stays flat whatever the file size (ijson's C backend). A truncated or malformed
    file raises `JSONDamage` after yielding every record before the damage.
    """
    import ijson

    prefix = _array_prefix(archive, name, tuple(keys), js=js)
    if prefix is None:
        return
    with archive.open(name) as raw:
        stream = js_stream(raw) if js else raw
        try:
            yield from ijson.items(stream, prefix, use_float=True)
        except ijson.JSONError as exc:
            raise JSONDamage(f"{name}: malformed or truncated JSON ({_short(exc)})") from None


class JSONDamage(SourceError):
    pass


def _short(exc: Exception) -> str:
    s = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return s[:120]


def _array_prefix(archive: Archive, name: str, keys: tuple[str, ...], *, js: bool) -> str | None:
    import ijson

    with archive.open(name) as raw:
        stream = js_stream(raw) if js else raw
        try:
            for prefix, event, _ in ijson.parse(stream):
                if prefix == "" and event == "start_array":
                    return "item"
                if event == "start_array" and prefix in keys:
                    return f"{prefix}.item"
                if prefix == "" and event == "end_map":
                    return None
        except ijson.JSONError as exc:
            raise JSONDamage(f"{name}: not valid JSON ({_short(exc)})") from None
    return None


def first_bytes(archive: Archive, name: str, n: int = 2048) -> bytes:
    with archive.open(name) as fh:
        return fh.read(n)
