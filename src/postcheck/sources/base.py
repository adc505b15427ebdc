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

from postcheck.encodings import sniff
from postcheck.safejson import MAX_DEPTH
from postcheck.shapes import MAX_TEXT_CHARS, Author, Context, Kind, Platform, Post, Visibility

if TYPE_CHECKING:
    from postcheck.sources.archive import Archive


class SourceError(Exception):
    """The input cannot be read at all. The message is one line, fit to show a user."""

    def __init__(self, message: str = "") -> None:
        # Library errors quoted in messages can span lines (tarfile lists every method it
        # tried): folded here so every message stays one line.
        super().__init__(" ".join(str(message).split()))


@dataclass
class ReadStats:
    """What a reader did: posts produced, records skipped (damage) or ignored (by design)."""

    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    repaired: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)
    #: Why the read is incomplete: a file, part of a file or part of the archive that could
    #: not be read at all (as opposed to one odd record inside a file that was read).
    lost: list[str] = field(default_factory=list)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] += n

    def lose(self, reason: str) -> None:
        """Count damage that left part of the export unread; the read is then incomplete."""
        self.skipped[reason] += 1
        if reason not in self.lost:
            self.lost.append(reason)

    @property
    def complete(self) -> bool:
        return not self.lost

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
            "complete": self.complete,
            "incomplete": list(self.lost),
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


@dataclass(frozen=True)
class Sniff:
    """What a reader recognises in an export, for format sniffing (sources/sniff.py).

    Each kind of evidence scores for the reader that declares it; the highest score wins.
    Folder names are a shortcut, never the only evidence: Meta's two exports share most JSON
    shapes, and their top folders tell them apart.
    """

    #: File shapes from `sniff.sniff_file` that only this reader's exports have, with weights.
    shapes: tuple[tuple[str, int], ...] = ()
    #: Regular expressions over the opening bytes of a JSON (or JSON lines) file.
    json_keys: tuple[str, ...] = ()
    #: Column names (lower case, letters and digits only, comma-joined) in a CSV header.
    csv_columns: tuple[str, ...] = ()
    #: Regular expressions over lower-cased paths that name this export's folders.
    folders: tuple[str, ...] = ()
    #: The reader for any JSON lines, JSON or CSV of posts that no platform claims.
    fallback: bool = False


class Reader:
    """Base of the platform readers: `posts()` streams Posts, `profile()` is read first.

    A reader declares its format name, what it can find (`finds`) and how to recognise its
    exports (`sniff`); sources/registry.py lists the readers, and the CLI's `--format` choices,
    format sniffing and `postcheck scan --help` all come from that list.
    """

    format: ClassVar[str] = ""
    platform: ClassVar[Platform] = Platform.other
    label: ClassVar[str] = ""
    #: What the reader reads: posts, comments, shares, articles, profile.
    finds: ClassVar[tuple[str, ...]] = ("posts",)
    sniff: ClassVar[Sniff] = Sniff()

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
                self.stats.lose(f"profile: {exc}")
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
            self.stats.lose(str(exc))

    def nothing_found(self, message: str) -> SourceError:
        """The error for an export without the files this reader needs. Entries the archive
        refused are named: a zip bomb called tweets.js must not read as 'no tweets.js'."""
        refused = self.archive.refused
        if refused:
            shown = "; ".join(f"{n}: {why}" for n, why in list(refused.items())[:3])
            more = f" and {len(refused) - 3} more" if len(refused) > 3 else ""
            message += f" (refused: {shown}{more})"
        return SourceError(message)

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
    def make_post(  # noqa: PLR0913  keyword-only Post fields; readers name only those they have
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
    d = _layout_date(s)
    if d is None:
        return None
    return d if d.tzinfo else d.replace(tzinfo=dt.UTC)


#: Layouts tried, in order, when a date is not ISO 8601.
_DATE_LAYOUTS = (_TWITTER_FMT, "%Y-%m-%d %H:%M:%S %Z", "%m/%d/%y, %I:%M %p", "%b %d, %Y")


def _layout_date(s: str) -> dt.datetime | None:
    """ISO 8601, else the first of the other layouts that fits (naive or aware)."""
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in _DATE_LAYOUTS:
        try:
            return dt.datetime.strptime(s, fmt)
        except ValueError:
            continue
    return None


# -- text decoding -------------------------------------------------------------------------
def sniff_encoding(head: bytes) -> tuple[str, int]:
    """(codec, length of its byte-order mark) from a file's opening bytes (encodings.sniff;
    binary data reads as UTF-8 here and its NULs are refused where they matter)."""
    codec, skip = sniff(head)
    return codec or "utf-8", skip


def decode_head(head: bytes) -> str:
    """The opening bytes of a file as text, whatever its encoding (for sniffing only)."""
    codec, skip = sniff_encoding(head)
    return head[skip:].decode(codec, "replace")


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


def wide_lines(fh: IO[bytes], codec: str, skip: int) -> Iterator[str]:
    """Lines of a UTF-16/32 stream. Split on newline only: a byte-wise line split would cut
    characters in half, and str.splitlines would also split on U+2028 inside a post."""
    decoder = codecs.getincrementaldecoder(codec)("replace")
    if skip:
        fh.read(skip)
    pending = ""
    while True:
        chunk = fh.read(1 << 16)
        pending += decoder.decode(chunk, final=not chunk)
        *lines, pending = pending.split("\n")
        for line in lines:
            yield line + "\n"
        if not chunk:
            break
    if pending:
        yield pending


def text_lines(fh: IO[bytes], head: bytes, stats: ReadStats, what: str) -> Iterator[str]:
    """Lines of a text file in whichever encoding its opening bytes show."""
    codec, skip = sniff_encoding(head)
    if codec == "utf-8":
        return decode_lines(fh, stats, what)
    stats.repair(f"{what}: {codec.upper()} text decoded")
    return wide_lines(fh, codec, skip)


def decode_text(data: bytes, stats: ReadStats, what: str) -> str:
    codec, skip = sniff_encoding(data[:4096])
    if codec != "utf-8":
        return data[skip:].decode(codec, "replace")
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


_STRING_BODY = re.compile(rb'[^"\\]*(?:\\.[^"\\]*)*', re.S)
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]|"', re.S)
_ESCAPE = re.compile(rb"\\.", re.S)
_NOT_MARKS = bytes(b for b in range(256) if b not in b'[]{}"')


class DepthGuard:
    """A JSON byte stream that ends, as if cut short, where nesting passes the limit.

    ijson's C parser builds a prefix string for every event, as long as the nesting is
    deep, so one line of 100,000 "[" costs gigabytes before any error. This wrapper
    watches the bytes with C-speed bytes methods (escapes and strings cut out, bracket
    pairs cancelled) and walks token by token only through a chunk that could be too deep.
    Ending the stream early lets the parser hand over every record before the deep one.
    """

    def __init__(self, raw: IO[bytes], limit: int = MAX_DEPTH) -> None:
        self._raw = raw
        self._limit = limit
        self._depth = 0
        self._in_string = False
        self._escaped = False
        self.too_deep = False

    def read(self, n: int = -1) -> bytes:
        if self.too_deep:
            return b""
        data = self._raw.read(n)
        if data:
            cut = self._scan(data)
            if cut is not None:
                self.too_deep = True
                return data[:cut]
        return data

    def _scan(self, data: bytes) -> int | None:
        text = data[1:] if self._escaped else data
        # Without its escapes (JSON's are a backslash and one byte), every quote left opens
        # or closes a string; of the rest only brackets matter. A backslash still there is
        # the chunk's last byte and escapes the next chunk's first.
        text = _ESCAPE.sub(b"", text)
        escaped = text.endswith(b"\\")
        marks = text.translate(None, _NOT_MARKS)
        # Two quotes with nothing between them end one string and open the next, or enclose
        # a string without brackets: dropping them changes nothing else, and leaves few.
        marks = marks.replace(b'""', b"")
        parts = marks.split(b'"')
        if self._in_string:
            in_string = len(parts) % 2 == 1
            marks = b"".join(parts[1::2])
        else:
            in_string = len(parts) % 2 == 0
            marks = b"".join(parts[0::2])
        reduced, rounds = marks, 0
        while rounds <= self._limit:
            fewer = reduced.replace(b"[]", b"").replace(b"{}", b"")
            if fewer == reduced:
                break
            reduced, rounds = fewer, rounds + 1
        # One round can cancel two levels ("{[]}"), so 2 * rounds bounds the inner depth.
        bound = self._depth + reduced.count(b"[") + reduced.count(b"{") + 2 * rounds
        if bound > self._limit:
            return self._walk(data)
        opened = marks.count(b"[") + marks.count(b"{")
        self._depth = max(0, self._depth + 2 * opened - len(marks))
        self._in_string, self._escaped = in_string, escaped
        return None

    def _walk(self, data: bytes) -> int | None:
        """Token by token: where the nesting passes the limit, if it does."""
        pos = 0
        if self._in_string:
            if self._escaped:
                pos = 1
            end = _STRING_BODY.match(data, pos).end()  # type: ignore[union-attr]
            if end >= len(data) or data[end] != 0x22:
                self._escaped = end < len(data)  # a lone backslash ends the chunk
                return None
            pos = end + 1
        self._in_string = self._escaped = False
        for m in _TOKENS.finditer(data, pos):
            c = data[m.start()]
            if c == 0x22:
                if m.end() - m.start() == 1:  # a string that runs on past this chunk
                    tail = data[m.end() :]
                    run = len(tail) - len(tail.rstrip(b"\\"))
                    self._in_string, self._escaped = True, run % 2 == 1
                    return None
            elif c in b"[{":
                self._depth += 1
                if self._depth > self._limit:
                    return m.start()
            else:
                self._depth = max(0, self._depth - 1)
        return None


def _too_deep(name: str) -> JSONDamage:
    return JSONDamage(
        f"{name}: JSON nested deeper than {MAX_DEPTH} levels; the rest of the file was not read"
    )


def json_items(
    archive: Archive, name: str, keys: Iterable[str] = (), *, js: bool = False
) -> Iterator[Any]:
    """Stream the records of a JSON file: a top-level array, or the array under one of `keys`.

    Memory stays flat whatever the file size (ijson's C backend). A truncated, malformed or
    too deeply nested file raises `JSONDamage` after yielding every record before the damage.
    """
    import ijson

    prefix = _array_prefix(archive, name, tuple(keys), js=js)
    if prefix is None:
        return
    done = 0
    with archive.open(name) as raw:
        stream = DepthGuard(js_stream(raw) if js else raw)
        try:
            for item in ijson.items(stream, prefix, use_float=True):
                done += 1
                yield item
            if not stream.too_deep:
                return
        except (ijson.JSONError, SourceError):
            pass
    # Pulling loses the records parsed from the chunk the damage is in; a second, pushed
    # pass (slower, so only after damage) hands over every record before it.
    yield from _items_up_to_damage(archive, name, prefix, skip=done, js=js)


def _items_up_to_damage(
    archive: Archive, name: str, prefix: str, *, skip: int, js: bool
) -> Iterator[Any]:
    """The records after the first `skip`, pushed up to the damage; then the damage raised."""
    import ijson

    error: Exception | None = None
    with archive.open(name) as raw:
        stream = DepthGuard(js_stream(raw) if js else raw)
        try:
            for n, item in enumerate(_pushed_items(stream, prefix)):
                if n >= skip:
                    yield item
        except (ijson.JSONError, SourceError) as exc:
            error = exc
    raise _json_damage(archive, name, stream.too_deep, error)


def _json_damage(
    archive: Archive, name: str, too_deep: bool, error: Exception | None
) -> SourceError:
    """What stopped a JSON file, as specific as the archive can say."""
    if too_deep:
        return _too_deep(name)
    if isinstance(error, SourceError):
        return error
    damage = archive.damage(name)
    if damage:  # a corrupted entry shows first as garbage JSON: say what it is
        return JSONDamage(damage)
    why = _short(error) if error else "ends early"
    return JSONDamage(f"{name}: malformed or truncated JSON ({why})")


class _Found(list[Any]):
    def send(self, value: Any) -> None:
        self.append(value)


def _pushed_items(stream: IO[bytes] | DepthGuard, prefix: str) -> Iterator[Any]:
    """ijson's items, fed chunk by chunk. Pulling (ijson.items) loses the records parsed
    from the chunk the damage is in; pushed, every record before the damage comes out."""
    import ijson

    found = _Found()
    parser = ijson.items_coro(found, prefix, use_float=True)
    try:
        while chunk := stream.read(1 << 16):
            parser.send(chunk)
            yield from found
            found.clear()
        parser.close()
    except ijson.JSONError:
        yield from found
        raise
    yield from found


def json_value(archive: Archive, name: str, prefix: str) -> Any:
    """The first value at `prefix` in a JSON file (None if absent), nesting guarded."""
    import ijson

    with archive.open(name) as raw:
        stream = DepthGuard(raw)
        try:
            for value in ijson.items(stream, prefix, use_float=True):
                return value
        except ijson.JSONError as exc:
            if stream.too_deep:
                raise _too_deep(name) from None
            raise JSONDamage(f"{name}: malformed or truncated JSON ({_short(exc)})") from None
    return None


class JSONDamage(SourceError):
    pass


def _short(exc: Exception) -> str:
    s = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return s[:120]


def _array_prefix(archive: Archive, name: str, keys: tuple[str, ...], *, js: bool) -> str | None:
    import ijson

    with archive.open(name) as raw:
        stream = DepthGuard(js_stream(raw) if js else raw)
        try:
            for prefix, event, _ in ijson.parse(stream):
                if prefix == "" and event == "start_array":
                    return "item"
                if event == "start_array" and prefix in keys:
                    return f"{prefix}.item"
                if prefix == "" and event == "end_map":
                    return None
        except ijson.JSONError as exc:
            if stream.too_deep:
                raise _too_deep(name) from None
            raise JSONDamage(f"{name}: not valid JSON ({_short(exc)})") from None
    return None


def first_bytes(archive: Archive, name: str, n: int = 2048) -> bytes:
    with archive.open(name) as fh:
        return fh.read(n)
