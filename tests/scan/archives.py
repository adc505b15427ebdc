"""Synthetic platform exports built from the documented shapes (never a real person's data).

Each builder writes an export under `root` (a folder) and returns it; `zip_dir` packs a
folder into a zip the way the platforms ship them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

DM_TEXT = "SECRET DIRECT MESSAGE never to be read"
POLITICAL = "Vote National out, Labour's cost of living plan is the only hope for Aotearoa"


def zip_dir(folder: Path, dest: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, prefix + p.relative_to(folder).as_posix())
    return dest


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


# -- X / Twitter ---------------------------------------------------------------------------
def ytd(name: str, part: int, items: list[Any]) -> str:
    return f"window.YTD.{name}.part{part} = " + json.dumps(items, indent=2)


def tweet(
    tid: str,
    text: str,
    created: str = "Wed Oct 10 20:19:24 +0000 2018",
    urls: list[dict[str, Any]] | None = None,
    reply_to: str | None = None,
) -> dict[str, Any]:
    tw: dict[str, Any] = {
        "id_str": tid,
        "id": tid,
        "full_text": text,
        "created_at": created,
        "favorite_count": "0",
        "retweet_count": "0",
        "lang": "en",
        "entities": {"urls": urls or [], "hashtags": [], "user_mentions": []},
    }
    if reply_to:
        tw["in_reply_to_status_id_str"] = reply_to
        tw["in_reply_to_screen_name"] = "someone"
    return {"tweet": tw}


def x_archive(root: Path) -> Path:
    data = root / "data"
    long_text = (
        "This is a long note tweet that goes well past the old limit of two hundred and "
        "eighty characters so X stores it twice: once cut short in tweets.js and once whole "
        "in note-tweet.js. " * 3
    ).strip() + " The ending is only in the note."
    _write(
        data / "tweets.js",
        ytd(
            "tweets",
            0,
            [
                tweet(
                    "1001",
                    "Fish &amp; chips &lt;3 at the beach https://t.co/abc123",
                    urls=[
                        {
                            "url": "https://t.co/abc123",
                            "expanded_url": "https://example.org/beach-report",
                            "display_url": "example.org/beach-report",
                            "indices": ["36", "59"],
                        }
                    ],
                ),
                tweet("1002", "RT @someone: " + POLITICAL, "Thu Aug 10 09:00:00 +0000 2023"),
                tweet("1003", "@someone totally agree", reply_to="999"),
                tweet(
                    "1004",
                    long_text[:270] + "… https://t.co/self1",
                    "Mon Jan 15 08:30:00 +0000 2024",
                ),
                {"tweet": {"id_str": "1005", "created_at": "Mon Jan 15 08:30:00 +0000 2024"}},
            ],
        ),
    )
    _write(
        data / "tweets-part1.js",
        ytd(
            "tweets", 1, [tweet("1006", "Second part file tweet", "Sat Oct 14 09:00:00 +0000 2023")]
        ),
    )
    _write(
        data / "note-tweet.js",
        ytd(
            "note_tweet",
            0,
            [
                {
                    "noteTweet": {
                        "noteTweetId": "77",
                        "createdAt": "2024-01-15T08:30:01.000Z",
                        "updatedAt": "2024-01-15T08:30:01.000Z",
                        "core": {"text": long_text, "urls": [], "mentions": [], "hashtags": []},
                    }
                }
            ],
        ),
    )
    _write(
        data / "like.js",
        ytd(
            "like",
            0,
            [
                {
                    "like": {
                        "tweetId": "5005",
                        "fullText": "Liked text about Three Waters &amp; co-governance",
                        "expandedUrl": "https://twitter.com/i/web/status/5005",
                    }
                },
                {"like": {"tweetId": "5006"}},
            ],
        ),
    )
    _write(
        data / "account.js",
        ytd(
            "account",
            0,
            [
                {
                    "account": {
                        "email": "nobody@example.org",
                        "username": "kiwi_tester",
                        "accountId": "42",
                        "createdAt": "2012-01-01T00:00:00.000Z",
                        "accountDisplayName": "Kiwi Tester",
                    }
                }
            ],
        ),
    )
    _write(
        data / "profile.js",
        ytd(
            "profile",
            0,
            [
                {
                    "profile": {
                        "description": {
                            "bio": "Policy adviser @ MBIE &amp; proud Green voter. Views my own.",
                            "website": "https://t.co/xyz",
                            "location": "Pōneke",
                        }
                    }
                }
            ],
        ),
    )
    _write(
        data / "direct-messages.js",
        ytd(
            "direct_messages",
            0,
            [{"dmConversation": {"messages": [{"messageCreate": {"text": DM_TEXT}}]}}],
        ),
    )
    return root


# -- Meta (Facebook, Instagram) ------------------------------------------------------------
def meta_json(value: Any) -> str:
    """JSON as Meta writes it: every UTF-8 byte of non-ASCII text escaped as \\u00XX."""

    def broken(v: Any) -> Any:
        if isinstance(v, str):
            return v.encode("utf-8").decode("latin-1")
        if isinstance(v, list):
            return [broken(x) for x in v]
        if isinstance(v, dict):
            return {k: broken(x) for k, x in v.items()}
        return v

    return json.dumps(broken(value), ensure_ascii=True, indent=2)


FB_POSTS = [
    {
        "timestamp": 1691658000,
        "data": [
            {"post": "Kia ora whānau, café day ☕ — " + POLITICAL},
            {"update_timestamp": 1691658000},
        ],
        "title": "Kiwi Tester updated her status.",
    },
    {
        "timestamp": 1577836800,
        "attachments": [
            {
                "data": [
                    {"external_context": {"url": "https://example.org/story", "name": "A story"}}
                ]
            }
        ],
        "data": [],
        "title": "Kiwi Tester shared a link.",
    },
    {
        "timestamp": 1577836900,
        "data": [{"update_timestamp": 1}],
        "title": "Kiwi Tester updated her profile picture.",
    },
]
FB_COMMENTS = [
    {
        "timestamp": 1700000000,
        "data": [
            {
                "comment": {
                    "timestamp": 1700000000,
                    "comment": "Ngā mihi, great mahi",
                    "author": "Kiwi Tester",
                }
            }
        ],
        "title": "Kiwi Tester commented on Bob's post.",
    },
    {
        "timestamp": 1700000100,
        "data": [
            {
                "comment": {
                    "timestamp": 1700000100,
                    "comment": "Our CE is useless",
                    "author": "Kiwi Tester",
                    "group": "Public servants venting",
                }
            }
        ],
        "title": "Kiwi Tester replied to Bob's comment.",
    },
]
FB_PROFILE = {
    "name": {"full_name": "Kiwi Tēster"},
    "work": [
        {
            "employer": "Ministry for the Environment",
            "title": "Senior Policy Adviser",
            "start_timestamp": 1500000000,
        },
        {
            "employer": "Old Café",
            "title": "Barista",
            "start_timestamp": 1300000000,
            "end_timestamp": 1400000000,
        },
    ],
}


def facebook_old(root: Path) -> Path:
    _write(root / "posts" / "your_posts_1.json", meta_json(FB_POSTS))
    _write(root / "comments" / "comments.json", meta_json({"comments": FB_COMMENTS}))
    _write(
        root / "profile_information" / "profile_information.json",
        meta_json({"profile": FB_PROFILE}),
    )
    _write(
        root / "messages" / "inbox" / "bob_1" / "message_1.json",
        json.dumps({"messages": [{"content": DM_TEXT}]}),
    )
    return root


def facebook_new(root: Path, top: str = "your_activity_across_facebook") -> Path:
    act = root / top
    _write(act / "posts" / "your_posts__check_ins__photos_and_videos_1.json", meta_json(FB_POSTS))
    _write(
        act / "comments_and_reactions" / "comments.json", meta_json({"comments_v2": FB_COMMENTS})
    )
    _write(
        act / "groups" / "your_posts_in_groups.json",
        meta_json(
            {
                "group_posts_v2": [
                    {
                        "timestamp": 1700000200,
                        "data": [{"post": "Group post text"}],
                        "title": "Kiwi Tester posted in Public servants venting.",
                    }
                ]
            }
        ),
    )
    _write(
        act / "messages" / "inbox" / "bob_1" / "message_1.json",
        json.dumps({"messages": [{"content": DM_TEXT}]}),
    )
    _write(
        root / "personal_information" / "profile_information" / "profile_information.json",
        meta_json({"profile_v2": FB_PROFILE}),
    )
    return root


def instagram(root: Path) -> Path:
    act = root / "your_instagram_activity"
    _write(
        act / "content" / "posts_1.json",
        meta_json(
            [
                {
                    "media": [
                        {
                            "uri": "media/posts/1.jpg",
                            "creation_timestamp": 1691658000,
                            "title": "Sunset at Muriwai 🌅",
                        }
                    ]
                },
                {
                    "media": [
                        {"uri": "a.jpg", "creation_timestamp": 1691658100, "title": ""},
                        {"uri": "b.jpg", "creation_timestamp": 1691658100, "title": ""},
                    ],
                    "title": "Carousel caption: " + POLITICAL,
                    "creation_timestamp": 1691658100,
                },
            ]
        ),
    )
    _write(
        act / "comments" / "post_comments_1.json",
        meta_json(
            [
                {
                    "string_map_data": {
                        "Comment": {"value": "Tino pai! 👍"},
                        "Media Owner": {"value": "friend"},
                        "Time": {"timestamp": 1691659000},
                    }
                }
            ]
        ),
    )
    _write(
        act / "comments" / "reels_comments.json",
        meta_json(
            {
                "comments_reels_comments": [
                    {
                        "string_map_data": {
                            "Comment": {"value": "Reel comment"},
                            "Time": {"timestamp": 1691659100},
                        }
                    }
                ]
            }
        ),
    )
    _write(
        act / "threads" / "threads_and_replies.json",
        meta_json(
            {
                "text_post_app_text_posts": [
                    {
                        "media": [
                            {
                                "uri": "",
                                "creation_timestamp": 1700000000,
                                "title": "A Threads post about co-governance",
                            }
                        ]
                    }
                ]
            }
        ),
    )
    _write(
        act / "messages" / "inbox" / "bob" / "message_1.json",
        json.dumps({"messages": [{"content": DM_TEXT}]}),
    )
    _write(
        root / "personal_information" / "personal_information" / "personal_information.json",
        meta_json(
            {
                "profile_user": [
                    {
                        "string_map_data": {
                            "Username": {"value": "kiwi.tester"},
                            "Name": {"value": "Kiwi Tēster"},
                            "Bio": {"value": "Comms advisor at Te Whatu Ora 🌿"},
                        }
                    }
                ]
            }
        ),
    )
    return root


# -- LinkedIn ------------------------------------------------------------------------------
SHARES_HEADER = ["Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl", "Visibility"]
SHARES = [
    [
        "2023-08-10 09:00:00",
        "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A1",
        'Proud of our team\'s "Budget 2023" work.\nSecond line, with a comma.',
        "",
        "",
        "MEMBER_NETWORK",
    ],
    [
        "2023-09-01 10:00:00",
        "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A2",
        "",
        "https://example.org/article",
        "",
        "PUBLIC",
    ],
    [
        "2023-09-02 10:00:00",
        "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A3",
        POLITICAL,
        "",
        "",
        "PUBLIC",
    ],
]


def _csv(header: list[str], rows: list[list[str]], style: str) -> str:
    buf = io.StringIO()
    if style == "doubled":
        w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    else:
        w = csv.writer(
            buf, quoting=csv.QUOTE_MINIMAL, doublequote=False, escapechar="\\", lineterminator="\n"
        )
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def linkedin(root: Path, layout: str = "basic", style: str = "doubled") -> Path:
    base = root if layout == "basic" else root / "Complete_LinkedInDataExport_11-21-2026"
    bom = "\ufeff"
    _write(base / "Shares.csv", bom + _csv(SHARES_HEADER, SHARES, style))
    _write(
        base / "Comments.csv",
        bom
        + _csv(
            ["Date", "Link", "Message"],
            [
                [
                    "2023-10-01 08:00:00",
                    "https://www.linkedin.com/feed/update/urn:li:activity:9",
                    'Great "insight", thanks',
                ]
            ],
            style,
        ),
    )
    _write(
        base / "Reactions.csv",
        bom
        + _csv(
            ["Date", "Type", "Link"],
            [
                [
                    "2023-10-02 08:00:00",
                    "LIKE",
                    "https://www.linkedin.com/feed/update/urn:li:activity:8",
                ]
            ],
            style,
        ),
    )
    _write(
        base / "Profile.csv",
        bom
        + _csv(
            [
                "First Name",
                "Last Name",
                "Maiden Name",
                "Address",
                "Birth Date",
                "Headline",
                "Summary",
                "Industry",
                "Zip Code",
                "Geo Location",
                "Twitter Handles",
                "Websites",
                "Instant Messengers",
            ],
            [
                [
                    "Kiwi",
                    "Tester",
                    "",
                    "",
                    "",
                    "Principal Policy Advisor at MBIE | Labour Party member",
                    "I work on housing policy. Views my own.",
                    "Government",
                    "",
                    "Wellington",
                    "",
                    "",
                    "",
                ]
            ],
            style,
        ),
    )
    _write(
        base / "Positions.csv",
        bom
        + _csv(
            ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
            [
                [
                    "Ministry of Business, Innovation and Employment",
                    "Principal Policy Advisor",
                    "Housing policy",
                    "Wellington",
                    "Mar 2019",
                    "",
                ],
                ["Old Firm", "Analyst", "", "Auckland", "Jan 2015", "Feb 2019"],
            ],
            style,
        ),
    )
    _write(
        base / "messages.csv", bom + _csv(["FROM", "TO", "CONTENT"], [["a", "b", DM_TEXT]], style)
    )
    if layout == "complete":
        _write(
            base / "Articles" / "Articles" / "Why housing policy matters.html",
            "<html><head><title>Why housing policy matters</title></head><body>"
            '<h1>Why housing policy matters</h1><p class="created">Created on 2022-03-01 '
            '08:00</p><p class="published">Published on 2022-03-02 09:30</p>'
            "<div><p>Long form &amp; thoughtful.</p><p>Second paragraph.</p></div></body></html>",
        )
        _write(base / "Jobs" / "Job Applications.csv", "Application Date,Company Name\n")
    return root


# -- Mastodon ------------------------------------------------------------------------------
AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR = "https://mastodon.example/users/kiwi"


def _note(n: int, content: str, to: list[str], cc: list[str], **extra: Any) -> dict[str, Any]:
    obj = {
        "id": f"{ACTOR}/statuses/{n}",
        "type": "Note",
        "summary": None,
        "inReplyTo": None,
        "published": "2023-08-20T10:00:00Z",
        "url": f"https://mastodon.example/@kiwi/{n}",
        "to": to,
        "cc": cc,
        "content": content,
    }
    obj.update(extra)
    return {
        "id": f"{ACTOR}/statuses/{n}/activity",
        "type": "Create",
        "actor": ACTOR,
        "published": obj["published"],
        "to": to,
        "cc": cc,
        "object": obj,
    }


def mastodon(root: Path) -> Path:
    items = [
        _note(
            1,
            '<p>Hello &amp; welcome<br>second line <a href="https://example.org/long/path" '
            'rel="nofollow"><span class="invisible">https://</span><span class="ellipsis">'
            'example.org/lo</span><span class="invisible">ng/path</span></a></p><p>Para two '
            '<a href="https://mastodon.example/tags/nzpol" class="mention hashtag">#<span>'
            "nzpol</span></a></p>",
            [AS_PUBLIC],
            [f"{ACTOR}/followers"],
        ),
        _note(2, "<p>Unlisted toot</p>", [f"{ACTOR}/followers"], [AS_PUBLIC]),
        _note(3, "<p>Followers only toot</p>", [f"{ACTOR}/followers"], []),
        _note(4, f"<p>{DM_TEXT}</p>", ["https://other.example/users/bob"], []),
        _note(5, "<p>" + POLITICAL + "</p>", [AS_PUBLIC], [], summary="nzpol rant"),
        _note(6, "<p>a reply</p>", [AS_PUBLIC], [], inReplyTo="https://other.example/statuses/1"),
        {
            "id": f"{ACTOR}/statuses/7/activity",
            "type": "Announce",
            "actor": ACTOR,
            "published": "2023-08-21T10:00:00Z",
            "to": [AS_PUBLIC],
            "cc": [],
            "object": "https://other.example/users/bob/statuses/99",
        },
    ]
    outbox = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": items,
    }
    _write(root / "outbox.json", json.dumps(outbox, indent=1))
    actor = {
        "@context": ["https://www.w3.org/ns/activitystreams"],
        "id": ACTOR,
        "type": "Person",
        "preferredUsername": "kiwi",
        "name": "Kiwi Tester",
        "summary": "<p>Analyst. Opinions mine.</p>",
        "url": "https://mastodon.example/@kiwi",
        "attachment": [
            {"type": "PropertyValue", "name": "Work", "value": "Department of Conservation"},
            {"type": "PropertyValue", "name": "Pronouns", "value": "they/them"},
        ],
    }
    _write(root / "actor.json", json.dumps(actor))
    return root


# -- Bluesky -------------------------------------------------------------------------------
DID = "did:plc:testtesttesttesttest1234"


def _dag(value: Any) -> bytes:
    import cbor2

    return cbor2.dumps(value, canonical=True)


def _link(cid: bytes) -> Any:
    import cbor2

    return cbor2.CBORTag(42, b"\x00" + cid)


def _cid(data: bytes) -> bytes:
    return bytes([1, 0x71, 0x12, 0x20]) + hashlib.sha256(data).digest()


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def bluesky_records() -> list[tuple[str, dict[str, Any]]]:
    text = "Read this example.org/long… now"
    start = text.encode().index(b"example")
    end = start + len("example.org/long…".encode())
    return [
        (
            "app.bsky.actor.profile/self",
            {
                "$type": "app.bsky.actor.profile",
                "displayName": "Kiwi",
                "description": "Data scientist at Stats NZ. Green Party volunteer.",
            },
        ),
        (
            "app.bsky.feed.like/3kaaaaaaaaa2a",
            {
                "$type": "app.bsky.feed.like",
                "subject": {"uri": "at://x/app.bsky.feed.post/1", "cid": "x"},
                "createdAt": "2024-01-01T00:00:00Z",
            },
        ),
        (
            "app.bsky.feed.post/3kabcdefgh22a",
            {
                "$type": "app.bsky.feed.post",
                "text": "Kia ora Bluesky",
                "createdAt": "2024-02-01T00:00:00.000Z",
                "langs": ["en"],
            },
        ),
        (
            "app.bsky.feed.post/3kabcdefgh33b",
            {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": "2024-02-02T00:00:00.000Z",
                "facets": [
                    {
                        "index": {"byteStart": start, "byteEnd": end},
                        "features": [
                            {
                                "$type": "app.bsky.richtext.facet#link",
                                "uri": "https://example.org/long/article",
                            }
                        ],
                    }
                ],
            },
        ),
        (
            "app.bsky.feed.post/3kabcdefgh44c",
            {
                "$type": "app.bsky.feed.post",
                "text": POLITICAL,
                "createdAt": "2023-10-14T01:00:00.000Z",
                "reply": {
                    "root": {"uri": "at://x/app.bsky.feed.post/9", "cid": "y"},
                    "parent": {"uri": "at://x/app.bsky.feed.post/9", "cid": "y"},
                },
            },
        ),
        (
            "app.bsky.feed.repost/3kaaaaaaaaa5a",
            {
                "$type": "app.bsky.feed.repost",
                "subject": {"uri": "at://x/app.bsky.feed.post/2", "cid": "z"},
                "createdAt": "2024-01-01T00:00:00Z",
            },
        ),
    ]


def bluesky_car(path: Path, truncate: int = 0) -> Path:
    """A repository CAR: commit -> MST (root with a left subtree and a right subtree)."""
    blocks: list[tuple[bytes, bytes]] = []

    def put(value: Any) -> bytes:
        data = _dag(value)
        cid = _cid(data)
        blocks.append((cid, data))
        return cid

    recs = sorted(bluesky_records())
    rec_cids = [(k, put(v)) for k, v in recs]
    n_records = len(blocks)

    def node(
        entries: list[tuple[str, bytes]], left: bytes | None, subtrees: dict[int, bytes]
    ) -> bytes:
        es, prev = [], b""
        for i, (k, v) in enumerate(entries):
            kb = k.encode()
            p = 0
            while p < min(len(prev), len(kb)) and prev[p] == kb[p]:
                p += 1
            es.append(
                {
                    "p": p,
                    "k": kb[p:],
                    "v": _link(v),
                    "t": _link(subtrees[i]) if i in subtrees else None,
                }
            )
            prev = kb
        return put({"l": _link(left) if left else None, "e": es})

    left = node(rec_cids[:2], None, {})
    right = node(rec_cids[4:], None, {})
    root = node(rec_cids[2:4], left, {1: right})
    commit = put(
        {
            "did": DID,
            "version": 3,
            "data": _link(root),
            "rev": "3kabc",
            "prev": None,
            "sig": b"\x00" * 64,
        }
    )
    header = _dag({"roots": [_link(commit)], "version": 1})
    out = bytearray(_varint(len(header)) + header)
    # Commit first, then tree nodes, then records: truncation loses records, not the tree.
    order = [blocks[-1], *blocks[n_records:-1], *blocks[:n_records]]
    for cid, data in order:
        out += _varint(len(cid) + len(data)) + cid + data
    data = bytes(out[: len(out) - truncate] if truncate else out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- Export variants from issue 14 ---------------------------------------------------------
# Each builder writes one variant in the shape the platform documents or is known to ship;
# docs/data-sources.md ("Export shapes behind the reader fixtures") says where each shape is
# documented. All text is invented.
LONG_REPLY = (
    "Thanks for asking. The consultation closes on Friday and every submission is read by "
    "the team, including the late ones that arrive over the weekend. We publish a summary "
    "of what people told us about a month later, with the numbers for each question and a "
    "note on what changed because of it. The full report is at https://t.co/rep0rt01 and "
    "the ending of this reply only exists in the note."
)
LONG_QUOTE = (
    "Quoting this because the tide tables for the harbour changed last week and a lot of "
    "people missed it. If you go out on the water early in the morning, check the new "
    "times first, and remember the boat ramp is closed for repairs until the end of the "
    "month. The club has put a longer explanation on its website for anyone who wants the "
    "detail, and the ending of this post only exists in the note."
)


def x_long_posts(root: Path) -> Path:
    """Long posts as X stores them since 2023: cut short in tweets.js, whole in note-tweet.js
    (links as shortUrl/expandedUrl), plus a public post in community-tweet.js."""
    data = root / "data"
    reply_cut = "@harbour_club @tidewatch " + LONG_REPLY[:240] + "…"
    quote_cut = LONG_QUOTE[:250] + "… https://t.co/qu0te001"
    _write(
        data / "tweets.js",
        ytd(
            "tweets",
            0,
            [
                tweet("2001", reply_cut, "Tue Mar 05 21:10:00 +0000 2024", reply_to="1999"),
                tweet(
                    "2002",
                    quote_cut,
                    "Wed Mar 06 07:45:10 +0000 2024",
                    urls=[
                        {
                            "url": "https://t.co/qu0te001",
                            "expanded_url": "https://twitter.com/tidewatch/status/1888",
                            "display_url": "twitter.com/tidewatch/sta…",
                            "indices": ["252", "275"],
                        }
                    ],
                ),
            ],
        ),
    )

    def note(nid: str, created: str, text: str, urls: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "noteTweet": {
                "noteTweetId": nid,
                "updatedAt": created,
                "lifecycle": {
                    "value": "",
                    "name": "Unknown",
                    "originalName": "",
                    "annotations": {},
                },
                "createdAt": created,
                "core": {
                    "styletags": [],
                    "urls": urls,
                    "text": text,
                    "mentions": [],
                    "cashtags": [],
                    "hashtags": [],
                },
            }
        }

    _write(
        data / "note-tweet.js",
        ytd(
            "note_tweet",
            0,
            [
                note(
                    "9001",
                    "2024-03-05T21:10:01.000Z",
                    LONG_REPLY,
                    [
                        {
                            "shortUrl": "https://t.co/rep0rt01",
                            "expandedUrl": "https://example.org/consultation/summary",
                            "displayUrl": "example.org/consultation/su…",
                            "fromIndex": "345",
                            "toIndex": "368",
                        }
                    ],
                ),
                note("9002", "2024-03-06T07:45:10.000Z", LONG_QUOTE, []),
            ],
        ),
    )
    _write(
        data / "community-tweet.js",
        ytd(
            "community_tweet",
            0,
            [
                {
                    "tweet": {
                        **tweet("3001", "Community post about sourdough starters")["tweet"],
                        "community_id": "1500000000000000001",
                        "community_id_str": "1500000000000000001",
                    }
                }
            ],
        ),
    )
    _write(
        data / "account.js",
        ytd("account", 0, [{"account": {"username": "kiwi_tester", "accountId": "42"}}]),
    )
    return root


def linkedin_2018(root: Path) -> Path:
    """A 2018 LinkedIn export: Shares.csv in UTF-16LE with a BOM and tab-separated."""
    rows = [
        ["Date", "ShareLink", "ShareCommentary", "SharedUrl", "MediaUrl"],
        [
            "2018-04-03 09:12:44",
            "https://www.linkedin.com/feed/update/urn:li:activity:11",
            "Kia ora koutou, café morning at the office",
            "",
            "",
        ],
        [
            "2018-05-20 18:02:10",
            "https://www.linkedin.com/feed/update/urn:li:activity:12",
            'Tabs\tinside, "quoted", and commas',
            "",
            "",
        ],
    ]
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t", lineterminator="\r\n").writerows(rows)
    _write(root / "Shares.csv", b"\xff\xfe" + buf.getvalue().encode("utf-16-le"))
    return root


def linkedin_line_quoted(text: str) -> str:
    """A share's text as LinkedIn's 2025 export writes it before CSV quoting: each line in
    quotes of its own, so the parsed field reads `"` newline `"` at every line break."""
    return '"\n"'.join(text.split("\n"))


LI_MULTILINE = 'Three things from today\'s hui:\n\n1. "Listen first"\n2. Ask twice'


def linkedin_2025(root: Path) -> Path:
    """A 2025 complete export: per-line quoting in Shares.csv and a draft article."""
    base = root / "Complete_LinkedInDataExport_03-01-2025"
    rows = [
        [
            "2025-02-01 08:00:00",
            "https://www.linkedin.com/feed/update/urn:li:share:21",
            linkedin_line_quoted(LI_MULTILINE),
            "",
            "",
            "MEMBER_NETWORK",
        ],
        [
            "2025-02-02 08:00:00",
            "https://www.linkedin.com/feed/update/urn:li:share:22",
            'One line with "quotes" of my own',
            "",
            "",
            "PUBLIC",
        ],
    ]
    _write(base / "Shares.csv", "\ufeff" + _csv(SHARES_HEADER, rows, "doubled"))
    _write(
        base / "Articles" / "Articles" / "Published piece.html",
        '<html><body><h1>Published piece</h1><p class="created">Created on 2024-11-01 '
        '08:00</p><p class="published">Published on 2024-11-02 09:00</p>'
        "<div><p>Words people read.</p></div></body></html>",
    )
    _write(
        base / "Articles" / "Articles" / "Half-written draft.html",
        '<html><body><h1>Half-written draft</h1><p class="created">Created on 2025-01-10 '
        "10:00</p><div><p>Never published.</p></div></body></html>",
    )
    return root


FB_DA_POSTS = [
    {
        # A link passed on with neither words nor a title: a share, from its shape alone.
        "timestamp": 1714000000,
        "attachments": [
            {
                "data": [
                    {
                        "external_context": {
                            "url": "https://example.org/harbour-news",
                            "name": "Harbour news",
                        }
                    }
                ]
            }
        ],
        "data": [],
    },
    {
        "timestamp": 1714000100,
        "attachments": [{"data": [{"external_context": {"url": "https://example.org/recipes"}}]}],
        "data": [{"post": "Prøv denne opskrift"}, {"update_timestamp": 1714000100}],
        "title": "Kiwi Tester har delt et link.",
    },
]
FB_DA_COMMENTS = [
    {
        "timestamp": 1714000200,
        "data": [
            {"comment": {"timestamp": 1714000200, "comment": "Godt sagt", "author": "Kiwi Tester"}}
        ],
        "title": "Kiwi Tester har kommenteret Bobs opslag.",
    },
    {
        "timestamp": 1714000300,
        "data": [
            {"comment": {"timestamp": 1714000300, "comment": "Helt enig", "author": "Kiwi Tester"}}
        ],
        "title": "Kiwi Tester har svaret på Bobs kommentar.",
    },
]


def facebook_2024(root: Path) -> Path:
    """The 2024+ layout (`your_facebook_activity/`) of an account set to Danish."""
    act = root / "your_facebook_activity"
    _write(
        act / "posts" / "your_posts__check_ins__photos_and_videos_1.json", meta_json(FB_DA_POSTS)
    )
    _write(
        act / "comments_and_reactions" / "comments.json", meta_json({"comments_v2": FB_DA_COMMENTS})
    )
    _write(
        act / "groups" / "group_posts_and_comments.json",
        meta_json(
            {
                "group_posts_v2": [
                    {
                        "timestamp": 1714000400,
                        "data": [{"post": "Opslag i gruppen"}],
                        "title": "Kiwi Tester har skrevet i Havnens venner.",
                    }
                ]
            }
        ),
    )
    _write(
        root / "personal_information" / "profile_information" / "profile_information.json",
        meta_json({"profile_v2": FB_PROFILE}),
    )
    return root


def instagram_content(root: Path) -> Path:
    """The 2022-23 Instagram layout: `content/posts_1.json` at the top of the export."""
    _write(
        root / "content" / "posts_1.json",
        meta_json(
            [
                {
                    "media": [
                        {
                            "uri": "media/posts/202305/1.jpg",
                            "creation_timestamp": 1684000000,
                            "media_metadata": {"photo_metadata": {"exif_data": [{"iso": 100}]}},
                            "title": "Sunrise over the harbour 🌅",
                            "cross_post_source": {"source_app": "FB"},
                        }
                    ]
                }
            ]
        ),
    )
    return root


def bluesky_records_car(path: Path, records: list[tuple[str, dict[str, Any]]]) -> Path:
    """A repository CAR whose tree is one node holding `records` (sorted by key)."""
    blocks: list[tuple[bytes, bytes]] = []

    def put(value: Any) -> bytes:
        data = _dag(value)
        cid = _cid(data)
        blocks.append((cid, data))
        return cid

    entries, prev = [], b""
    for key, rec in sorted(records):
        kb = key.encode()
        p = 0
        while p < min(len(prev), len(kb)) and prev[p] == kb[p]:
            p += 1
        entries.append({"p": p, "k": kb[p:], "v": _link(put(rec)), "t": None})
        prev = kb
    root = put({"l": None, "e": entries})
    commit = put(
        {
            "did": DID,
            "version": 3,
            "data": _link(root),
            "rev": "3kxyz",
            "prev": None,
            "sig": b"\x00" * 64,
        }
    )
    header = _dag({"roots": [_link(commit)], "version": 1})
    out = bytearray(_varint(len(header)) + header)
    for cid, data in blocks:
        out += _varint(len(cid) + len(data)) + cid + data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))
    return path


def bluesky_follows_only(path: Path) -> Path:
    """An account that follows people and has never posted or set up a profile."""
    return bluesky_records_car(
        path,
        [
            (
                f"app.bsky.graph.follow/3kfollow{i}aa2",
                {
                    "$type": "app.bsky.graph.follow",
                    "subject": f"did:plc:someoneelse{i}",
                    "createdAt": "2024-06-01T00:00:00.000Z",
                },
            )
            for i in range(3)
        ],
    )


class _Unseekable(io.RawIOBase):
    """A write-only stream without seek: zipfile then writes data descriptors, as
    streaming zip writers (Java's ZipOutputStream, many export services) do."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)


def zip_streamed(folder: Path, dest: Path) -> Path:
    """`zip_dir`, written as a stream: sizes and checksums follow each entry's data."""
    sink = _Unseekable()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(folder).as_posix())
    dest.write_bytes(bytes(sink.data))
    return dest
