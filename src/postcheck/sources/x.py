"""X / Twitter archive: data/tweets.js (+ part files), note-tweet.js, like.js, profile.

Every `.js` file is a JavaScript assignment `window.YTD.<name>.partN = [ ... ]` around a
JSON array; ids are strings; `full_text` is HTML-escaped (`&amp;`) and its links are t.co
short links whose real targets are in `entities.urls`. Retweets are stored as tweets whose
text starts with `RT @user:`; they are shares (the person endorsed someone else's words).
Long posts are stored twice: cut short in tweets.js and whole in note-tweet.js, whose links
are listed as `shortUrl`/`expandedUrl` (not `url`/`expanded_url`) and whose text lacks the
@mentions a reply starts with in tweets.js. Public posts in X Communities are in
community-tweet.js, in the same shape as tweets.js. Direct messages (direct-messages*.js)
are never opened.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from typing import Any

from postcheck.shapes import Author, Kind, Platform, Post
from postcheck.sources.authors import author_from
from postcheck.sources.base import Profile, Reader, Sniff, SourceError, json_items, parse_date

_RT = re.compile(r"^RT @\w{1,20}: ", re.S)
_TCO = re.compile(r"https://t\.co/\w+")
_URL = re.compile(r"https?://\S+")
#: A reply's text in tweets.js starts with the handles it answers; its note does not.
_MENTIONS = re.compile(r"^(?:@\w{1,20}\s+)+")


_YTD = re.compile(rb"\s*window\.YTD\.(\w+)\.part(\d+)\s*=")


_DM = re.compile(r"direct[-_]?message", re.I)


def _stem(name: str) -> str:
    return name.replace("-", "_").lower()


def link_map(urls: Any) -> dict[str, str]:
    """t.co link -> the address it stands for, from tweets.js (`url`/`expanded_url`) or
    note-tweet.js (`shortUrl`/`expandedUrl`) entities."""
    mapping: dict[str, str] = {}
    for u in urls if isinstance(urls, list) else ():
        if not isinstance(u, dict):
            continue
        short = u.get("url") or u.get("shortUrl")
        full = u.get("expanded_url") or u.get("expandedUrl")
        if isinstance(short, str) and isinstance(full, str) and short and full:
            mapping[short] = full
    return mapping


def expand_links(text: str, urls: Any) -> str:
    """Replace t.co links with the addresses they stand for, so readers see real targets."""
    mapping = link_map(urls)
    if not mapping:
        return text
    return _TCO.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


class XReader(Reader):
    format = "x"
    platform = Platform.x
    label = "X / Twitter archive"
    finds = ("posts", "replies", "quotes", "community posts", "profile")
    sniff = Sniff(shapes=(("xjs", 3),))

    def _ytd(self) -> dict[str, tuple[str, int]]:
        """Each data file's YTD name and part number, read from its wrapper (not its name)."""
        if not hasattr(self, "_ytd_cache"):
            from postcheck.sources.base import first_bytes

            out: dict[str, tuple[str, int]] = {}
            names = self.archive.names()
            for name in names:
                if not name.lower().endswith(".js") and len(names) > 1:
                    continue
                if _DM.search(name):
                    out[name] = ("direct_messages", 0)  # recognised by name: never opened
                    continue
                try:
                    m = _YTD.match(first_bytes(self.archive, name, 200))
                except SourceError as exc:
                    self.stats.lose(str(exc))
                    continue
                if m:
                    out[name] = (_stem(m.group(1).decode()), int(m.group(2)))
            self._ytd_cache = out
        return self._ytd_cache

    def _data(self, *stems: str) -> list[str]:
        """Data files holding any of the YTD names, in part order (tweets.js is part 0)."""
        wanted = {_stem(s) for s in stems}
        found = [(v, n) for n, v in self._ytd().items() if v[0] in wanted]
        return [n for _, n in sorted(found)]

    def read_profile(self) -> Profile | None:
        account: dict[str, Any] = {}
        bio = website = location = None
        for name in self._data("account"):
            for item in json_items(self.archive, name, js=True):
                if isinstance(item, dict) and isinstance(item.get("account"), dict):
                    account = item["account"]
        for name in self._data("profile"):
            for item in json_items(self.archive, name, js=True):
                desc = (item.get("profile") or {}).get("description") or {}
                bio = desc.get("bio")
                website = desc.get("website")
                location = desc.get("location")
        if not account and bio is None:
            return None
        bio_text = html.unescape(bio or "").strip()
        texts = [("bio", bio_text)] if bio_text else []
        if website:
            texts.append(("website", website))
        if location:
            texts.append(("location", location))
        handle = account.get("username")
        return Profile(
            platform=Platform.x,
            author=author_from(bio=bio_text),
            handle=handle,
            name=account.get("accountDisplayName"),
            texts=tuple(texts),
            url=f"https://x.com/{handle}" if handle else None,
        )

    def _handle(self) -> str:
        p = self.profile()
        return (p.handle if p else None) or "i/web"

    def posts(self) -> Iterator[Post]:
        author = self.author
        notes = self._note_tweets()
        tweet_files = self._data("tweets", "tweet")
        community_files = self._data("community-tweet")
        if not tweet_files and not community_files and not self._data("like", "note-tweet"):
            raise self.nothing_found(
                "X archive without tweets.js, community-tweet.js, like.js or note-tweet.js"
            )
        for name in tweet_files + community_files:
            yield from self._tweets(name, notes, author)
        for note in notes.unused():
            post = self.make_post(
                note["text"], date=note["date"], what="note tweet", id=note.get("id")
            )
            if post is not None:
                yield post
        for name in self._data("like"):
            yield from self._likes(name)
        self._ignore_direct_messages()

    def _tweets(self, name: str, notes: _Notes, author: Author) -> Iterator[Post]:
        self.stats.files.append(name)
        try:
            for item in json_items(self.archive, name, js=True):
                post = self._tweet(item, notes, author, name)
                if post is not None:
                    yield post
        except SourceError as exc:
            self.stats.lose(str(exc))

    def _likes(self, name: str) -> Iterator[Post]:
        self.stats.files.append(name)
        try:
            for item in json_items(self.archive, name, js=True):
                post = self._like(item)
                if post is not None:
                    yield post
        except SourceError as exc:
            self.stats.lose(str(exc))

    def _like(self, item: Any) -> Post | None:
        like = item.get("like") if isinstance(item, dict) else None
        if not isinstance(like, dict):
            self.stats.skip("like.js: record without 'like'")
            return None
        tid = str(like.get("tweetId") or "") or None
        return self.make_post(
            html.unescape(like.get("fullText") or ""),
            kind=Kind.like,
            url=like.get("expandedUrl") or (f"https://x.com/i/web/status/{tid}" if tid else None),
            id=f"like:{tid}" if tid else None,
            what="like",
        )

    def _ignore_direct_messages(self) -> None:
        for stem, _ in self._ytd().values():
            if stem.startswith("direct_message"):
                self.stats.ignore("direct message files (never read)")

    def _tweet(self, item: Any, notes: _Notes, author: Author, name: str) -> Post | None:
        what = name.rsplit("/", 1)[-1]
        tw = item.get("tweet", item) if isinstance(item, dict) else None
        if not isinstance(tw, dict):
            self.stats.skip(f"{what}: record is not an object")
            return None
        text = tw.get("full_text", tw.get("text"))
        if not isinstance(text, str):
            self.stats.skip(f"{what}: tweet without text")
            return None
        date = parse_date(tw.get("created_at"))
        text = html.unescape(text)
        entities = tw.get("entities")
        urls = entities.get("urls") if isinstance(entities, dict) else None
        tid = str(tw.get("id_str") or tw.get("id") or "") or None
        note = notes.take(text, date)
        if note is not None:
            text = _with_note(text, note, link_map(urls), tid)
        else:
            text = expand_links(text, urls)
        if _RT.match(text):
            kind = Kind.share
        elif tw.get("in_reply_to_status_id_str") or tw.get("in_reply_to_status_id"):
            kind = Kind.reply
        else:
            kind = Kind.post
        url = f"https://x.com/{self._handle()}/status/{tid}" if tid else None
        return self.make_post(text, kind=kind, date=date, url=url, id=tid, what="tweet")

    def _note_tweets(self) -> _Notes:
        notes = _Notes()
        for name in self._data("note-tweet"):
            self.stats.files.append(name)
            try:
                for item in json_items(self.archive, name, js=True):
                    nt = item.get("noteTweet") if isinstance(item, dict) else None
                    core = nt.get("core") if isinstance(nt, dict) else None
                    if not isinstance(core, dict) or not isinstance(core.get("text"), str):
                        self.stats.skip("note-tweet.js: note without text")
                        continue
                    raw = html.unescape(core["text"])
                    notes.add(
                        raw,
                        expand_links(raw, core.get("urls")),
                        parse_date(nt.get("createdAt")),  # type: ignore[union-attr]
                        nt.get("noteTweetId"),  # type: ignore[union-attr]
                    )
            except SourceError as exc:
                self.stats.lose(str(exc))
        return notes


def _with_note(tweet_text: str, note: str, links: dict[str, str], tid: str | None) -> str:
    """A long post's whole text: its note, with the @mentions a reply opens with, and the
    links of the cut-short tweet the note lacks (a quoted post's address is only there)."""
    mentions = _MENTIONS.match(tweet_text)
    if mentions and not note.startswith(mentions.group(0).strip()):
        note = mentions.group(0) + note
    own = f"/status/{tid}" if tid else None
    extra = [
        full
        for short, full in links.items()
        if short in tweet_text and full not in note and not (own and full.endswith(own))
    ]
    return " ".join([note, *extra]) if extra else note


class _Notes:
    """Long-post texts, matched to their cut-short tweet by time and opening words.

    The archive has no id linking the two, so a note is matched when it was created within
    a few seconds of the tweet and starts with the tweet's words: links, the "…" and a
    reply's leading @mentions left out of both.
    """

    def __init__(self) -> None:
        self._by_second: dict[int, list[dict[str, Any]]] = {}

    def add(self, raw: str, text: str, date: dt.datetime | None, nid: Any) -> None:
        key = int(date.timestamp()) if date else 0
        self._by_second.setdefault(key, []).append(
            {
                "key": _norm(_MENTIONS.sub("", raw)),
                "text": text,
                "date": date,
                "id": f"note:{nid}" if nid else None,
                "used": False,
            }
        )

    def take(self, text: str, date: dt.datetime | None) -> str | None:
        if not self._by_second or date is None:
            return None
        head = _norm(_MENTIONS.sub("", text))[:60]
        if not head:
            return None
        t = int(date.timestamp())
        for sec in (t, t - 1, t + 1, t - 2, t + 2):
            for note in self._by_second.get(sec, ()):
                if not note["used"] and note["key"].startswith(head):
                    note["used"] = True
                    return str(note["text"])
        return None

    def unused(self) -> Iterator[dict[str, Any]]:
        for notes in self._by_second.values():
            for note in notes:
                if not note["used"]:
                    yield note


def _norm(s: str) -> str:
    return " ".join(_URL.sub(" ", s).replace("…", " ").split())
