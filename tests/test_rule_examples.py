"""Every rule carries examples it must flag and examples it must let pass (proselint style).

A rule without both kinds of example fails the suite: a rule nobody has shown firing, or
shown staying quiet, is not a rule we can trust.
"""

from __future__ import annotations

from typing import Any

import pytest

from postcheck import check
from postcheck.guidance import Example, Rule, rules
from postcheck.shapes import Context

RULES = rules()


def _context(ex: Example) -> Context:
    return Context.model_validate(ex.context)


def _cases(kind: str) -> list[Any]:
    out: list[Any] = []
    for r in RULES:
        for i, ex in enumerate(r.examples.flag if kind == "flag" else r.examples.pass_):
            marks = (
                [pytest.mark.xfail(strict=True, reason=ex.known_error)] if ex.known_error else []
            )
            out.append(pytest.param(f"{r.id}-{kind}-{i}", r, i, ex, marks=marks))
    return out


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_every_rule_has_examples(rule: Rule) -> None:
    assert rule.examples.flag, f"{rule.id} has no flag: examples"
    assert rule.examples.pass_, f"{rule.id} has no pass: examples"


@pytest.mark.parametrize(
    ("case", "rule", "i", "ex"), _cases("flag"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_flag_examples_fire(case: str, rule: Rule, i: int, ex: Example) -> None:
    report = check(ex.text, context=_context(ex))
    fired = [f.rule for f in report.findings]
    assert rule.id in fired, f"{case}: expected {rule.id}, got {fired}"
    finding = next(f for f in report.findings if f.rule == rule.id)
    if rule.level.rank > 0:
        assert finding.spans, f"{case}: finding has no spans to highlight"
    if rule.rewrite is not None:
        # A rule that offers rewrites shows both what it offers and where it offers none.
        assert finding.rewrite == ex.rewrite, f"{case}: rewrite {finding.rewrite!r}"
    else:
        assert finding.rewrite is None and ex.rewrite is None


@pytest.mark.parametrize("rule", [r for r in RULES if r.rewrite], ids=lambda r: r.id)
def test_rewriting_rules_show_a_rewrite_and_its_absence(rule: Rule) -> None:
    offered = [ex.rewrite is not None for ex in rule.examples.flag]
    assert any(offered) and not all(offered), rule.id


@pytest.mark.parametrize(
    ("case", "rule", "i", "ex"), _cases("pass"), ids=lambda v: v if isinstance(v, str) else ""
)
def test_pass_examples_stay_quiet(case: str, rule: Rule, i: int, ex: Example) -> None:
    report = check(ex.text, context=_context(ex))
    fired = [f.rule for f in report.findings]
    assert rule.id not in fired, f"{case}: {rule.id} fired on a pass example"
