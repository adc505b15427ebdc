"""Turn signals plus context into findings, by evaluating the rules' `when` conditions.

The condition language is deliberately small (in the spirit of OPA policies): `all`, `any`,
`not`, and leaf tests on signals, context, author, election phase and derived facts. Rules
stay data a policy adviser can read; this module is the only interpreter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from postcheck.guidance import Edition, GuidanceError, Rule, law_for
from postcheck.model import Context, Finding, LawRef, Risk, Signal, Span


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


LEAF_KEYS = {"signal", "uncertain", "context", "author", "election", "fact", "lexicon"}


def _as_list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list | tuple | set) else [v]


def _enum_value(v: Any) -> Any:
    return getattr(v, "value", v)


def evaluate(cond: dict[str, Any], f: Facts) -> bool:
    """True when every key of `cond` holds (a mapping is an implicit `all`)."""
    for key, val in cond.items():
        if key == "all":
            if not all(evaluate(c, f) for c in val):
                return False
        elif key == "any":
            if not any(evaluate(c, f) for c in val):
                return False
        elif key == "not":
            if evaluate(val, f):
                return False
        elif key == "signal":
            if not any(f.signals.get(n) and f.signals[n].fired for n in _as_list(val)):
                return False
        elif key == "uncertain":
            names = _as_list(val)
            if not any(f.signals.get(n) and f.signals[n].uncertain for n in names):
                return False
        elif key == "context":
            for field, want in val.items():
                if _enum_value(getattr(f.context, field)) not in _as_list(want):
                    return False
        elif key == "author":
            a = f.context.author
            for field, want in val.items():
                if field == "has_employer":
                    have: Any = bool(a.employer)
                else:
                    have = _enum_value(getattr(a, field))
                if have not in _as_list(want):
                    return False
        elif key == "election":
            if f.election_phase not in _as_list(val):
                return False
        elif key == "fact":
            if not any(n in f.facts for n in _as_list(val)):
                return False
        elif key == "lexicon":
            wanted = set(_as_list(val))
            if not any(cat in wanted for cat, _ in f.lexicon_hits):
                return False
        else:
            raise GuidanceError(f"unknown condition {key!r}")
    return True


def signals_named(cond: Any) -> list[str]:
    """Signal names a condition tests, so a finding can show the spans that caused it."""
    out: list[str] = []
    if isinstance(cond, dict):
        for key, val in cond.items():
            if key in ("signal",) or key == "uncertain":
                out += [str(v) for v in _as_list(val)]
            elif key in ("all", "any"):
                for c in val:
                    out += signals_named(c)
            elif key == "not":
                continue
    return list(dict.fromkeys(out))


def _lexicons_named(cond: Any) -> list[str]:
    out: list[str] = []
    if isinstance(cond, dict):
        for key, val in cond.items():
            if key == "lexicon":
                out += [str(v) for v in _as_list(val)]
            elif key in ("all", "any"):
                for c in val:
                    out += _lexicons_named(c)
    return out


#: Facts whose evidence is visible in the text itself, so the finding can highlight it.
FACT_SIGNALS = {"employer_named": "work_link", "employer_visible": "work_link"}


def fire(rule: Rule, f: Facts, edition: Edition) -> Finding | None:
    if not rule.in_force(f.day) or not evaluate(rule.when, f):
        return None
    level = rule.level
    escalations = []
    extra_fix = []
    for esc in rule.escalate:
        if evaluate(esc.when, f):
            level = level.raised(esc.by)
            escalations.append(esc.because)
            if esc.fix:
                extra_fix.append(esc.fix)
    names = signals_named(rule.when)
    if "employer_named" in f.facts or "employer_visible" in f.facts:
        names.append("work_link")
    spans: list[Span] = []
    for n in dict.fromkeys(names):
        sig = f.signals.get(n)
        if sig is not None and (sig.fired or sig.uncertain):
            spans.extend(sig.spans)
    for cat in _lexicons_named(rule.when):
        for (c, _), (s, e) in f.lexicon_hits.items():
            if c == cat:
                spans.append(Span(start=s, end=e, text=f.text[s:e]))
    spans = sorted(set(spans), key=lambda s: (s.start, s.end))
    clauses = [edition.ref(c) for c in rule.clauses]
    law: list[LawRef] = []
    for ref in rule.law:
        inst = law_for(ref, f.day)
        if inst is not None:
            law.append(inst.ref())
    return Finding(
        rule=rule.id,
        level=level,
        title=rule.title,
        clause=clauses[0],
        also=tuple(clauses[1:]),
        law=tuple(law),
        message=_fill(rule.message, f, edition),
        why=_fill(rule.why, f, edition),
        fix=tuple(_fill(x, f, edition) for x in (*extra_fix, *rule.fix)),
        spans=tuple(spans),
        whole_post=not spans and any(f.signals.get(n) is not None for n in names),
        signals=tuple(n for n in dict.fromkeys(names) if n in f.signals),
        escalations=tuple(escalations),
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
