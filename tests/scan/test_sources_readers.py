"""Every reader on a synthetic export with the platform's quirks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import archives
import pytest

from postcheck.shapes import Kind, Platform, Visibility
from postcheck.sources import open_archive, open_source, sniff_format
from postcheck.sources.html import html_to_text
from postcheck.sources.mojibake import repair


def read(path: Path, fmt: str | None = None):
    with open_source(path, fmt) as r:
        posts = list(r.posts())
        return r, posts


def texts(posts) -> list[str]:
    return [p.text for p in posts]


# -- X ------------------------------------------------------------------------------------
@pytest.fixture(params=["folder", "zip"])
def x_path(request, tmp_path: Path) -> Path:
    root = archives.x_archive(tmp_path / "twitter-2024")
    if request.param == "zip":
        return archives.zip_dir(root, tmp_path / "download.dat")  # name says nothing
    return root


def test_x_reads_tweets_parts_notes_likes(x_path: Path) -> None:
    r, posts = read(x_path)
    assert r.format == "x"
    by_id = {p.id: p for p in posts}
    # ids stay strings, part files follow the main file
    assert [p.id for p in posts][:5] == ["1001", "1002", "1003", "1004", "1006"]
    # HTML entities decoded, t.co link expanded from entities
    assert by_id["1001"].text == "Fish & chips <3 at the beach https://example.org/beach-report"
    assert by_id["1001"].url == "https://x.com/kiwi_tester/status/1001"
    assert by_id["1001"].context.date == dt.datetime(2018, 10, 10, 20, 19, 24, tzinfo=dt.UTC)
    # retweets are shares; replies are replies
    assert by_id["1002"].context.kind is Kind.share
    assert by_id["1003"].context.kind is Kind.reply
    # the note tweet replaces the cut-short text
    assert by_id["1004"].text.endswith("The ending is only in the note.")
    assert "t.co/self1" not in by_id["1004"].text
    # likes: someone else's words, endorsed
    like = by_id["like:5005"]
    assert like.context.kind is Kind.like
    assert like.text == "Liked text about Three Waters & co-governance"
    assert like.context.platform is Platform.x
    # a tweet without text is skipped and counted, a like without text ignored
    assert r.stats.skipped["tweets.js: tweet without text"] == 1
    assert r.stats.ignored["like without text"] == 1


def test_x_profile_fills_author(x_path: Path) -> None:
    r, posts = read(x_path)
    prof = r.profile()
    assert prof is not None and prof.handle == "kiwi_tester"
    assert prof.author.bio == "Policy adviser @ MBIE & proud Green voter. Views my own."
    # the bio names an agency: the employer is visible on every post from the account
    assert prof.author.employer and "Business, Innovation" in prof.author.employer
    assert all(p.context.author.shows_employer for p in posts)


def test_x_never_reads_direct_messages(x_path: Path) -> None:
    r, posts = read(x_path)
    assert not any(archives.DM_TEXT in p.text for p in posts)
    assert r.stats.ignored["direct message files (never read)"] == 1


def test_x_single_tweets_js_file(tmp_path: Path) -> None:
    root = archives.x_archive(tmp_path / "x")
    single = tmp_path / "my-tweets.txt"
    single.write_bytes((root / "data" / "tweets.js").read_bytes())
    r, posts = read(single)
    assert r.format == "x" and len(posts) == 4


# -- Facebook -----------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["old", "new", "2024"])
def test_facebook_layouts_and_mojibake(layout: str, tmp_path: Path) -> None:
    if layout == "old":
        root = archives.facebook_old(tmp_path / "facebook-kiwi")
    elif layout == "new":
        root = archives.facebook_new(tmp_path / "facebook-kiwi")
    else:
        root = archives.facebook_new(tmp_path / "facebook-kiwi", "your_facebook_activity")
    r, posts = read(archives.zip_dir(root, tmp_path / "fb.zip", prefix="facebook-kiwi/"))
    assert r.format == "facebook"
    first = posts[0]
    assert first.text.startswith("Kia ora whānau, café day ☕ — ")  # mojibake repaired
    assert first.context.visibility is Visibility.friends
    assert first.context.date == dt.datetime(2023, 8, 10, 9, 0, tzinfo=dt.UTC)
    share = next(p for p in posts if p.context.kind is Kind.share)
    assert share.url == "https://example.org/story"
    comments = [p for p in posts if p.context.kind in (Kind.comment, Kind.reply)]
    assert [c.text for c in comments] == ["Ngā mihi, great mahi", "Our CE is useless"]
    assert comments[1].context.kind is Kind.reply
    assert comments[1].context.visibility is Visibility.group
    assert r.stats.ignored["post without text"] == 1
    assert not any(archives.DM_TEXT in p.text for p in posts)
    prof = r.profile()
    assert prof and prof.name == "Kiwi Tēster"
    assert prof.author.employer == "Ministry for the Environment"  # current position only
    assert prof.author.role == "Senior Policy Adviser" and prof.author.advises_ministers
    if layout == "new":
        assert any(
            p.text == "Group post text" and p.context.visibility is Visibility.group for p in posts
        )


def test_mojibake_repair_keeps_good_text() -> None:
    broken = "caf\u00c3\u00a9 \u00e2\u0098\u0095 and \u00f0\u009f\u0098\u0080"
    assert repair(broken) == "café ☕ and 😀"
    assert repair("already café ☕") == "already café ☕"
    assert repair("Mixed: café and caf\u00c3\u00a9") == "Mixed: café and café"
    assert repair("plain ascii") == "plain ascii"


# -- LinkedIn -----------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["basic", "complete"])
@pytest.mark.parametrize("style", ["doubled", "backslash"])
def test_linkedin_layouts_and_quoting(layout: str, style: str, tmp_path: Path) -> None:
    root = archives.linkedin(tmp_path / "li", layout, style)
    r, posts = read(archives.zip_dir(root, tmp_path / f"{layout}.zip"))
    assert r.format == "linkedin"
    if layout == "complete":
        article = posts.pop()
        assert article.text == (
            "Why housing policy matters\n\nLong form & thoughtful.\n\nSecond paragraph."
        )
        assert article.context.date == dt.datetime(2022, 3, 2, 9, 30, tzinfo=dt.UTC)
    assert texts(posts) == [
        'Proud of our team\'s "Budget 2023" work.\nSecond line, with a comma.',
        "https://example.org/article",
        archives.POLITICAL,
        'Great "insight", thanks',
    ]
    assert not r.stats.skipped
    share, reshare, _, comment = posts
    assert share.context.visibility is Visibility.followers  # MEMBER_NETWORK
    assert reshare.context.kind is Kind.share
    assert comment.context.kind is Kind.comment
    assert share.url == "https://www.linkedin.com/feed/update/urn%3Ali%3Aactivity%3A1"
    assert share.context.date == dt.datetime(2023, 8, 10, 9, 0, tzinfo=dt.UTC)
    assert r.stats.ignored["reactions (the export has only a link, not the post's text)"] == 1
    prof = r.profile()
    assert prof is not None
    a = prof.author
    assert a.employer == "Ministry of Business, Innovation and Employment"
    assert a.role == "Principal Policy Advisor" and a.shows_employer and a.advises_ministers
    assert ("headline", "Principal Policy Advisor at MBIE | Labour Party member") in prof.texts
    assert all(p.context.author == a for p in posts)
    assert not any(archives.DM_TEXT in p.text for p in posts)


# -- Instagram / Threads ------------------------------------------------------------------
def test_instagram_and_threads(tmp_path: Path) -> None:
    root = archives.instagram(tmp_path / "instagram-kiwi")
    r, posts = read(root)
    assert r.format == "instagram"
    assert texts(posts) == [
        "Sunset at Muriwai 🌅",
        "Carousel caption: " + archives.POLITICAL,
        "Tino pai! 👍",
        "Reel comment",
        "A Threads post about co-governance",
    ]
    assert posts[2].context.kind is Kind.comment
    assert posts[4].context.platform is Platform.threads
    assert posts[0].context.date == dt.datetime(2023, 8, 10, 9, 0, tzinfo=dt.UTC)
    prof = r.profile()
    assert prof and prof.author.bio == "Comms advisor at Te Whatu Ora 🌿"
    assert prof.author.shows_employer and prof.author.employer
    assert not any(archives.DM_TEXT in p.text for p in posts)


# -- Mastodon -----------------------------------------------------------------------------
def test_mastodon_outbox(tmp_path: Path) -> None:
    r, posts = read(archives.mastodon(tmp_path / "archive-2024"))
    assert r.format == "mastodon"
    by_url = {p.url.rsplit("/", 1)[-1]: p for p in posts if p.url}
    assert by_url["1"].text == (
        "Hello & welcome\nsecond line https://example.org/long/path\n\nPara two #nzpol"
    )
    assert by_url["1"].context.visibility is Visibility.public
    assert by_url["2"].context.visibility is Visibility.public  # unlisted
    assert by_url["3"].context.visibility is Visibility.followers
    assert "4" not in by_url  # direct message: never read
    assert by_url["5"].text.startswith("CW: nzpol rant\n\n")
    assert by_url["6"].context.kind is Kind.reply
    assert r.stats.ignored["direct messages (never read)"] == 1
    assert r.stats.ignored["boosts (the archive has only the boosted post's address)"] == 1
    prof = r.profile()
    assert prof and prof.author.employer == "Department of Conservation"
    assert prof.author.shows_employer
    assert not any(archives.DM_TEXT in p.text for p in posts)


def test_html_to_text() -> None:
    assert html_to_text("<p>a&amp;b</p><p>c<br/>d</p>") == "a&b\n\nc\nd"
    assert html_to_text("<script>x()</script>ok") == "ok"
    assert html_to_text(None) == ""


# -- Bluesky ------------------------------------------------------------------------------
def test_bluesky_car(tmp_path: Path) -> None:
    r, posts = read(archives.bluesky_car(tmp_path / "repo.car"))
    assert r.format == "bluesky"
    did = archives.DID
    assert [p.url for p in posts] == [
        f"https://bsky.app/profile/{did}/post/3kabcdefgh22a",
        f"https://bsky.app/profile/{did}/post/3kabcdefgh33b",
        f"https://bsky.app/profile/{did}/post/3kabcdefgh44c",
    ]
    assert posts[0].id == f"at://{did}/app.bsky.feed.post/3kabcdefgh22a"
    assert posts[1].text == "Read this https://example.org/long/article now"  # facet link
    assert posts[2].context.kind is Kind.reply
    assert r.stats.ignored["likes (the repository has only the liked post's address)"] == 1
    prof = r.profile()
    assert prof and prof.author.bio and "Stats NZ" in prof.author.bio
    assert prof.author.shows_employer


def test_bluesky_truncated_car_keeps_what_it_can(tmp_path: Path) -> None:
    r, posts = read(archives.bluesky_car(tmp_path / "repo.bin", truncate=30))
    assert r.format == "bluesky"  # detected from the CAR header, not the name
    assert len(posts) == 3
    assert any("cut short" in reason for reason in r.stats.skipped)


# -- Plain CSV / JSONL --------------------------------------------------------------------
def test_plain_jsonl_and_csv(tmp_path: Path) -> None:
    jl = tmp_path / "posts.jsonl"
    jl.write_text(
        '{"text": "first", "platform": "twitter", "date": "2023-10-14T09:00:00+13:00"}\n'
        '{"content": "second", "kind": "comment", "visibility": "friends"}\n'
        "not json\n"
        '{"text": "third", "platform": "myspace"}\n',
        encoding="utf-8",
    )
    r, posts = read(jl)
    assert r.format == "plain"
    assert texts(posts) == ["first", "second", "third"]
    assert posts[0].context.platform is Platform.x
    assert posts[1].context.kind is Kind.comment
    assert posts[1].context.visibility is Visibility.friends
    assert r.stats.skipped["posts.jsonl: line 3 is not valid JSON"] == 1
    assert r.stats.repaired["unknown platform values, default used"] == 1
    cs = tmp_path / "export.csv"
    cs.write_text('\ufeffid,Text,Created_At,URL\n1,"hello, world",2023-01-01,https://e.x/1\n')
    r, posts = read(cs)
    assert r.format == "plain" and posts[0].text == "hello, world" and posts[0].id == "1"
    assert posts[0].url == "https://e.x/1"


def test_sniff_format_reports_evidence(tmp_path: Path) -> None:
    root = archives.mastodon(tmp_path / "m")
    with open_archive(root) as a:
        d = sniff_format(a)
    assert d.format == "mastodon" and d.evidence


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wed Oct 10 20:19:24 +0000 2018", dt.datetime(2018, 10, 10, 20, 19, 24, tzinfo=dt.UTC)),
        (
            "Sat Oct 14 07:00:00 +1300 2023",
            dt.datetime(2023, 10, 14, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=13))),
        ),
        ("2023-08-10 09:00:00", dt.datetime(2023, 8, 10, 9, 0, tzinfo=dt.UTC)),
        ("2024-01-15T08:30:01.000Z", dt.datetime(2024, 1, 15, 8, 30, 1, tzinfo=dt.UTC)),
        (1691658000, dt.datetime(2023, 8, 10, 9, 0, tzinfo=dt.UTC)),
        ("1691658000000", dt.datetime(2023, 8, 10, 9, 0, tzinfo=dt.UTC)),
        ("Mon Feb 30 00:00:00 +0000 2020", None),
        ("not a date", None),
        ("", None),
    ],
)
def test_parse_date(raw, expected) -> None:
    from postcheck.sources.base import parse_date

    assert parse_date(raw) == expected
