"""Damaged and hostile archives (issue 14, items 7, 8 and 10): read what comes before the
damage, skip what cannot be read with a one-line reason, and say the read is incomplete."""

from __future__ import annotations

import io
import json
import tarfile
import time
import zipfile
from pathlib import Path

import archives
import pytest

from postcheck.report.scan_json import source_json
from postcheck.sources import SourceError, open_archive, open_source
from postcheck.sources.archive import ZipArchive
from postcheck.sources.base import MAX_DEPTH, DepthGuard


def read_all(path: Path, fmt: str | None = None):
    with open_source(path, fmt) as r:
        return r, list(r.posts())


def _cut_inside(z: Path, entry: str, fraction: float = 0.6) -> None:
    """Truncate a zip part-way through one entry's compressed data."""
    with zipfile.ZipFile(z) as zf:
        info = zf.getinfo(entry)
    data = z.read_bytes()
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    z.write_bytes(data[: start + int(info.compress_size * fraction)])


# -- 7: damaged zips -------------------------------------------------------------------------
@pytest.mark.parametrize("writer", ["seekable", "streamed"])
def test_zip_cut_short_keeps_entries_before_the_damage(tmp_path: Path, writer: str) -> None:
    root = archives.x_archive(tmp_path / "x")
    js = root / "data" / "tweets.js"
    # enough tweets that the surviving part of the cut entry still inflates to records
    items = [
        archives.tweet(str(5000 + i), f"Tweet number {i} about the weather") for i in range(200)
    ]
    js.write_text(archives.ytd("tweets", 0, items))
    build = archives.zip_dir if writer == "seekable" else archives.zip_streamed
    z = build(root, tmp_path / "x.zip")
    _cut_inside(z, "data/tweets.js")
    r, posts = read_all(z)
    ids = {p.id for p in posts}
    assert "1006" in ids and "like:5005" in ids  # entries before the damage
    tweets = sorted(int(i) for i in ids if i and i.isdigit() and int(i) >= 5000)
    assert tweets and tweets == list(range(5000, 5000 + len(tweets)))  # records before the cut
    assert not r.stats.complete
    assert any("cut short" in why and "data/tweets.js" in why for why in r.stats.lost)
    assert r.profile() is not None


def test_zip_without_central_directory(tmp_path: Path) -> None:
    z = archives.zip_dir(archives.mastodon(tmp_path / "m"), tmp_path / "m.zip")
    data = z.read_bytes()
    z.write_bytes(data[: data.rfind(b"PK\x01\x02") - 0])  # every entry whole, no directory
    z.write_bytes(z.read_bytes()[: data.find(b"PK\x01\x02")])
    r, posts = read_all(z)
    assert len(posts) == 5
    assert r.stats.lost == [
        "m.zip: zip archive damaged or cut short (no central directory); "
        "2 entries recovered from their local headers"
    ]


def test_garbage_after_zip_magic_is_still_an_error(tmp_path: Path) -> None:
    p = tmp_path / "a.zip"
    p.write_bytes(b"PK\x03\x04" + b"\xff" * 40)
    with pytest.raises(SourceError, match="not a readable zip archive"):
        open_source(p)


def test_corrupted_entry_is_named_as_such_and_makes_the_read_incomplete(tmp_path: Path) -> None:
    root = archives.x_archive(tmp_path / "x")
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(root).as_posix())
    data = bytearray(z.read_bytes())
    at = data.index(b'"RT @someone')
    data[at] = ord("X")  # one flipped byte: bad JSON first, then a bad checksum
    z.write_bytes(bytes(data))
    r, posts = read_all(z)
    assert "1001" in {p.id for p in posts} and "1006" in {p.id for p in posts}
    lost = [why for why in r.stats.lost if why.startswith("data/tweets.js")]
    assert lost and "damaged zip entry" in lost[0] and "CRC" in lost[0]
    assert not r.stats.complete
    assert r.stats.to_dict()["complete"] is False
    assert r.stats.to_dict()["incomplete"] == r.stats.lost


def test_sound_archive_is_complete(tmp_path: Path) -> None:
    r, posts = read_all(archives.zip_dir(archives.x_archive(tmp_path / "x"), tmp_path / "x.zip"))
    assert posts and r.stats.complete and r.stats.to_dict()["incomplete"] == []


def test_scan_source_json_says_incomplete(tmp_path: Path) -> None:
    from postcheck.scan import scan

    z = archives.zip_dir(archives.mastodon(tmp_path / "m"), tmp_path / "m.zip")
    data = z.read_bytes()
    z.write_bytes(data[: data.find(b"PK\x01\x02")])
    result = scan([z], processes=1)
    try:
        stats = source_json(result.sources[0])["stats"]
        assert stats["complete"] is False and "no central directory" in stats["incomplete"][0]
    finally:
        result.close()


# -- 8: deep nesting -----------------------------------------------------------------------
DEEP = "[" * 200_000 + "]" * 200_000


def test_deep_jsonl_line_is_skipped_alone(tmp_path: Path) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_text('{"text": "before"}\n' + DEEP + '\n{"text": "after"}\n')
    r, posts = read_all(p, "plain")
    assert [x.text for x in posts] == ["before", "after"]
    assert r.stats.skipped == {
        f"posts.jsonl: line 2 skipped, JSON nested deeper than {MAX_DEPTH} levels": 1
    }


def test_deep_first_line_does_not_break_detection(tmp_path: Path) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_text(DEEP[:3000] + "\n" + '{"text": "after"}\n')
    with open_archive(p) as a:
        from postcheck.sources.sniff import sniff_file

        assert sniff_file(a, "posts.jsonl") == "json"


@pytest.mark.parametrize("where", ["inside a record", "whole file"])
def test_deep_json_entry_is_skipped_and_the_rest_read(tmp_path: Path, where: str) -> None:
    root = archives.x_archive(tmp_path / "x")
    deep = "[" * 500_000 + "]" * 500_000
    if where == "inside a record":
        body = '[{"tweet": {"id_str": "7001", "full_text": "fine"}}, ' + deep + "]"
    else:
        body = deep
    (root / "data" / "tweets-part1.js").write_text("window.YTD.tweets.part1 = " + body)
    z = archives.zip_dir(root, tmp_path / "x.zip")
    t = time.perf_counter()
    r, posts = read_all(z)
    assert time.perf_counter() - t < 10  # no quadratic blow-up in the parser
    ids = {p.id for p in posts}
    assert {"1001", "1002", "like:5005"} <= ids
    assert ("7001" in ids) is (where == "inside a record")  # records before it are kept
    assert any(
        why.startswith("data/tweets-part1.js") and f"nested deeper than {MAX_DEPTH}" in why
        for why in r.stats.lost
    )


def test_deep_facebook_profile_and_mastodon_actor(tmp_path: Path) -> None:
    fb = archives.facebook_old(tmp_path / "fb")
    prof = fb / "profile_information" / "profile_information.json"
    prof.write_text('{"profile": ' + "[" * 100_000 + "]" * 100_000 + "}")
    r, posts = read_all(fb)
    assert posts and r.profile() is None
    assert any("profile" in why and "nested deeper" in why for why in r.stats.lost)
    m = archives.mastodon(tmp_path / "m")
    (m / "actor.json").write_text('{"summary": ' + "[" * 100_000 + "]" * 100_000 + "}")
    r, posts = read_all(m)
    assert len(posts) == 5 and r.profile() is None
    assert any("actor.json" in why and "nested deeper" in why for why in r.stats.lost)


def test_deep_cbor_block_is_skipped(tmp_path: Path) -> None:
    recs = archives.bluesky_records()
    deep: object = "bottom"
    for _ in range(5000):
        deep = [deep]
    recs.append(
        (
            "app.bsky.feed.post/3kzzzzzzzzz9z",
            {"$type": "app.bsky.feed.post", "text": "x", "d": deep},
        )
    )
    r, posts = read_all(archives.bluesky_records_car(tmp_path / "repo.car", recs))
    assert len(posts) == 3  # the three sound posts
    assert any("could not be decoded" in why for why in r.stats.lost)


def test_depth_guard_cuts_where_nesting_passes_the_limit() -> None:
    data = ('[{"a": "[[[[ \\" ]]]]"}, ' + "[" * 100 + "]" * 100 + "]").encode()
    guard = DepthGuard(io.BytesIO(data), limit=10)
    out = b"".join(iter(lambda: guard.read(7), b""))
    assert guard.too_deep and out == data[: data.index(b"[" * 10) + 9]
    sound = json.dumps([{"k": ["[", "{", "\\", '"']}] * 50).encode()
    guard = DepthGuard(io.BytesIO(sound), limit=4)
    assert b"".join(iter(lambda: guard.read(5), b"")) == sound and not guard.too_deep


# -- 10: refused entries -------------------------------------------------------------------
def test_bomb_named_tweets_js_is_reported_as_refused(tmp_path: Path) -> None:
    z = tmp_path / "x.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/account.js", archives.ytd("account", 0, [{"account": {"username": "k"}}]))
        zf.writestr("data/tweets.js", b"window.YTD.tweets.part0 = [" + b" " * (50 << 20) + b"]")
    with pytest.raises(SourceError) as exc:
        read_all(z)
    message = str(exc.value)
    assert "X archive without tweets.js" in message
    assert "refused: data/tweets.js: compression ratio" in message and "zip bomb" in message


def test_links_devices_and_oversized_entries_are_counted(tmp_path: Path, monkeypatch) -> None:
    from postcheck.sources import archive

    root = archives.mastodon(tmp_path / "m")
    z = archives.zip_dir(root, tmp_path / "m.zip")
    with zipfile.ZipFile(z, "a") as zf:
        link = zipfile.ZipInfo("outbox-link.json")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
        zf.writestr("media/big.mp4", b"\x00" * 5000)
        zf.writestr("notes.json", b"{}" + b" " * 5000)
    monkeypatch.setattr(archive, "MAX_ENTRY_BYTES", 4900)
    r, posts = read_all(z)
    assert len(posts) == 5
    assert r.stats.skipped["links and special files in the archive not followed"] == 1
    assert r.stats.ignored["media files over the size limits (never opened)"] == 1
    assert any(
        why.startswith("notes.json: refused, 0.0 MiB uncompressed, over the 0.0 MiB limit")
        for why in r.stats.lost
    )
    with open_archive(z) as a:
        assert isinstance(a, ZipArchive)
        assert set(a.refused) == {"outbox-link.json", "media/big.mp4", "notes.json"}
        assert "outbox-link.json" not in a.names()


def test_tar_links_and_devices_are_counted(tmp_path: Path) -> None:
    root = archives.mastodon(tmp_path / "m")
    dest = tmp_path / "a.tar"
    with tarfile.open(dest, "w") as t:
        for p in sorted(root.rglob("*")):
            t.add(p, p.relative_to(root).as_posix())
        for name, kind in (("link.json", tarfile.SYMTYPE), ("dev", tarfile.CHRTYPE)):
            info = tarfile.TarInfo(name)
            info.type = kind
            info.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            t.addfile(info)
    r, posts = read_all(dest)
    assert len(posts) == 5
    assert r.stats.skipped["links and special files in the archive not followed"] == 2
    assert r.stats.complete


def test_missing_outbox_names_the_refused_link(tmp_path: Path) -> None:
    dest = tmp_path / "a.tar"
    with tarfile.open(dest, "w") as t:
        data = json.dumps({"type": "Person", "preferredUsername": "k"}).encode()
        info = tarfile.TarInfo("actor.json")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("outbox.json")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        t.addfile(link)
    with open_source(dest, "mastodon") as r, pytest.raises(SourceError) as exc:
        list(r.posts())
    assert "outbox.json: a link or device file, not followed" in str(exc.value)
