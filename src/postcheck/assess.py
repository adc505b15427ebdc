"""Turn signals plus context into findings: each rule's condition (parsed at load into the
typed tree of conditions.py) decides whether it fires, and the same tree says which
signals' words explain it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from postcheck.conditions import explaining_lexicons, explaining_signals
from postcheck.guidance import Edition, Rule, law_for
from postcheck.rewrite import rewrite
from postcheck.shapes import Context, Finding, LawRef, Risk, Signal, Span


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a rule condition may look at, computed once per post."""

    context: Context
    signals: dict[str, Signal]
    election_phase: str
    facts: frozenset[str]
    day: dt.date
    text: str = ""
    #: (category, entry id) -> first span, for rules that test a lexicon directly
    #: (agency policy packs add sensitive-topic lexicons and rules that use them).
    lexicon_hits: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)


def _rewrite(rule: Rule, f: Facts) -> str | None:
    if rule.rewrite is None:
        return None
    sig = f.signals.get(rule.rewrite.signal)
    if sig is None or not sig.spans:
        return None
    return rewrite(f.text, sig.spans, rule.rewrite)


@dataclass(slots=True)
class _Raised:
    """What a rule's escalations that hold add to its finding."""

    level: Risk
    because: list[str] = field(default_factory=list)
    lowered: list[str] = field(default_factory=list)
    fix: list[str] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)


def _escalate(rule: Rule, f: Facts) -> _Raised:
    out = _Raised(level=rule.level)
    for esc in rule.escalate:
        if esc.when.holds(f):
            out.level = out.level.raised(esc.by)
            (out.because if esc.by > 0 else out.lowered).append(esc.because)
            if esc.fix:
                out.fix.append(esc.fix)
            # An escalation for the employer shown highlights where the post shows it.
            out.signals += explaining_signals(esc.when)
    return out


def _spans(rule: Rule, f: Facts, names: list[str]) -> list[Span]:
    """The words that explain a finding: its signals' spans (where they fired or are
    uncertain) and the hits of any lexicon its condition tests."""
    spans: list[Span] = []
    for n in names:
        sig = f.signals.get(n)
        if sig is not None and (sig.fired or sig.uncertain):
            spans.extend(sig.spans)
    for cat in explaining_lexicons(rule.when):
        for (c, _), (s, e) in f.lexicon_hits.items():
            if c == cat:
                spans.append(Span(start=s, end=e, text=f.text[s:e]))
    return sorted(set(spans), key=lambda s: (s.start, s.end))


def _law(rule: Rule, day: dt.date) -> list[LawRef]:
    """The instruments a rule cites, a family's being the one in force on the day."""
    law: list[LawRef] = []
    for ref in rule.law:
        inst = law_for(ref, day)
        if inst is not None:
            law.append(inst.ref())
    return law


def fire(rule: Rule, f: Facts, edition: Edition) -> Finding | None:
    if not rule.in_force(f.day) or not rule.when.holds(f):
        return None
    raised = _escalate(rule, f)
    names = list(dict.fromkeys(explaining_signals(rule.when) + raised.signals))
    spans = _spans(rule, f, names)
    clauses = [edition.ref(c) for c in rule.clauses]
    return Finding(
        rule=rule.id,
        level=raised.level,
        title=rule.title,
        clause=clauses[0],
        also=tuple(clauses[1:]),
        law=tuple(_law(rule, f.day)),
        message=_fill(rule.message, f, edition),
        why=_fill(rule.why, f, edition),
        fix=tuple(_fill(x, f, edition) for x in (*raised.fix, *rule.fix)),
        spans=tuple(spans),
        whole_post=not spans and any(f.signals.get(n) is not None for n in names),
        signals=tuple(n for n in names if n in f.signals),
        escalations=tuple(raised.because),
        lowered=tuple(raised.lowered),
        rewrite=_rewrite(rule, f),
    )


def _fill(template: str, f: Facts, edition: Edition) -> str:
    """Rules speak the edition's own terms ("State servants" or "public servants")."""
    a = f.context.author
    values = {
        "servants": edition.terms.get("servants", "public servants"),
        "service": edition.terms.get("service", "Public Service"),
        "employer": a.employer or "your employer",
        "platform": f.context.platform.value,
    }
    try:
        out = template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template
    # "{servants} are free..." must still start a sentence with a capital.
    return out[:1].upper() + out[1:] if template.startswith("{") else out


def assess(rules: Iterable[Rule], f: Facts, edition: Edition) -> list[Finding]:
    findings = [x for r in rules if (x := fire(r, f, edition)) is not None]
    # "Unsure, ask first" beside a finding that is already high says nothing useful and
    # muddles the verdict.
    if any(x.level.rank >= 3 for x in findings):
        findings = [x for x in findings if x.rule != "unsure-ask-first"]
    findings.sort(key=lambda x: (-x.level.rank, x.rule))
    return findings


def overall(findings: Iterable[Finding]) -> Risk:
    return Risk.from_rank(max((x.level.rank for x in findings), default=0))
