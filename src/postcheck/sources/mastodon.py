"""Mastodon archive: outbox.json (ActivityStreams) and actor.json.

Statuses are HTML; content warnings (`summary`) are part of what followers read and are
checked with the text. Visibility comes from the addressing: the Public collection in `to`
(public) or `cc` (unlisted, still public), the followers collection (followers-only), or
neither (a direct message: never read). Boosts (`Announce`) hold only the boosted status's
address, not its text, so they are counted but can't be checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from postcheck import safejson
from postcheck.safejson import TooDeep
from postcheck.shapes import Kind, Platform, Post, Visibility
from postcheck.sources.authors import author_from
from postcheck.sources.base import Profile, Reader, Sniff, SourceError, json_items, parse_date
from postcheck.sources.html import html_to_text

PUBLIC = {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
_WORK_FIELDS = ("work", "employer", "job", "works at", "workplace", "role", "mahi")


def _list(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    return [x for x in (v or []) if isinstance(x, str)]


def visibility_of(to: Any, cc: Any) -> Visibility | None:
    """Visibility from ActivityPub addressing; None for a direct message."""
    to_, cc_ = _list(to), _list(cc)
    if PUBLIC & set(to_) or PUBLIC & set(cc_):
        return Visibility.public
    if any(a.endswith("/followers") for a in to_ + cc_):
        return Visibility.followers
    return None


class MastodonReader(Reader):
    format = "mastodon"
    platform = Platform.mastodon
    label = "Mastodon archive (ActivityPub)"
    finds = ("posts", "replies", "boosts", "profile")
    sniff = Sniff(
        json_keys=(
            r'"orderedItems"',
            r"activitystreams",
            r'"OrderedCollection"',
            r'"preferredUsername"',
        )
    )

    def read_profile(self) -> Profile | None:
        for name in self.archive.find("actor.json"):
            try:
                actor = safejson.loads(self.archive.read_bytes(name))
            except TooDeep as exc:
                raise SourceError(f"{name}: {exc}") from None
            except (ValueError, UnicodeDecodeError):
                raise SourceError(f"{name}: malformed JSON") from None
            if not isinstance(actor, dict):
                return None
            bio = html_to_text(actor.get("summary"))
            texts = [("bio", bio)] if bio else []
            employer = None
            for f in actor.get("attachment") or []:
                if not isinstance(f, dict) or f.get("type") != "PropertyValue":
                    continue
                label = str(f.get("name") or "").strip()
                value = html_to_text(str(f.get("value") or ""))
                if not value:
                    continue
                texts.append((f"field: {label}", f"{label}: {value}"))
                if label.lower() in _WORK_FIELDS and not employer:
                    employer = value
            author = author_from(bio="\n".join(t for _, t in texts) or None, employer=employer)
            return Profile(
                platform=Platform.mastodon,
                author=author,
                handle=actor.get("preferredUsername"),
                name=actor.get("name"),
                texts=tuple(texts),
                url=actor.get("url"),
            )
        return None

    def posts(self) -> Iterator[Post]:
        files = self.archive.find("outbox.json")
        if not files:
            raise self.nothing_found("Mastodon archive without outbox.json")
        for name in files:
            self.stats.files.append(name)
            try:
                for act in json_items(self.archive, name, ("orderedItems",)):
                    try:
                        post = self._activity(act)
                    except (AttributeError, TypeError, ValueError, KeyError):
                        self.stats.skip(f"{name}: activity of unexpected shape")
                        continue
                    if post is not None:
                        yield post
            except SourceError as exc:
                self.stats.lose(str(exc))

    def _activity(self, act: Any) -> Post | None:
        if not isinstance(act, dict):
            self.stats.skip("outbox.json: activity is not an object")
            return None
        typ = act.get("type")
        if typ == "Announce":
            if visibility_of(act.get("to"), act.get("cc")) is None:
                self.stats.ignore("direct messages (never read)")
            else:
                self.stats.ignore("boosts (the archive has only the boosted post's address)")
            return None
        if typ != "Create":
            self.stats.ignore(f"{typ or 'untyped'} activities")
            return None
        obj = act.get("object")
        if not isinstance(obj, dict):
            self.stats.skip("outbox.json: Create without an object")
            return None
        vis = visibility_of(obj.get("to", act.get("to")), obj.get("cc", act.get("cc")))
        if vis is None:
            self.stats.ignore("direct messages (never read)")
            return None
        text = html_to_text(obj.get("content"))
        cw = (obj.get("summary") or "").strip()
        if cw:
            text = f"CW: {cw}\n\n{text}" if text else f"CW: {cw}"
        if obj.get("type") == "Question":
            options = [o.get("name") for o in obj.get("oneOf") or obj.get("anyOf") or []]
            text += "\n" + "\n".join(f"- {o}" for o in options if o)
        return self.make_post(
            text,
            kind=Kind.reply if obj.get("inReplyTo") else Kind.post,
            date=parse_date(obj.get("published") or act.get("published")),
            url=obj.get("url") or obj.get("id"),
            id=obj.get("id"),
            visibility=vis,
            what="status",
        )
