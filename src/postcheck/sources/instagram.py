"""Instagram export (JSON), including Threads posts made from the same account.

Captions of posts, reels and stories, comments on posts and reels, Threads posts and
replies, and the profile bio. Both layouts (files at `content/`, `comments/` or under
`your_instagram_activity/`) are matched by tail; every string is repaired for Meta's
mojibake. Messages (`messages/inbox`) are never opened; likes hold only links.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from postcheck.shapes import Kind, Platform, Post
from postcheck.sources.authors import author_from
from postcheck.sources.base import Profile, Reader, Sniff, from_timestamp, json_items
from postcheck.sources.mojibake import repair_all, repaired

POST_FILES = ("content/posts_*.json", "media/posts_*.json", "content/reels*.json")
STORY_FILES = ("content/stories*.json", "media/stories*.json")
COMMENT_FILES = (
    "comments/post_comments*.json",
    "comments/reels_comments*.json",
    "comments/comments*.json",
)
THREADS_FILES = ("threads/threads_and_replies*.json", "threads/*posts*.json")
PROFILE_FILES = ("personal_information/personal_information.json",)


def _sm(item: dict[str, Any], key: str) -> dict[str, Any]:
    sm = item.get("string_map_data") or {}
    v = sm.get(key) if isinstance(sm, dict) else None
    return v if isinstance(v, dict) else {}


def _private(name: str) -> bool:
    low = f"/{name.lower()}"
    return "/messages/" in low or "/inbox/" in low


class InstagramReader(Reader):
    format = "instagram"
    platform = Platform.instagram
    label = "Instagram / Threads (Meta export, JSON)"
    finds = ("posts", "stories", "reels", "threads posts", "profile")
    sniff = Sniff(
        json_keys=(
            r'"string_map_data"',
            r'"ig_stories"',
            r'"text_post_app_text_posts"',
            r'"profile_user"',
            r'"media"\s*:\s*\[\s*\{\s*"uri"',
            r'"ig_reels_media"',
        ),
        folders=(r"your_instagram_activity/", r"^instagram-"),
    )

    def read_profile(self) -> Profile | None:
        for name in self.archive.find(*PROFILE_FILES):
            for item in json_items(self.archive, name, ("profile_user",)):
                item = repair_all(item)
                bio = _sm(item, "Bio").get("value") or ""
                handle = _sm(item, "Username").get("value")
                return Profile(
                    platform=Platform.instagram,
                    author=author_from(bio=bio),
                    handle=handle,
                    name=_sm(item, "Name").get("value"),
                    texts=(("bio", bio),) if bio else (),
                    url=f"https://www.instagram.com/{handle}/" if handle else None,
                )
        return None

    def posts(self) -> Iterator[Post]:
        found = False
        plan = (
            (POST_FILES, ("ig_reels_media", "ig_posts"), self._media, Platform.instagram),
            (STORY_FILES, ("ig_stories",), self._media, Platform.instagram),
            (
                COMMENT_FILES,
                ("comments_reels_comments", "comments_media_comments"),
                self._comment,
                Platform.instagram,
            ),
            (
                THREADS_FILES,
                ("text_post_app_text_posts", "text_post_app_text_app_posts"),
                self._media,
                Platform.threads,
            ),
        )
        for patterns, keys, convert, platform in plan:
            for name in self.archive.find(*patterns):
                if _private(name):
                    continue
                found = True
                self.stats.files.append(name)
                yield from self.json_posts(name, keys, repaired(convert, platform))
        if any(_private(n) for n in self.archive.names()):
            self.stats.ignore("message files (never read)")
        if not found:
            raise self.nothing_found("Instagram export without posts, comments or Threads files")

    def _media(self, item: dict[str, Any], platform: Platform) -> Post | None:
        media = [m for m in item.get("media") or [] if isinstance(m, dict)]
        text = item.get("title") or next((m.get("title") for m in media if m.get("title")), "")
        ts = item.get("creation_timestamp") or next(
            (m.get("creation_timestamp") for m in media if m.get("creation_timestamp")), None
        )
        reply = bool(item.get("reply_to") or item.get("is_reply"))
        what = "Threads post" if platform is Platform.threads else "caption"
        return self.make_post(
            text,
            kind=Kind.reply if reply else Kind.post,
            date=from_timestamp(ts),
            platform=platform,
            what=what,
        )

    def _comment(self, item: dict[str, Any], platform: Platform) -> Post | None:
        text = _sm(item, "Comment").get("value")
        ts = _sm(item, "Time").get("timestamp")
        return self.make_post(
            text, kind=Kind.comment, date=from_timestamp(ts), platform=platform, what="comment"
        )
