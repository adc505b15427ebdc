"""The measurement harness: metrics, the report, the CLI command and the labelled sets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from postcheck import evaluate as ev
from postcheck.cli.evaluate import register
from postcheck.training import data, pool

LABELLED = Path(__file__).parent / "data" / "labelled"


def test_stats_match_hand_counts() -> None:
    y = np.array([1, 1, 1, 0, 0, 0, 0, 0])
    p = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    s = ev.stats(y, p)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 3)
    assert s["f1"] == pytest.approx(2 / 3)
    # Negative class: P 4/5, R 4/5 -> F1 0.8; macro = (2/3 + 0.8) / 2.
    assert s["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert s["flag_rate"] == pytest.approx(3 / 8)
    none = ev.stats(np.zeros(3), np.zeros(3))
    assert none["f1"] == 0.0 and none["flag_rate"] == 0.0


def _result(kind: str, target: str, labels: list[int], fired: list[int]) -> ev.Result:
    task = ev.Task(
        "disrespect", "toy:val", [f"t{i}" for i in labels], np.array(labels), kind, target
    )
    f = np.array(fired, dtype=bool)
    return ev.Result(task, f.astype(float), f, ev.stats(task.labels, f))


def test_render_marks_targets_and_lists_worst_errors() -> None:
    good = _result("macro_f1", "macro-F1 >= 0.80", [1, 0, 1, 0], [1, 0, 1, 0])
    bad = _result("flag_rate", "flag rate <= 0.03", [0, 0, 0, 0], [1, 0, 0, 0])
    pii = {
        k: ev._prf(9, 1, 1) for k in ("phone", "all six (micro)", "all but street-address (micro)")
    }
    out = ev.render([good, bad], pii)
    assert "macro-F1 >= 0.80: MET" in out and "flag rate <= 0.03: not met" in out
    errors = ev.worst_errors([good, bad])
    assert "False positives (1" in errors and "`t0`" in errors
    data = ev.as_json([good, bad], pii)
    assert data["schema"] == "postcheck-evaluate/1" and data["rows"][1]["met"] is False


def test_cli_command_registers_with_help() -> None:
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def noop() -> None:  # a second command so Typer keeps sub-command names
        """Nothing."""

    res = CliRunner().invoke(app, ["evaluate", "--help"])
    assert res.exit_code == 0
    assert "--errors-out" in res.output and "--no-anchors" in res.output


def test_missing_datasets_give_one_line_error_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POSTCHECK_DATASETS", str(tmp_path / "nowhere"))
    monkeypatch.setattr("postcheck.training.data.REPO_ROOT", tmp_path)

    def missing() -> Path:
        raise data.DatasetMissing("shared datasets not found")

    monkeypatch.setattr(data, "datasets_dir", missing)
    assert ev.main(["--no-anchors"]) == 2
    assert "shared datasets not found" in capsys.readouterr().err


@pytest.mark.usefixtures("shared_datasets")
def test_privacy_span_scores_on_presidio() -> None:
    spans = ev.privacy_spans()
    for kind in ("email", "card-number", "iban", "ip-address", "phone"):
        assert spans[kind]["f1"] >= 0.9, (kind, spans[kind])


@pytest.mark.parametrize("name", ["political", "grievance", "confidential"])
def test_labelled_sets_are_well_formed(name: str) -> None:
    labels = {
        "political": {"opinion", "mention", "everyday"},
        "grievance": {"grievance", "work_positive", "neutral"},
        "confidential": {"confidential", "public", "neutral"},
    }[name]
    seen: dict[str, str] = {}
    for split in ("train", "train-gen", "val", "test"):
        rows = [
            json.loads(x) for x in (LABELLED / f"{name}.{split}.jsonl").read_text().splitlines()
        ]
        assert rows, split
        for r in rows:
            assert r["label"] in labels and r["text"].strip()
            key = r["text"].strip().lower()
            assert seen.get(key, split) == split, f"{r['text']!r} in {seen.get(key)} and {split}"
            seen[key] = split
            if split in ("val", "test"):
                assert r["note"] == "hand-written"
        if split == "val":
            counts = {lab: sum(r["label"] == lab for r in rows) for lab in labels}
            assert min(counts.values()) >= 10, counts


def test_privacy_errors_judge_addresses_per_postal_address_and_show_context() -> None:
    text = "Mail 12 Tui Street\nWellington\n6011 or ring 021 555 1234 now, ref 99"

    def at(piece: str) -> tuple[int, int]:
        i = text.index(piece)
        return i, i + len(piece)

    street, city, post = at("12 Tui Street"), at("Wellington"), at("6011")
    phone, ref = at("021 555 1234"), at("99")
    gold = (
        ("STREET_ADDRESS", *street),
        ("GPE", *city),
        ("STREET_ADDRESS", *post),
        ("PHONE_NUMBER", *phone),
    )
    record = ev.data.PiiRecord(text, gold)

    def find(t: str) -> list[tuple[str, int, int]]:
        # The whole postal address (one match), half the phone (a boundary miss), a stray
        # "phone" on the reference, and a kind the evaluation does not claim.
        return [
            ("street-address", street[0], post[1]),
            ("phone", phone[0], phone[0] + 3),
            ("phone", *ref),
            ("ird-number", *ref),
        ]

    errors = ev.privacy_errors([record], find)
    assert set(errors) == {"phone"}  # the bridged address matched; nothing else counted
    # A boundary miss counts twice, as the target counts it: the gold phone is missed and
    # the short prediction matches no gold. Nothing overlapping comes first.
    stray, missed, short = errors["phone"]
    assert not stray.missed and (stray.start, stray.end) == ref and stray.near is None
    assert missed.missed and (missed.start, missed.end) == phone
    assert missed.overlap == pytest.approx(3 / 12) and missed.near == (phone[0], phone[0] + 3)
    assert not short.missed and short.near == phone and stray.overlap == 0.0
    report = ev.worst_errors([], privacy=errors)
    assert "## privacy (phone)" in report and "False negatives (1" in report
    assert "ring [[021 555 1234]] now" in report and "(predicted: `021`)" in report
    assert "ref [[99]]" in report
    # Judged like the target: without the place line between them the fragments are two
    # addresses, and the one prediction matches neither.
    apart = ev.data.PiiRecord(text, (("STREET_ADDRESS", *street), ("STREET_ADDRESS", *post)))
    kinds = ev.privacy_errors([apart], find)
    assert sum(x.missed for x in kinds["street-address"]) == 2


def test_match_spans_counts_what_pair_spans_pairs() -> None:
    gold = [("email", 0, 10), ("email", 20, 30), ("phone", 40, 50)]
    pred = [("email", 1, 10), ("phone", 20, 30), ("phone", 60, 70)]
    assert ev.pair_spans(gold, pred) == ([1, 2], [1, 2])
    assert ev.match_spans(gold, pred) == {"email": [1, 0, 1], "phone": [0, 2, 1]}


def _row(source: str, labels: set[str]) -> pool.PoolRow:
    return pool.PoolRow(source, "x", frozenset(labels), None, "high", 1, "test")


def test_codebook_reading_weights_each_class_to_the_reported_split(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Source labels: train 0-3 offensive, 4-5 not; val 0 not. The pool read all seven.
    gold = {"train": [1, 1, 1, 1, 0, 0], "val": [0]}
    monkeypatch.setattr(
        data, "tweeteval", lambda task, split: [data.Example("x", y, split) for y in gold[split]]
    )
    rows = [
        _row("tweeteval/offensive:train:0", {"disrespect"}),
        _row("tweeteval/offensive:train:1", {"profanity"}),
        _row("tweeteval/offensive:train:2", {"hate"}),
        _row("tweeteval/offensive:train:3", set()),  # the codebook misses one in four
        _row("tweeteval/offensive:train:4", {"political_opinion"}),
        _row("tweeteval/offensive:train:5", set()),
        _row("tweeteval/offensive:val:0", {"profanity"}),  # and flags one in three negatives
    ]
    monkeypatch.setattr(pool, "rows", lambda split=None: rows)
    # A reported split of 4 positives and 6 negatives: tp 3, fn 1, fp 2, tn 4.
    y = np.array([1] * 4 + [0] * 6)
    s = ev.codebook_reading("offensive", ev.ANY_ABUSE, y)
    assert s is not None and s["pool_rows"] == 7
    assert s["precision"] == pytest.approx(3 / 5) and s["recall"] == pytest.approx(3 / 4)
    assert s["macro_f1"] == pytest.approx((2 * 3 / (6 + 1 + 2) + 2 * 4 / (8 + 1 + 2)) / 2)
    # Positives only: recall is all that can be said, and the cell says so.
    monkeypatch.setattr(pool, "rows", lambda split=None: rows[:4])
    only = ev.codebook_reading("offensive", "disrespect", y)
    assert only is not None and only["recall"] == pytest.approx(1 / 4)
    assert ev._cell(only, "macro_f1") == "R 0.250 (its positives only)"
    monkeypatch.setattr(pool, "rows", lambda split=None: [])
    assert ev.codebook_reading("offensive", "disrespect", y) is None
