"""Hostile and damaged input: a clear one-line error, or every readable post plus reasons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import archives
import pytest

from postcheck.sources import SourceError, open_archive, open_source
from postcheck.sources.archive import ArchiveLimit


def read_all(path: Path):
    with open_source(path) as r:
        return r, list(r.posts())


def test_corrupt_zip(tmp_path: Path) -> None:
    p = tmp_path / "archive.zip"
    p.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    with pytest.raises(SourceError, match="not a readable zip archive"):
        open_source(p)


def test_truncated_zip(tmp_path: Path) -> None:
    # The central directory is at the end: the entries before the cut are found from their
    # local headers and read; the read is marked incomplete (test_sources_damage.py).
    root = archives.x_archive(tmp_path / "x")
    z = archives.zip_dir(root, tmp_path / "x.zip")
    data = z.read_bytes()
    z.write_bytes(data[: len(data) // 2])
    r, posts = read_all(z)
    assert r.format == "x" and posts
    assert not r.stats.complete and "cut short" in r.stats.lost[0]
    z.write_bytes(data[:20])  # not even one local header survives
    with pytest.raises(SourceError, match="corrupt or truncated"):
        open_source(z)


def test_not_a_zip_named_zip(tmp_path: Path) -> None:
    p = tmp_path / "archive.zip"
    p.write_text("hello")
    with pytest.raises(SourceError, match="not a zip archive"):
        open_source(p)


def test_zip_bomb_entry_refused(tmp_path: Path) -> None:
    root = archives.x_archive(tmp_path / "x")
    z = archives.zip_dir(root, tmp_path / "bomb.zip")
    with zipfile.ZipFile(z, "a", zipfile.ZIP_DEFLATED) as zf:
        # 50 MiB of one byte compresses ~1000:1: a bomb by ratio.
        zf.writestr("data/tweets-part2.js", b"window.YTD.tweets.part2 = [" + b" " * (50 << 20))
    r, posts = read_all(z)
    assert len(posts) == 6  # everything else still read
    assert any("compression ratio" in reason for reason in r.stats.skipped)


def test_zip_total_budget(tmp_path: Path) -> None:
    root = archives.x_archive(tmp_path / "x")
    z = archives.zip_dir(root, tmp_path / "x.zip")
    with open_archive(z) as a:
        a.max_total = 1000
        with pytest.raises(ArchiveLimit, match="zip bomb"), a.open("data/tweets.js") as fh:
            fh.read()


def test_lying_sizes_are_caught(tmp_path: Path) -> None:
    # An entry whose header claims a small size but inflates to more: CRC/size check fails.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("posts.jsonl", b'{"text": "a"}\n' * 1000)
    data = bytearray(buf.getvalue())
    # patch the central directory's uncompressed size for the entry down to 10 bytes
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24 : cd + 28] = (10).to_bytes(4, "little")
    p = tmp_path / "liar.zip"
    p.write_bytes(bytes(data))
    with pytest.raises(SourceError):
        read_all(p)
    with (
        open_archive(p) as a,
        pytest.raises(SourceError, match="inflates beyond its declared size"),
        a.open("posts.jsonl") as fh,
    ):
        fh.read()


@pytest.mark.parametrize("evil", ["../../etc/passwd.js", "/abs/tweets.js", "C:/x/tweets.js"])
def test_path_traversal_entries_refused(tmp_path: Path, evil: str) -> None:
    root = archives.x_archive(tmp_path / "x")
    z = archives.zip_dir(root, tmp_path / "x.zip")
    with zipfile.ZipFile(z, "a") as zf:
        zf.writestr(
            zipfile.ZipInfo(evil),
            b"window.YTD.tweets.part9 = ["
            + json.dumps(archives.tweet("666", "evil")).encode()
            + b"]",
        )
    r, posts = read_all(z)
    assert "666" not in {p.id for p in posts}
    assert len(posts) == 6
    assert sum(n for k, n in r.stats.skipped.items() if "unsafe entry name" in k) == 1


def test_only_unsafe_entries_is_an_error(tmp_path: Path) -> None:
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(zipfile.ZipInfo("../outside.jsonl"), b'{"text": "x"}\n')
    with pytest.raises(SourceError, match="empty archive"):
        open_source(z)


def test_truncated_json_keeps_earlier_records(tmp_path: Path) -> None:
    root = archives.x_archive(tmp_path / "x")
    js = root / "data" / "tweets.js"
    data = js.read_text()
    cut = data.index('"1003"')
    js.write_text(data[:cut])
    r, posts = read_all(root)
    ids = [p.id for p in posts]
    assert ids[:2] == ["1001", "1002"] and "1006" in ids  # later part file still read
    assert any("malformed or truncated JSON" in k for k in r.stats.skipped)


def test_wrong_csv_columns(tmp_path: Path) -> None:
    root = archives.linkedin(tmp_path / "li")
    (root / "Shares.csv").write_text("Date,Link,Something\n2023-01-01,x,y\n")
    r, posts = read_all(root)
    assert [p.text for p in posts] == ['Great "insight", thanks']  # Comments.csv still read
    assert any("wrong columns, missing ShareCommentary" in k for k in r.stats.skipped)


def test_plain_csv_without_text_column(tmp_path: Path) -> None:
    p = tmp_path / "posts.csv"
    p.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(SourceError, match="unknown format"):
        read_all(p)
    with open_source(p, "plain") as r:
        assert list(r.posts()) == []
        assert any("no text column" in k for k in r.stats.skipped)


def test_unknown_format(tmp_path: Path) -> None:
    p = tmp_path / "photo.jpg"
    p.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)
    with pytest.raises(SourceError, match="unknown format"):
        open_source(p)
    d = tmp_path / "notes"
    d.mkdir()
    (d / "readme.txt").write_text("just some notes")
    with pytest.raises(SourceError, match="unknown format"):
        open_source(d)


def test_empty_inputs(tmp_path: Path) -> None:
    z = tmp_path / "empty.zip"
    zipfile.ZipFile(z, "w").close()
    with pytest.raises(SourceError, match="empty archive"):
        open_source(z)
    d = tmp_path / "emptydir"
    d.mkdir()
    with pytest.raises(SourceError, match="empty archive"):
        open_source(d)
    f = tmp_path / "empty.json"
    f.write_bytes(b"")
    with pytest.raises(SourceError, match="empty file"):
        open_source(f)
    with pytest.raises(SourceError, match="no such file"):
        open_source(tmp_path / "missing.zip")


def test_mixed_encodings(tmp_path: Path) -> None:
    p = tmp_path / "posts.csv"
    p.write_bytes(
        b"text,date\n"
        + "Kia ora whānau,2023-01-01\n".encode()
        + "Café in cp1252 – dash,2023-01-02\n".encode("cp1252")
    )
    r, posts = read_all(p)
    assert [x.text for x in posts] == ["Kia ora whānau", "Café in cp1252 – dash"]
    assert any("Windows-1252" in k for k in r.stats.repaired)


def test_binary_jsonl_line_is_skipped(tmp_path: Path) -> None:
    p = tmp_path / "posts.jsonl"
    p.write_bytes(b'{"text": "ok"}\n{"text": "\xff\xfe broken"\n{"text": "also ok"}\n')
    r, posts = read_all(p)
    assert [x.text for x in posts] == ["ok", "also ok"]
    assert r.stats.total_skipped == 1


def _tar(folder: Path, dest: Path, mode: str = "w:gz", extra: dict[str, bytes] | None = None):
    import tarfile

    with tarfile.open(dest, mode) as t:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                t.add(p, p.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return dest


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz", "w"])
def test_mastodon_tar_archives(tmp_path: Path, mode: str) -> None:
    root = archives.mastodon(tmp_path / "m")
    tar = _tar(root, tmp_path / "archive-20241121.bin", mode)  # name says nothing
    r, posts = read_all(tar)
    assert r.format == "mastodon" and len(posts) == 5
    assert r.profile() is not None


def test_tar_unsafe_names_and_links(tmp_path: Path) -> None:
    import tarfile

    root = archives.mastodon(tmp_path / "m")
    dest = _tar(root, tmp_path / "a.tar.gz", extra={"../../evil.json": b"{}", "/abs.json": b"{}"})
    with tarfile.open(tmp_path / "b.tar", "w") as t:
        link = tarfile.TarInfo("outbox-link.json")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        t.addfile(link)
    r, posts = read_all(dest)
    assert len(posts) == 5
    assert r.stats.skipped["unsafe entry name refused ('..' in path)"] == 1
    assert r.stats.skipped["unsafe entry name refused (absolute path)"] == 1
    with open_archive(tmp_path / "b.tar") as a:
        assert a.names() == []  # a symlink is never followed


def test_truncated_tar_gz(tmp_path: Path) -> None:
    root = archives.mastodon(tmp_path / "m")
    (root / "zz-media.bin").write_bytes(bytes(range(256)) * 4000)
    dest = _tar(root, tmp_path / "a.tar.gz")
    data = dest.read_bytes()
    dest.write_bytes(data[: int(len(data) * 0.8)])
    r, posts = read_all(dest)
    assert len(posts) == 5  # actor.json and outbox.json come before the damage
    assert any("cut short" in k for k in r.stats.skipped)
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(SourceError, match="not a readable tar archive"):
        open_source(bad)


def test_tar_bomb_refused(tmp_path: Path, monkeypatch) -> None:
    from postcheck.sources import archive

    monkeypatch.setattr(archive, "RATIO_MIN_BYTES", 1000)  # bomb threshold 100 kB, not 100 MB
    root = archives.mastodon(tmp_path / "m")
    dest = _tar(root, tmp_path / "a.tar.gz", extra={"zeros.bin": b"\x00" * (4 << 20)})
    with pytest.raises(ArchiveLimit, match="tar bomb"):
        open_source(dest)


def test_jsonl_whose_first_post_outruns_the_sniffed_bytes(tmp_path: Path) -> None:
    # Format sniffing reads the first 4 KiB; a first post longer than that used to make the
    # file "no posts found". The .jsonl name says what it is.
    path = tmp_path / "long.jsonl"
    lines = [{"id": "1", "text": "word " * 4000}, {"id": "2", "text": "hello there"}]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    with open_source(path) as reader:
        posts = list(reader)
    assert [p.id for p in posts] == ["1", "2"]
    assert len(posts[0].text) > 4096
