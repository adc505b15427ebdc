"""Moderation's judgement is data with examples, enforced like the rules' (test_rule_examples).

Every entry in postcheck/guidance/moderation/*.yaml that judges comments carries example
comments it must hold (or reject) and comments it must let through, under the default policy
with the real engine. An entry without both kinds fails the suite; a bad file fails at load
with its name and the key.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from postcheck.moderation.judgement import (
    FILES,
    JUDGEMENT,
    JUDGEMENT_DIR,
    JudgementError,
    load,
)
from postcheck.moderation.policy import CATEGORY_LABELS, Policy
from postcheck.moderation.screening import CommentInput, default_screener

ENTRIES = JUDGEMENT.entries()


def _cases(kind: str) -> list[tuple[str, str, str]]:
    out = []
    for entry in ENTRIES:
        examples = entry.examples.hold if kind == "hold" else entry.examples.publish
        for i, text in enumerate(examples):
            out.append((f"{entry.category}-{kind}-{i}", entry.category, text))
    return out


def _acting(category: str, text: str) -> list[str]:
    result = default_screener().screen(CommentInput(text=text), Policy())
    return [r.action for r in result.reasons if r.category == category and r.action != "publish"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.category for e in ENTRIES])
def test_every_entry_has_examples(entry) -> None:  # type: ignore[no-untyped-def]
    assert entry.examples.hold, f"{entry.category} has no hold: examples"
    assert entry.examples.publish, f"{entry.category} has no publish: examples"


@pytest.mark.parametrize(("case", "category", "text"), _cases("hold"), ids=lambda v: v)
def test_hold_examples_are_held(case: str, category: str, text: str) -> None:
    assert _acting(category, text), f"{case}: {category} let {text!r} through"


@pytest.mark.parametrize(("case", "category", "text"), _cases("publish"), ids=lambda v: v)
def test_publish_examples_go_through(case: str, category: str, text: str) -> None:
    assert not _acting(category, text), f"{case}: {category} held {text!r}"


@pytest.mark.parametrize("text", JUDGEMENT.bait.examples.hold)
def test_bait_examples_get_the_advice(text: str) -> None:
    result = default_screener().screen(CommentInput(text=text), Policy())
    advice = JUDGEMENT.bait.advice
    assert [a.kind for a in result.advice] == [advice.kind]
    assert [c["id"] for c in result.advice[0].clauses] == list(advice.clauses)


def test_own_categories_have_labels() -> None:
    for entry in (JUDGEMENT.spam, JUDGEMENT.allegation, JUDGEMENT.bait):
        assert CATEGORY_LABELS[entry.category] == entry.label


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "moderation"
    shutil.copytree(JUDGEMENT_DIR, target)
    return target


def test_every_file_loads_and_nothing_else_is_there() -> None:
    assert sorted(p.name for p in JUDGEMENT_DIR.glob("*.yaml")) == sorted(FILES.values())
    assert load() == JUDGEMENT


@pytest.mark.parametrize(
    ("filename", "old", "new", "expected"),
    [
        ("spam.yaml", "  link: 0.2 ", "  link: 2.5 ", "spam.yaml: weights.link:"),
        ("bait.yaml", "  strong: 0.85", "  strong: high", "bait.yaml: weights.strong:"),
        ("allegation.yaml", "  - stole\n", "  - 'stole('\n", "allegation.yaml: accusations:"),
        ("spam.yaml", "{links} link(s)", "{count} link(s)", "spam.yaml: evidence.links:"),
        ("bait.yaml", "report_at: 0.5", "report_at: 0.5\nreport_when: never", "report_when"),
        ("validation.yaml", "  hold:\n", "  hold: []\n  unused:\n", "validation.yaml: examples"),
        (
            "levels.yaml",
            "hate: {hold_at: 0.3, reject_at: 0.6}",
            "hate: {hold_at: 0.7, reject_at: 0.6}",
            "levels.yaml: strict.hate.reject_at: reject_at must not be below hold_at",
        ),
    ],
)
def test_bad_data_names_the_file_and_key(
    tmp_path: Path, filename: str, old: str, new: str, expected: str
) -> None:
    folder = _copy(tmp_path)
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(JudgementError) as info:
        load(folder)
    assert expected in str(info.value)


def test_broken_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    folder = _copy(tmp_path)
    (folder / "engine.yaml").write_text("why: [unclosed\n", encoding="utf-8")
    with pytest.raises(JudgementError, match=r"engine\.yaml: line \d+ not valid YAML"):
        load(folder)
