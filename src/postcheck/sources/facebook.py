"""Facebook "Download your information" (JSON): posts, comments, group posts, profile.

Three folder layouts are in circulation: the older one (`posts/your_posts_1.json`,
`comments/comments.json`, `profile_information/profile_information.json`), the newer one
under `your_activity_across_facebook/` and `personal_information/`, and since 2024
`your_facebook_activity/` (group posts in `groups/group_posts_and_comments.json`). Files are
matched by their tail so all of them (and zips with an extra top folder) work. Every string
is repaired for Meta's mojibake. The export doesn't record a post's audience; posts are taken
as `friends` (the default for personal profiles; the guidance is clear that privacy settings
don't protect). Record titles ("Kiwi shared a link.") are written in the account's language,
so a share is recognised by its shape (a link and no words of one's own) and a reply by the
title's "comment" noun in any of several languages. Messages (`messages/`, `inbox/`) are
never opened; reactions carry no text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from postcheck.shapes import Kind, Platform, Post, Visibility
from postcheck.sources.authors import Position, author_from
from postcheck.sources.base import (
    Profile,
    Reader,
    Sniff,
    from_timestamp,
    json_value,
)
from postcheck.sources.mojibake import repair, repair_all, repaired

POST_FILES = ("posts/your_posts*.json", "posts/your_posts__check_ins*.json")
GROUP_POST_FILES = (
    "groups/your_posts_in_groups*.json",
    "groups/your_group_posts*.json",
    "groups/group_posts_and_comments*.json",
)
COMMENT_FILES = ("comments/comments*.json", "comments_and_reactions/comments*.json")
GROUP_COMMENT_FILES = ("groups/your_comments_in_groups*.json",)
PROFILE_FILES = ("profile_information/profile_information.json",)
#: A reply answers a comment, a comment a post: the title names what was answered
#: ("replied to Bob's comment", "har svaret på Bobs kommentar", "a répondu au commentaire").
_REPLY = re.compile(
    r"\b(replied to|comment|kommentar|kommentaari?|commentaire|comentario|comentário|"
    r"commento|reactie|komentarz|svarede på|har svaret på|svarte på|svarade på|"
    r"geantwortet|antwortete|a répondu|respondió|respondeu|ha risposto)\b",
    re.I,
)


def _never_private(name: str) -> bool:
    low = name.lower()
    return "/messages/" not in f"/{low}" and "/inbox/" not in f"/{low}"


class FacebookReader(Reader):
    format = "facebook"
    platform = Platform.facebook
    label = "Facebook (Download your information, JSON)"
    finds = ("posts", "comments", "shares", "group posts", "profile")
    sniff = Sniff(
        json_keys=(
            r'"comments_v2"',
            r'"profile_v2"',
            r'"status_updates_v2"',
            r'"group_posts_v2"',
            r'"group_comments_v2"',
            r'"data"\s*:\s*\[\s*\{\s*"post"',
            r'"timestamp"\s*:\s*\d+\s*,\s*"data"',
            r'"work_experiences"',
            r'"comment"\s*:\s*\{\s*"timestamp"',
        ),
        folders=(r"your_facebook_activity/", r"your_activity_across_facebook/"),
    )

    def read_profile(self) -> Profile | None:
        files = [n for n in self.archive.find(*PROFILE_FILES) if _never_private(n)]
        for name in files:
            for key in ("profile_v2", "profile"):
                data = self._object(name, key)
                if data:
                    return self._profile_from(data)
        return None

    def _object(self, name: str, key: str) -> dict[str, Any] | None:
        obj = json_value(self.archive, name, key)
        return repair_all(obj) if isinstance(obj, dict) else None

    def _profile_from(self, data: dict[str, Any]) -> Profile:
        name = (data.get("name") or {}).get("full_name")
        bio = data.get("intro_bio") or data.get("about_me") or data.get("bio") or ""
        if isinstance(bio, dict):
            bio = bio.get("value") or bio.get("text") or ""
        work = data.get("work") or data.get("work_experiences") or data.get("work_experience")
        positions = []
        for w in work or []:
            if not isinstance(w, dict) or not w.get("employer"):
                continue
            start = from_timestamp(w.get("start_timestamp"))
            end = from_timestamp(w.get("end_timestamp"))
            positions.append(
                Position(
                    company=str(w["employer"]),
                    title=str(w.get("title") or ""),
                    started=start.date() if start else None,
                    finished=end.date() if end else None,
                    description=str(w.get("description") or ""),
                )
            )
        texts = [("bio", str(bio))] if bio else []
        texts += [("position", p.line()) for p in positions if p.current]
        return Profile(
            platform=Platform.facebook,
            author=author_from(bio=str(bio) or None, positions=positions),
            handle=data.get("username"),
            name=name,
            texts=tuple(texts),
        )

    def posts(self) -> Iterator[Post]:
        found = False
        groups = (
            (POST_FILES, ("status_updates_v2", "status_updates"), self._post, Visibility.friends),
            (GROUP_POST_FILES, ("group_posts_v2", "group_posts"), self._post, Visibility.group),
            (COMMENT_FILES, ("comments_v2", "comments"), self._comment, Visibility.friends),
            (GROUP_COMMENT_FILES, ("group_comments_v2",), self._comment, Visibility.group),
        )
        for patterns, keys, convert, visibility in groups:
            for name in self.archive.find(*patterns):
                if not _never_private(name):
                    continue
                found = True
                self.stats.files.append(name)
                yield from self.json_posts(name, keys, repaired(convert, visibility))
        for name in self.archive.names():
            if not _never_private(name):
                self.stats.ignore("message files (never read)")
        if not found:
            raise self.nothing_found("Facebook export without posts or comments files")

    def _post(self, item: dict[str, Any], visibility: Visibility) -> Post | None:
        texts = [d["post"] for d in item.get("data") or [] if isinstance(d, dict) and d.get("post")]
        title = str(item.get("title") or "")
        kind = Kind.post
        text = "\n".join(str(t) for t in texts)
        link = link_name = None
        for att in item.get("attachments") or []:
            for d in (att.get("data") or []) if isinstance(att, dict) else []:
                ext = d.get("external_context") if isinstance(d, dict) else None
                if isinstance(ext, dict) and ext.get("url") and link is None:
                    link, link_name = str(ext["url"]), ext.get("name")
        url = None
        if link and not text.strip():
            # A link passed on without words of one's own endorses what it says. The shape
            # tells it, not the title: titles are in the account's language, or missing.
            kind, url = Kind.share, link
            text = " ".join(str(x) for x in (link_name, link) if x)
        if " in " in title and visibility is Visibility.friends and "group" in title.lower():
            visibility = Visibility.group
        return self.make_post(
            text,
            kind=kind,
            date=from_timestamp(item.get("timestamp")),
            url=url,
            visibility=visibility,
        )

    def _comment(self, item: dict[str, Any], visibility: Visibility) -> Post | None:
        title = str(item.get("title") or "")
        for d in item.get("data") or []:
            c = d.get("comment") if isinstance(d, dict) else None
            if isinstance(c, dict) and c.get("comment"):
                if c.get("group"):
                    visibility = Visibility.group
                return self.make_post(
                    str(c["comment"]),
                    kind=Kind.reply if _REPLY.search(title) else Kind.comment,
                    date=from_timestamp(c.get("timestamp") or item.get("timestamp")),
                    visibility=visibility,
                    what="comment",
                )
        self.stats.ignore("comment without text")
        return None


__all__ = ["FacebookReader", "repair"]
