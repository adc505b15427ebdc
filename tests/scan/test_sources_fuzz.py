"""Fuzzing: mutated exports through format sniffing and every reader.

`postcheck scan` turns a `SourceError` into a one-line message and carries on; anything else
escaping a reader is a bug that would lose the rest of a scan. Mutations hit both the
container (zip, tar.gz, CAR bytes) and the files inside it (so the JSON/CSV parsers see
damage, not just the zip checksum). Bounded to a few seconds so it runs in CI every time.
"""

from __future__ import annotations

import functools
import io
import json
import os
import tarfile
import tempfile
import zipfile
from pathlib import Path

import archives
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postcheck.sources import READERS, SourceError, open_archive, open_source
from postcheck.sources.base import DepthGuard
from postcheck.sources.sniff import sniff_format

# A longer campaign: POSTCHECK_FUZZ_EXAMPLES=5000 pytest tests/scan/test_sources_fuzz.py
FUZZ = settings(
    max_examples=int(os.environ.get("POSTCHECK_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _files(build) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as d:
        root = build(Path(d) / "export")
        if root.is_file():
            return {root.name: root.read_bytes()}
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }


@functools.cache
def corpus() -> dict[str, dict[str, bytes]]:
    """The fixture exports as {export: {file name: bytes}}, built once."""
    return {
        "x": _files(archives.x_archive),
        "x-long": _files(archives.x_long_posts),
        "facebook": _files(archives.facebook_new),
        "facebook-2024": _files(archives.facebook_2024),
        "instagram": _files(archives.instagram),
        "linkedin": _files(lambda p: archives.linkedin(p, "complete")),
        "linkedin-2018": _files(archives.linkedin_2018),
        "linkedin-2025": _files(archives.linkedin_2025),
        "mastodon": _files(archives.mastodon),
        "bluesky": _files(lambda p: archives.bluesky_car(p / "repo.car").parent),
        "plain": {
            "posts.jsonl": b'{"text": "one"}\n{"text": "two", "date": "2024-01-01"}\n',
            "posts.csv": "text\tdate\nthree\t2024-01-02\n".encode("utf-16"),
        },
    }


def _pack(files: dict[str, bytes], container: str) -> bytes:
    buf = io.BytesIO()
    if container == "tar.gz":
        with tarfile.open(fileobj=buf, mode="w:gz") as t:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
    else:
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in files.items():
                z.writestr(name, data)
    return buf.getvalue()


INSERTS = st.sampled_from(
    [b"\x00", b'"', b"\\", b"[" * 5000, b"{" * 70, b"\xff\xfe", b"PK\x03\x04", b"\n", b",", b"}"]
)


@st.composite
def mutate(draw: st.DrawFn, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        if not out:
            break
        at = draw(st.integers(0, len(out) - 1))
        op = draw(st.sampled_from(["flip", "cut", "insert", "delete", "repeat"]))
        if op == "flip":
            out[at] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del out[at:]
        elif op == "insert":
            out[at:at] = draw(st.one_of(INSERTS, st.binary(min_size=1, max_size=16)))
        elif op == "delete":
            del out[at : at + draw(st.integers(1, 64))]
        else:
            out[at:at] = out[at : at + draw(st.integers(1, 256))]
    return bytes(out)


@st.composite
def damaged_exports(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file name, bytes): an export with a mutated file inside, or a mutated container."""
    export = draw(st.sampled_from(sorted(corpus())))
    files = dict(corpus()[export])
    container = draw(st.sampled_from(["zip", "tar.gz", "single file"]))
    if container == "single file" or len(files) == 1:
        name = draw(st.sampled_from(sorted(files)))
        return name.rsplit("/", 1)[-1], draw(mutate(files[name]))
    if draw(st.booleans()):
        name = draw(st.sampled_from(sorted(files)))
        files[name] = draw(mutate(files[name]))
        return f"export.{container}", _pack(files, container)
    return f"export.{container}", draw(mutate(_pack(files, container)))


def _read_everything(path: Path) -> None:
    """Sniff the format, then read with every reader: only SourceError may come out."""
    try:
        with open_archive(path) as a:
            sniff_format(a)
    except SourceError:
        pass
    for fmt in (None, *READERS):
        try:
            with open_source(path, fmt) as reader:
                reader.declare({"employer": "Department of Conservation"})
                reader.profile()
                for post in reader.posts():
                    assert post.text.strip()
                reader.stats.to_dict()
        except SourceError as exc:
            assert str(exc) and "\n" not in str(exc).strip()


@FUZZ
@given(damaged_exports())
def test_damaged_exports_fail_cleanly(sample: tuple[str, bytes]) -> None:
    name, data = sample
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(data)
        _read_everything(path)


@FUZZ
@given(st.binary(max_size=2048), st.sampled_from(["x.zip", "a.json", "a.csv", "a.car", "a"]))
def test_random_bytes_fail_cleanly(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_bytes(data)
        _read_everything(path)


# Nesting-limit soundness: however the bytes are chunked, the guard passes every document
# within the limit untouched and cuts every deeper one before it passes the limit.
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(alphabet='[]{}"\\ab,:\n', max_size=8)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=40,
)


@settings(max_examples=150, deadline=None)
@given(JSON_VALUES, st.integers(1, 6), st.lists(st.integers(1, 9), min_size=1, max_size=40))
def test_depth_guard_is_sound(value: object, limit: int, sizes: list[int]) -> None:
    from postcheck.safejson import depth

    data = json.dumps(value).encode()
    guard = DepthGuard(io.BytesIO(data), limit=limit)
    out = b""
    for i in range(len(data) + 1):
        chunk = guard.read(sizes[i % len(sizes)])
        if not chunk:
            break
        out += chunk
    if depth(data) > limit:
        assert guard.too_deep and depth(out) <= limit
    else:
        assert not guard.too_deep and out == data
