"""Export variants real archives showed (issue 14, items 1-6), on fixtures in the shapes the
platforms document (see docs/data-sources.md for where each shape comes from)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import archives
import pytest

from postcheck.shapes import Kind, Platform, Visibility
from postcheck.sources import open_archive, open_source
from postcheck.sources.linkedin import pick_dialect, unquote_lines
from postcheck.sources.sniff import sniff_format


def read_csv_text(text: str) -> list[list[str]]:
    """CSV text parsed with the dialect pick_dialect chooses."""
    return list(csv.reader(io.StringIO(text, newline=""), pick_dialect(text)))


def read(path: Path, fmt: str | None = None):
    with open_source(path, fmt) as r:
        return r, list(r.posts())


# -- 1, 2: X long posts and Communities ------------------------------------------------------
def test_x_long_reply_takes_its_note_with_mentions_links_and_kind(tmp_path: Path) -> None:
    r, posts = read(archives.x_long_posts(tmp_path / "x"))
    by_id = {p.id: p for p in posts}
    reply = by_id["2001"]
    assert reply.context.kind is Kind.reply
    assert reply.url == "https://x.com/kiwi_tester/status/2001"
    assert reply.text.startswith("@harbour_club @tidewatch Thanks for asking.")
    assert reply.text.endswith("the ending of this reply only exists in the note.")
    # note-tweet.js names its links shortUrl/expandedUrl: expanded all the same
    assert "https://example.org/consultation/summary" in reply.text
    assert "t.co/" not in reply.text and "…" not in reply.text
    # the note was used for the reply, not reported again as a post of its own
    assert not any(p.id and p.id.startswith("note:") for p in posts)
    assert r.stats.complete and not r.stats.skipped


def test_x_note_replacing_a_quote_tweet_keeps_the_quoted_link(tmp_path: Path) -> None:
    _, posts = read(archives.x_long_posts(tmp_path / "x"))
    quote = next(p for p in posts if p.id == "2002")
    assert quote.text.startswith("Quoting this because the tide tables")
    assert quote.text.endswith("only exists in the note. https://twitter.com/tidewatch/status/1888")
    assert "t.co/" not in quote.text


def test_x_community_tweets_are_read(tmp_path: Path) -> None:
    r, posts = read(archives.x_long_posts(tmp_path / "x"))
    community = next(p for p in posts if p.id == "3001")
    assert community.text == "Community post about sourdough starters"
    assert community.context.platform is Platform.x
    assert community.context.visibility is Visibility.public
    assert "data/community-tweet.js" in r.stats.files


def test_x_archive_with_only_community_tweets(tmp_path: Path) -> None:
    root = archives.x_long_posts(tmp_path / "x")
    (root / "data" / "tweets.js").unlink()
    (root / "data" / "note-tweet.js").unlink()
    r, posts = read(root)
    assert r.format == "x" and [p.id for p in posts] == ["3001"]


# -- 3, 4: LinkedIn encodings, delimiters, line quoting, drafts --------------------------------
def test_linkedin_2018_utf16_tab_shares(tmp_path: Path) -> None:
    root = archives.linkedin_2018(tmp_path / "li")
    with open_archive(root) as a:
        assert sniff_format(a).format == "linkedin"
    r, posts = read(root)
    assert [p.text for p in posts] == [
        "Kia ora koutou, café morning at the office",
        'Tabs\tinside, "quoted", and commas',
    ]
    assert posts[0].context.date == dt.datetime(2018, 4, 3, 9, 12, 44, tzinfo=dt.UTC)
    assert not r.stats.skipped and r.stats.complete


@pytest.mark.parametrize(
    ("codec", "bom"),
    [("utf-16-le", b""), ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf")],
)
@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_plain_csv_any_encoding_and_delimiter(
    tmp_path: Path, codec: str, bom: bytes, delimiter: str
) -> None:
    text = delimiter.join(["text", "date"]) + "\n"
    text += delimiter.join(['"Kia ora, whānau; a|b"', "2024-01-02"]) + "\n"
    p = tmp_path / "posts.csv"
    p.write_bytes(bom + text.encode(codec))
    r, posts = read(p)
    assert r.format == "plain"
    assert [x.text for x in posts] == ["Kia ora, whānau; a|b"]


def test_pick_dialect_prefers_header_delimiter() -> None:
    sample = "Date\tText\n2024-01-01\tcommas, commas, commas\n2024-01-02\tmore, more\n"
    assert pick_dialect(sample).delimiter == "\t"
    assert read_csv_text("a;b\n1;2\n") == [["a", "b"], ["1", "2"]]


def test_linkedin_line_quoting_removed_and_drafts_not_posts(tmp_path: Path) -> None:
    r, posts = read(archives.linkedin_2025(tmp_path / "li"))
    assert [p.text for p in posts] == [
        archives.LI_MULTILINE,
        'One line with "quotes" of my own',
        "Published piece\n\nWords people read.",
    ]
    assert r.stats.repaired["shares: LinkedIn's quotes around each line removed"] == 1
    assert r.stats.ignored["draft articles (never published)"] == 1
    assert not any("Never published" in p.text for p in posts)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('A"\n""\n"B', "A\n\nB"),
        ('He said "hi"."\n"Next', 'He said "hi".\nNext'),
        ("no line breaks", None),
        ('typed "quote"\nplain next line', None),  # a break without the shape: left alone
        ('A"\r\n"B', "A\nB"),
    ],
)
def test_unquote_lines(raw: str, expected: str | None) -> None:
    assert unquote_lines(raw) == expected


# -- 5: Facebook 2024 layout, shares from shape, replies in other languages, Instagram ---------
def test_facebook_2024_danish_export(tmp_path: Path) -> None:
    r, posts = read(archives.facebook_2024(tmp_path / "fb"))
    assert r.format == "facebook"
    share = posts[0]
    assert share.context.kind is Kind.share  # no text, no title: a share from its shape
    assert share.text == "Harbour news https://example.org/harbour-news"
    assert share.url == "https://example.org/harbour-news"
    assert posts[1].context.kind is Kind.post and posts[1].text == "Prøv denne opskrift"
    group = next(p for p in posts if p.text == "Opslag i gruppen")
    assert group.context.visibility is Visibility.group
    kinds = {p.text: p.context.kind for p in posts}
    assert kinds["Godt sagt"] is Kind.comment  # "har kommenteret Bobs opslag"
    assert kinds["Helt enig"] is Kind.reply  # "har svaret på Bobs kommentar"
    assert r.stats.complete and not r.stats.skipped
    prof = r.profile()
    assert prof and prof.author.employer == "Ministry for the Environment"


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Kiwi replied to Bob's comment.", Kind.reply),
        ("Kiwi commented on Bob's post.", Kind.comment),
        ("Kiwi a répondu au commentaire de Bob.", Kind.reply),
        ("Kiwi hat Bobs Beitrag kommentiert.", Kind.comment),
        ("Kiwi heeft gereageerd op de reactie van Bob.", Kind.reply),
        ("", Kind.comment),
    ],
)
def test_facebook_reply_titles_in_other_languages(tmp_path: Path, title: str, kind: Kind) -> None:
    root = tmp_path / "fb"
    item = {"timestamp": 1, "data": [{"comment": {"comment": "Ka pai", "timestamp": 1}}]}
    if title:
        item["title"] = title
    archives._write(
        root / "comments" / "comments.json", archives.meta_json({"comments_v2": [item]})
    )
    _, posts = read(root)
    assert [p.context.kind for p in posts] == [kind]


def test_instagram_content_posts_at_top_level(tmp_path: Path) -> None:
    root = archives.instagram_content(tmp_path / "ig")
    r, posts = read(root)
    assert r.format == "instagram"
    assert [p.text for p in posts] == ["Sunrise over the harbour 🌅"]
    assert posts[0].context.date == dt.datetime(2023, 5, 13, 17, 46, 40, tzinfo=dt.UTC)


# -- 6: an empty Bluesky account -----------------------------------------------------------
def test_bluesky_follows_only_is_zero_posts_not_an_error(tmp_path: Path) -> None:
    r, posts = read(archives.bluesky_follows_only(tmp_path / "repo.car"))
    assert r.format == "bluesky" and posts == []
    assert r.stats.ignored["follows (no text)"] == 3
    assert r.stats.complete and not r.stats.skipped
    prof = r.profile()
    assert prof is not None and prof.handle == archives.DID and prof.texts == ()


def test_bluesky_follows_only_scan_is_clean(tmp_path: Path) -> None:
    from postcheck.scan import scan

    result = scan([archives.bluesky_follows_only(tmp_path / "repo.car")], processes=1)
    try:
        src = result.sources[0]
        assert src.error is None and src.stats.read == 0
        assert result.summary.complete and result.summary.posts == 0
    finally:
        result.close()
