"""Fuzzing `postcheck check --input`: hostile JSON lines never end in a traceback.

Each example is a batch file of lines drawn from valid posts, damaged posts (cut, nested
deep, wrong types, binary, UTF-16), and random bytes. Whatever the mix, the command ends with
a linter's exit code (0, 1 or 2), no traceback, and a report for every good line. Bounded so
it runs in CI every time; POSTCHECK_FUZZ_EXAMPLES=2000 runs a longer campaign.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postcheck.cli import main

FUZZ = settings(
    max_examples=int(os.environ.get("POSTCHECK_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

GOOD = [
    {"id": "g1", "text": "Lovely morning for a walk along the waterfront."},
    {"id": "g2", "text": "Vote them out, the Nats are a joke", "context": {"platform": "x"}},
    {"id": "g3", "text": "Kia ora koutou", "author": {"employer": "MBIE"}},
]

damaged = st.one_of(
    st.just(b'{"id": "d1", "text": "cut off'),
    st.integers(min_value=65, max_value=5000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=65, max_value=5000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.just(b'{"id": 5, "text": ["not", "a", "string"]}'),
    st.just(b'{"text": ""}'),
    st.just(b'{"text": "x", "context": {"platform": "myspace", "date": "yesterday"}}'),
    st.just(b'{"text": "x", "author": "not an object"}'),
    st.just(b"null"),
    st.just(b'"just a string"'),
    st.just('{"text": "UTF-16 line"}'.encode("utf-16")),
    st.binary(min_size=1, max_size=200),
    st.text(max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
)
good = st.sampled_from(GOOD).map(lambda d: json.dumps(d).encode("utf-8"))


def run_main(*args: str) -> tuple[int, str, str]:
    """`postcheck ARGS` through the console entry point, in this process (a subprocess a
    example would make the campaign too slow for CI)."""
    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    with (
        mock.patch.object(sys, "argv", ["postcheck", *args]),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            main()
        except SystemExit as exc:
            code = exc.code
    return (code if isinstance(code, int) else 0), out.getvalue(), err.getvalue()


GOOD_LINES = {json.dumps(d).encode("utf-8"): d["id"] for d in GOOD}


@FUZZ
@given(lines=st.lists(st.one_of(good, damaged), min_size=1, max_size=8))
def test_check_input_never_tracebacks(lines: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "batch.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        code, out, err = run_main("check", "--input", str(path), "--fail-on", "never")
    assert code in (0, 2), err
    assert "Traceback" not in out + err
    assert "internal error" not in err
    for line in err.splitlines():
        assert line.startswith("postcheck"), line  # every message is one prefixed line
    if code == 0:
        # Every good line is reported, whatever surrounds it.
        shown = {row.split("\t", 1)[0] for row in out.splitlines()}
        assert {GOOD_LINES[x] for x in lines if x in GOOD_LINES} <= shown
