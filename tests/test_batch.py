"""Batch checking: input order, ids, bad lines reported and skipped, pool == serial."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from postcheck.batch import check_outcomes, check_stream
from postcheck.inputs import read_jsonl
from postcheck.shapes import Post

ROOT = Path(__file__).resolve().parent.parent

TEXTS = [
    "Kia ora koutou, lovely day for it",
    "Can't believe this government is gutting the public service again #nzpol",
    "My manager is useless and this restructure is a joke.",
    "You're a pathetic idiot, shut up.",
    "Her number is 021 555 0199, call her",
]


def test_jsonl_bad_lines_reported_with_line_numbers(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": TEXTS[0]}).encode(),
        b"{not json",
        json.dumps({"id": "b", "text": TEXTS[1], "platform": "linkedin"}).encode(),
        b'{"id": "c", "text": "bad \xff utf8"}',
        json.dumps({"id": "d", "text": ""}).encode(),
        json.dumps({"id": "e", "text": "x", "platform": "myspace"}).encode(),
        json.dumps({"id": "f", "text": "x", "colour": "red"}).encode(),
        json.dumps(["not", "an", "object"]).encode(),
        b"",
        json.dumps({"text": TEXTS[2]}).encode(),
    ]
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    p = subprocess.run(
        [sys.executable, "-m", "postcheck", "check", "--input", str(src), "--format", "jsonl"],
        capture_output=True,
        timeout=120,
    )
    assert p.returncode == 2  # some lines were bad
    out = [json.loads(x) for x in p.stdout.decode().splitlines()]
    assert [r["id"] for r in out] == ["a", "b", "10"]
    assert out[1]["risk"] == "high"
    err = p.stderr.decode()
    assert "Traceback" not in err
    for n, needle in (
        (2, "invalid JSON"),
        (4, "UTF-8"),
        (5, "empty"),
        (6, "platform"),
        (7, "unknown field"),
        (8, "JSON object"),
    ):
        assert f"in.jsonl:{n}:" in err and needle in err, (n, err)


def test_exit_codes_for_batch(tmp_path: Path) -> None:
    src = tmp_path / "ok.jsonl"
    src.write_text(json.dumps({"text": TEXTS[0]}) + "\n", "utf-8")
    cmd = [sys.executable, "-m", "postcheck", "check", "--input", str(src)]
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    src.write_text(json.dumps({"text": TEXTS[1], "platform": "linkedin"}) + "\n", "utf-8")
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 1


def test_stdin_batch() -> None:
    data = "\n".join(json.dumps({"id": str(i), "text": t}) for i, t in enumerate(TEXTS))
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "postcheck",
            "check",
            "--input",
            "-",
            "-f",
            "jsonl",
            "--fail-on",
            "never",
        ],
        input=data.encode(),
        capture_output=True,
        timeout=120,
    )
    assert p.returncode == 0
    assert [json.loads(x)["id"] for x in p.stdout.decode().splitlines()] == [
        "0",
        "1",
        "2",
        "3",
        "4",
    ]


def test_pool_matches_serial_and_keeps_order() -> None:
    posts = [Post(text=f"{TEXTS[i % len(TEXTS)]} #{i}", id=str(i)) for i in range(1000)]
    serial = [r.model_dump() for r in check_stream(posts, processes=1)]
    pooled = [r.model_dump() for r in check_stream(posts, processes=2, chunksize=50)]
    assert [r["id"] for r in pooled] == [str(i) for i in range(1000)]
    assert serial == pooled


def test_errors_in_stream_do_not_stop_it() -> None:
    posts = [Post(text="fine post", id="1"), Post(text="   ", id="2"), Post(text="ok", id="3")]
    outcomes = list(check_outcomes(posts, processes=1))
    assert [o.post_id for o in outcomes] == ["1", "2", "3"]
    assert outcomes[1].report is None and "empty" in (outcomes[1].error or "")
    seen: list[str | None] = []
    reports = list(check_stream(posts, processes=1, on_error=lambda i, why: seen.append(i)))
    assert [r.id for r in reports] == ["1", "3"] and seen == ["2"]


def test_overlong_line_skipped_without_reading_it_whole() -> None:
    from postcheck import inputs

    big = b'{"text": "' + b"a" * (inputs.MAX_LINE_BYTES + 10) + b'"}\n'
    ok = json.dumps({"id": "z", "text": "hello"}).encode() + b"\n"
    errors: list[tuple[int, str]] = []
    posts = list(read_jsonl(io.BytesIO(big + ok), lambda n, why: errors.append((n, why))))
    assert [p.id for p in posts] == ["z"]
    assert errors and errors[0][0] == 1 and "longer than" in errors[0][1]
