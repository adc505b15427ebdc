"""Scenario table: the same words in different contexts decide different risks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from postcheck import check
from postcheck.guidance import editions, rules
from postcheck.inputs import build_post

SCENARIOS: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "scenarios.yaml").read_text(encoding="utf-8")
)


def run(s: dict[str, Any]):
    post = build_post({"text": s["text"], **s.get("context", {})})
    return check(post.text, context=post.context)


def _param(s: dict[str, Any]) -> Any:
    # A known error keeps the guidance's expectation and must keep failing (strict): once it
    # is fixed the mark has to go.
    marks = [pytest.mark.xfail(strict=True, reason=s["known_error"])] if "known_error" in s else []
    return pytest.param(s, id=s["id"], marks=marks)


@pytest.mark.parametrize("s", [_param(s) for s in SCENARIOS])
def test_scenario(s: dict[str, Any]) -> None:
    report = run(s)
    fired = [f.rule for f in report.findings]
    assert report.risk.value == s["risk"], f"{s['id']}: risk {report.risk.value}, rules {fired}"
    for r in s.get("rules", []):
        assert r in fired, f"{s['id']}: expected {r}, got {fired}"
    for r in s.get("not_rules", []):
        assert r not in fired, f"{s['id']}: {r} should not fire"
    if "edition" in s:
        assert report.edition == s["edition"]
        assert all(f.clause.edition == s["edition"] for f in report.findings)
    if s.get("out_of_scope"):
        assert report.out_of_scope and not report.findings
    for law in s.get("law", []):
        assert any(law in [x.id for x in f.law] for f in report.findings)


def test_scenarios_are_enough() -> None:
    assert len(SCENARIOS) >= 40


def test_every_clause_of_both_editions_is_exercised() -> None:
    """Each clause is cited by a finding in some scenario, or is the out-of-scope clause."""
    cited: set[tuple[str, str]] = set()
    for s in SCENARIOS:
        report = run(s)
        for f in report.findings:
            for c in (f.clause, *f.also):
                cited.add((c.edition, c.id))
        if report.out_of_scope:
            cited.add((report.edition, "scope"))
    # A clause counts for both editions once a rule citing it fires in either: the rules
    # cite clause ids shared by both editions, and dated scenarios prove each edition.
    cited_ids = {cid for _, cid in cited}
    for ed in editions().values():
        for c in ed.clauses:
            assert c.id in cited_ids, f"no scenario exercises clause {ed.id}:{c.id}"
    assert {e for e, _ in cited} == set(editions())


def test_every_rule_is_in_a_scenario() -> None:
    fired = {f.rule for s in SCENARIOS for f in run(s).findings}
    missing = {r.id for r in rules()} - fired
    assert not missing, f"rules never seen in a scenario: {sorted(missing)}"
