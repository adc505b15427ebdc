"""The rules' condition language: parsed and checked at load, one tree for evaluation and
for the words that explain a finding."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from postcheck.assess import Facts
from postcheck.conditions import (
    FACTS,
    ConditionError,
    Vocabulary,
    explaining_signals,
    parse,
)
from postcheck.detect import detect
from postcheck.engine import Engine
from postcheck.guidance import GuidanceError, rules
from postcheck.shapes import Context, Post, Signal

RULE = """\
id: {id}
title: A pack rule
level: medium
clauses: [neutrality]
when:
  signal: political
  not:
    {bad}
message: m
why: w
fix: [f]
examples:
  flag: []
"""


def _pack(tmp_path: Path, rule_id: str, bad: str) -> Path:
    pack = tmp_path / "agency"
    (pack / "rules").mkdir(parents=True)
    (pack / "rules" / f"{rule_id}.yaml").write_text(RULE.format(id=rule_id, bad=bad))
    return pack


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("signal: politcal", "unknown signal 'politcal' (did you mean 'political'?)"),
        ("fact: employer_visable", "unknown fact 'employer_visable'"),
        ("context: {platfrom: x}", "unknown context field 'platfrom'"),
        ("author: {seniorty: senior}", "unknown author field 'seniorty'"),
        ("election: polling", "unknown election phase 'polling'"),
        ("lexicon: no-such-list", "unknown lexicon category 'no-such-list'"),
        ("sginal: political", "unknown condition 'sginal'"),
        ("any: []", "takes a non-empty list"),
    ],
)
def test_a_bad_condition_fails_at_load_naming_file_and_line(
    tmp_path: Path, bad: str, says: str
) -> None:
    pack = _pack(tmp_path, "pack-rule", bad)
    with pytest.raises(GuidanceError) as err:
        rules((pack,))
    message = str(err.value)
    assert message.startswith("pack-rule.yaml:")
    assert says in message
    if "[]" not in bad:
        # The line named is the one that holds the bad name.
        assert message.split(":")[1] == "8"


def test_every_shipped_rule_parses_against_the_vocabularies() -> None:
    for r in rules():
        leaves = list(r.when.leaves())
        assert leaves, r.id
        for esc in r.escalate:
            assert list(esc.when.leaves()), r.id


def test_the_facts_the_engine_computes_are_the_declared_ones() -> None:
    engine = Engine()
    contexts = [
        {},
        {"platform": "linkedin", "author": {"employer": "MFAT", "seniority": "senior"}},
        {"author": {"employer": "Wellington City Council", "advises_ministers": True}},
        {"author": {"employer": "Treasury", "topics": ["tax"], "bio": "Views my own"}},
    ]
    texts = ["The Nats are wrecking the tax system", "Putin must go, free Ukraine", "hello"]
    for ctx in contexts:
        for text in texts:
            post = Post(text=text, context=Context.model_validate(ctx))
            sig = {s.name: s for s in detect(post)}
            assert engine._facts(post, sig) <= FACTS


def _facts(signals: dict[str, Signal], facts: set[str], **ctx: object) -> Facts:
    return Facts(
        context=Context.model_validate(ctx),
        signals=signals,
        election_phase="none",
        facts=frozenset(facts),
        day=dt.date(2026, 12, 6),
    )


def _signal(name: str, fired: bool) -> Signal:
    post = Post(text="x")
    return next(s for s in detect(post) if s.name == name).model_copy(
        update={"fired": fired, "score": 0.9 if fired else 0.1}
    )


def test_evaluation_walks_the_tree() -> None:
    cond = parse(
        {
            "signal": ["political", "persuasion"],
            "not": {"fact": "foreign_politics_low"},
            "any": [{"context": {"platform": "linkedin"}}, {"author": {"has_employer": True}}],
        }
    )
    political = {"political": _signal("political", True)}
    assert cond.holds(_facts(political, set(), platform="linkedin"))
    assert not cond.holds(_facts(political, {"foreign_politics_low"}, platform="linkedin"))
    assert not cond.holds(_facts(political, set(), platform="x"))
    assert cond.holds(_facts(political, set(), platform="x", author={"employer": "MBIE"}))
    assert not cond.holds(_facts({"political": _signal("political", False)}, set()))


def test_only_required_signals_explain_a_finding() -> None:
    cond = parse({"signal": "political", "not": {"fact": "employer_visible", "signal": "hate"}})
    # What must be absent explains nothing; a tested employer fact is shown through work_link.
    assert explaining_signals(cond) == ["political"]
    assert explaining_signals(parse({"signal": "disrespect", "fact": "employer_visible"})) == [
        "disrespect",
        "work_link",
    ]


def test_parse_errors_name_the_key_path() -> None:
    with pytest.raises(ConditionError) as err:
        parse({"any": [{"signal": "political"}, {"fact": "nope"}]}, Vocabulary())
    assert str(err.value).startswith("when.any[1].fact: unknown fact 'nope'")
