"""LinkedIn data export (CSV): Shares, Comments, Reactions, Profile, Positions.

The basic export puts the CSVs at the top of the zip; the complete one adds folders and more
files around them; both are matched by file name anywhere in the tree. Recent files are UTF-8
with a BOM and commas; 2018 exports wrote UTF-16 with tabs. The encoding is read from the
BOM (or the zero bytes of UTF-16), and the delimiter and one of two quoting styles, RFC 4180
(quotes doubled inside quoted fields) or backslash-escaped quotes, are chosen per file by
which parses the opening rows into the header's width. Lines that aren't UTF-8 (edited on
Windows) are decoded alone. LinkedIn quotes each line of a multi-line share on its own inside
the CSV field; those per-line quotes are removed. Long-form articles (complete export,
`Articles/Articles/*.html`) are checked as posts once published; drafts are not posts.
Messages (messages.csv) are never opened; reactions carry only a link, not the post text.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from collections.abc import Generator, Iterator
from typing import Any

from postcheck.shapes import Kind, Platform, Post, Visibility
from postcheck.sources.authors import Position, author_from
from postcheck.sources.base import (
    Profile,
    Reader,
    ReadStats,
    Sniff,
    SourceError,
    decode_text,
    parse_date,
    text_lines,
)

csv.field_size_limit(min(sys.maxsize, 1 << 27))


class _Backslash(csv.Dialect):
    delimiter = ","
    quotechar = '"'
    escapechar = "\\"
    doublequote = False
    skipinitialspace = False
    lineterminator = "\n"
    quoting = csv.QUOTE_MINIMAL
    strict = False


DIALECTS: tuple[type[csv.Dialect], ...] = (csv.excel, _Backslash)
DELIMITERS = (",", "\t", ";", "|")


def _key(col: str) -> str:
    return re.sub(r"[^a-z0-9]", "", col.lower())


def _lines(text: str) -> list[str]:
    # Newline only: str.splitlines would also break at U+2028 inside a quoted post.
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def pick_dialect(sample: str, partial: bool = False) -> type[csv.Dialect]:
    """The delimiter and quoting style that parse the sample into rows as wide as the header.

    Only delimiters found in the header line are tried: a wrong one gives a one-column
    header, and text full of commas must not outvote the tabs of a tab-separated file.
    """
    best: tuple[tuple[int, int], type[csv.Dialect]] | None = None
    lines = _lines(sample)
    if partial and len(lines) > 1:
        lines = lines[:-1]  # the sample ends mid-row
    header = lines[0] if lines else ""
    for delimiter in [d for d in DELIMITERS if d in header] or [","]:
        for base in DIALECTS:
            dialect: type[csv.Dialect] = type("Sniffed", (base,), {"delimiter": delimiter})
            try:
                rows = list(csv.reader(lines, dialect))
            except csv.Error:
                continue
            if not rows:
                continue
            width = len(rows[0])
            good = sum(1 for r in rows[1:] if len(r) == width)
            bad = sum(1 for r in rows[1:] if len(r) != width)
            score = (good - 3 * bad, width)
            if best is None or score > best[0]:
                best = (score, dialect)
    return best[1] if best else csv.excel


def csv_rows(reader: Reader, name: str, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Stream a CSV's rows as dicts keyed by normalised column name ('sharecommentary')."""
    with reader.archive.open(name) as fh:
        head = fh.read(1 << 16)
    # The sample's own repairs are counted when the file itself is read.
    sample = decode_text(head, ReadStats(), name)
    dialect = pick_dialect(sample, partial=len(head) == 1 << 16)
    with reader.archive.open(name) as fh:
        lines = text_lines(fh, head, reader.stats, name)
        rows = csv.reader(lines, dialect)
        try:
            header = next(rows)
        except StopIteration:
            raise SourceError(f"{name}: empty file") from None
        except csv.Error as exc:
            raise SourceError(f"{name}: not a CSV file ({exc})") from None
        keys = [_key(c) for c in header]
        missing = [c for c in required if _key(c) not in keys]
        if missing:
            found = ", ".join(c.strip() for c in header[:8] if c.strip()) or "none"
            raise SourceError(
                f"{name}: wrong columns, missing {', '.join(missing)} (found: {found[:200]})"
            )
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                reader.stats.skip(f"{name}: unreadable CSV row ({exc})")
                continue
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(keys):
                reader.stats.skip(f"{name}: row with {len(row)} fields, header has {len(keys)}")
                continue
            yield dict(zip(keys, row, strict=True))


def unquote_lines(text: str) -> str | None:
    """The share without LinkedIn's per-line quotes, or None when it has none.

    LinkedIn writes a multi-line share with every line in quotes of its own inside the CSV
    field, so after parsing each line break reads `"` newline `"`. Only a text where every
    line break has that shape is changed: quotes a person typed are left alone.
    """
    t = text.replace("\r\n", "\n")
    breaks = t.count("\n")
    if not breaks or t.count('"\n"') != breaks:
        return None
    return t.replace('"\n"', "\n")


def _month(value: str) -> dt.date | None:
    value = (value or "").strip()
    for fmt in ("%b %Y", "%B %Y", "%Y", "%m/%Y", "%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


_ARTICLE_DATE = re.compile(r"(Published|Created) on (\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?)")
_ARTICLE_META = re.compile(r"^(Created|Published) on \d{4}-\d{2}-\d{2}.*$", re.M)

_VISIBILITY = {
    "membernetwork": Visibility.followers,
    "connections": Visibility.followers,
    "connectionsonly": Visibility.followers,
    "public": Visibility.public,
    "anyone": Visibility.public,
    "member_network": Visibility.followers,
    "group": Visibility.group,
}


class LinkedInReader(Reader):
    format = "linkedin"
    platform = Platform.linkedin
    label = "LinkedIn data export (CSV)"
    finds = ("posts", "comments", "articles", "profile", "positions")
    sniff = Sniff(
        csv_columns=(
            "sharecommentary",
            "sharelink",
            "companyname,title",
            "startedon",
            "headline",
            "date,link,message",
            "date,type,link",
        )
    )

    def _files(self, fname: str) -> list[str]:
        return self.archive.find(fname)

    def read_profile(self) -> Profile | None:
        headline = summary = name = None
        for f in self._files("profile.csv"):
            try:
                for row in csv_rows(self, f, ("Headline",)):
                    headline = row.get("headline") or None
                    summary = row.get("summary") or None
                    name = " ".join(x for x in (row.get("firstname"), row.get("lastname")) if x)
                    break
            except SourceError as exc:
                self.stats.lose(str(exc))
        positions = []
        for f in self._files("positions.csv"):
            try:
                for row in csv_rows(self, f, ("Company Name", "Title")):
                    positions.append(
                        Position(
                            company=row.get("companyname", "").strip(),
                            title=row.get("title", "").strip(),
                            started=_month(row.get("startedon", "")),
                            finished=_month(row.get("finishedon", "")),
                            description=row.get("description", "").strip(),
                        )
                    )
            except SourceError as exc:
                self.stats.lose(str(exc))
        if headline is None and summary is None and not positions:
            return None
        texts: list[tuple[str, str]] = []
        if headline:
            texts.append(("headline", headline))
        if summary:
            texts.append(("about", summary))
        texts += [("position", p.line()) for p in positions if p.current and p.company]
        bio = "\n".join(t for t in (headline, summary) if t)
        return Profile(
            platform=Platform.linkedin,
            # A LinkedIn profile is a work profile: it shows the employer by design.
            author=author_from(bio=bio, positions=positions).model_copy(
                update={"shows_employer": True}
            ),
            name=name or None,
            texts=tuple(texts),
        )

    def posts(self) -> Iterator[Post]:
        any_rows = yield from self._csv_posts()
        any_articles = yield from self._articles()
        for _ in self._files("messages.csv"):
            self.stats.ignore("message files (never read)")
        if not any_rows and not any_articles and not self.stats.skipped:
            raise self.nothing_found(
                "LinkedIn export without Shares.csv, Comments.csv or Reactions.csv"
            )

    def _csv_posts(self) -> Generator[Post, None, bool]:
        """Shares, comments and reactions; returns whether any file had a row."""
        found = False
        plan: tuple[tuple[str, tuple[str, ...], Any], ...] = (
            ("shares.csv", ("Date", "ShareCommentary"), self._share),
            ("comments.csv", ("Date", "Message"), self._comment),
            ("reactions.csv", ("Date", "Type"), self._reaction),
        )
        for fname, required, convert in plan:
            for f in self._files(fname):
                self.stats.files.append(f)
                try:
                    for row in csv_rows(self, f, required):
                        found = True
                        post = convert(row)
                        if post is not None:
                            yield post
                except SourceError as exc:
                    self.stats.lose(str(exc))
        return found

    def _articles(self) -> Generator[Post, None, bool]:
        """Long-form articles; returns whether the export has any article file."""
        found = False
        for f in self.archive.find("articles/*.html", "articles/*.htm"):
            found = True
            self.stats.files.append(f)
            try:
                post = self._article(f)
            except SourceError as exc:
                self.stats.lose(str(exc))
                continue
            if post is not None:
                yield post
        return found

    def _share(self, row: dict[str, str]) -> Post | None:
        text = row.get("sharecommentary", "")
        unquoted = unquote_lines(text)
        if unquoted is not None:
            self.stats.repair("shares: LinkedIn's quotes around each line removed")
            text = unquoted
        shared = row.get("sharedurl", "").strip()
        kind = Kind.post
        if not text.strip() and shared:
            # A reshare without commentary: the person endorsed what the link holds.
            kind, text = Kind.share, shared
        vis = _VISIBILITY.get(row.get("visibility", "").strip().lower(), Visibility.public)
        return self.make_post(
            text,
            kind=kind,
            date=parse_date(row.get("date")),
            url=row.get("sharelink") or None,
            visibility=vis,
            what="share",
        )

    def _comment(self, row: dict[str, str]) -> Post | None:
        return self.make_post(
            row.get("message", ""),
            kind=Kind.comment,
            date=parse_date(row.get("date")),
            url=row.get("link") or None,
            what="comment",
        )

    def _article(self, name: str) -> Post | None:
        """A long-form article (complete export: Articles/Articles/<title>.html)."""
        from postcheck.sources.html import html_to_text

        html = decode_text(self.archive.read_bytes(name), self.stats, name)
        # Published date when there is one: that's when readers saw it.
        dates = {m.group(1): m.group(2) for m in _ARTICLE_DATE.finditer(html)}
        if "Created" in dates and "Published" not in dates:
            # A draft: written, never shown to anyone.
            self.stats.ignore("draft articles (never published)")
            return None
        when = dates.get("Published") or dates.get("Created")
        text = html_to_text(html)
        text = re.sub(r"\n{3,}", "\n\n", _ARTICLE_META.sub("", text)).strip()
        return self.make_post(
            text,
            date=parse_date(when),
            what="article",
        )

    def _reaction(self, row: dict[str, str]) -> Post | None:
        self.stats.ignore("reactions (the export has only a link, not the post's text)")
        return None
