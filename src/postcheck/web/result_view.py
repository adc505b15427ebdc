"""What the check, rule and clause pages show, in plain words.

The engine's Report speaks in rule ids, signal names and scores, which the JSON keeps; a
person checking a draft needs a verdict, the words that caused it and what to do. These pure
functions turn one into the other, so the server renders the same result with or without
JavaScript and the wording is tested without a browser.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from postcheck.guidance import (
    Clause,
    Edition,
    Instrument,
    Rule,
    editions,
    instruments,
    law_for,
    rules,
)
from postcheck.shapes import ClauseRef, Finding, Post, Report, Risk

VERDICT_WORDS = {
    "fine": "Fine to post",
    "take care": "Take care",
    "reconsider": "Reconsider",
    "don't post": "Don't post",
    "out of scope": "Outside this guidance",
}
RISK_WORDS = {
    Risk.none: "No risk found",
    Risk.low: "Low risk",
    Risk.medium: "Medium risk",
    Risk.high: "High risk",
}

#: The official headings are shared by whole sections (three clauses under one long heading),
#: so each clause gets a short heading of its own that tells it apart from its neighbours.
CLAUSE_TITLES = {
    "scope": "What the guidance covers",
    "free-but-bound": "Free to post, within your obligations",
    "separation": "Keep your work role and personal accounts apart",
    "neutrality": "Political neutrality",
    "linkedin": "Political comment and work profiles (the LinkedIn example)",
    "employment-relationship": "When a private post becomes your employer's business",
    "private-becomes-public": "Private comments can become public",
    "grievances": "Workplace grievances",
    "disrespect": "Respect for others",
    "ask-manager": "If you are unsure, ask",
    "own-websites": "Running your own website or page",
}

#: Plain words for what each detector looks for; anything unlisted is not shown at all
#: rather than shown by its internal name.
SIGNAL_WORDS = {
    "political": "Personal political opinion",
    "political_mention": "Mentions politics",
    "persuasion": "Could sway a vote",
    "profanity": "Swearing",
    "work_link": "Links the post to your job",
    "grievance": "Workplace grievance",
    "disrespect": "Insulting or disrespectful words",
    "hate": "Hate",
    "threat": "Threat",
    "harassment": "Harassment",
    "sexual": "Sexual content",
    "privacy": "Someone's personal information",
    "confidential": "Confidential information",
}

PHASE_WORDS = {
    "pre_election": "Pre-election period",
    "polling_day": "Polling day",
    "after_close": "Election night",
}


def clause_title(clause_id: str, fallback: str = "") -> str:
    return CLAUSE_TITLES.get(clause_id, fallback)


@dataclass(frozen=True)
class ClauseView:
    edition: str
    edition_title: str
    id: str
    section: str
    title: str
    heading: str
    heading_mi: str | None
    paraphrase: str
    url: str

    @property
    def label(self) -> str:
        return f"§{self.section} {self.title}"

    @property
    def page(self) -> str:
        return f"/guidance/{self.edition}/{self.id}"


def clause_view(ref: ClauseRef | Clause, ed: Edition) -> ClauseView:
    clause = ed.clause(ref.id)
    return ClauseView(
        edition=ed.id,
        edition_title=ed.title,
        id=clause.id,
        section=clause.section,
        title=clause_title(clause.id, clause.heading),
        heading=clause.heading,
        heading_mi=clause.heading_mi,
        paraphrase=clause.paraphrase,
        url=ed.url,
    )


@dataclass(frozen=True)
class LawView:
    title: str
    provision: str | None
    url: str | None


@dataclass(frozen=True)
class FindingView:
    n: int
    rule: str
    level: Risk
    risk_words: str
    title: str
    message: str
    why: str
    words: tuple[str, ...]
    fixes: tuple[str, ...]
    clause: ClauseView
    also: tuple[ClauseView, ...]
    law: tuple[LawView, ...]
    raised_because: tuple[str, ...]
    lowered_because: tuple[str, ...]
    whole_post: bool
    #: The draft with this finding's words taken out or blanked, where the rule offers one.
    rewrite: str | None = None


@dataclass(frozen=True)
class Segment:
    """A run of the draft: plain, or marked for the findings in `findings` (highest `level`),
    with `marker` set where a finding's number goes (once per finding, after its first span)."""

    text: str
    level: str | None = None
    findings: tuple[int, ...] = ()
    markers: tuple[int, ...] = ()


@dataclass(frozen=True)
class ResultView:
    verdict: str
    risk: str
    risk_words: str
    count_words: str
    flags: tuple[str, ...]
    findings: tuple[FindingView, ...]
    segments: tuple[Segment, ...]
    noticed: tuple[str, ...]
    notes: tuple[str, ...]
    edition_title: str
    context_words: str
    draft: str
    rules_version: str
    postcheck_version: str


# --- fixes that fit the draft ------------------------------------------------------------

_REMOVE_FROM_POST = re.compile(r"^Remove the employer.*from the post", re.I)


def applicable_fixes(finding: Finding, report: Report, post: Post) -> tuple[str, ...]:
    """The rule's fixes, less those that ask to remove something this draft does not have.

    Rules list every way out of a problem; telling someone to take their employer out of a
    post that never names it reads as if postcheck had not looked at the draft.
    """
    work = next((s for s in report.signals if s.name == "work_link"), None)
    names_job = bool(work and work.fired and work.spans)
    out: list[str] = []
    for fix in finding.fix:
        if _REMOVE_FROM_POST.search(fix) and not names_job:
            if post.context.author.bio:
                out.append("Remove the employer and job title from the bio of this account.")
            continue
        out.append(fix)
    return tuple(dict.fromkeys(out)) or finding.fix[:1]


# --- the draft, marked -------------------------------------------------------------------

_LEVEL_RANK = {r.value: r.rank for r in Risk}


def segments(
    text: str, findings: Sequence[FindingView], spans: Sequence[Finding]
) -> tuple[Segment, ...]:
    """Cut the draft at every span edge so overlapping findings mark each character once,
    and put each finding's number after its first span only: one marker per finding."""
    marked: list[tuple[int, int, int, str]] = []
    for view, f in zip(findings, spans, strict=True):
        for sp in f.spans:
            start, end = max(0, sp.start), min(len(text), sp.end)
            if end > start:
                marked.append((start, end, view.n, f.level.value))
    if not marked:
        return (Segment(text),) if text else ()
    first_end: dict[int, int] = {}
    for _start, end, n, _ in sorted(marked):
        first_end.setdefault(n, end)
    cuts = sorted({0, len(text), *(m[0] for m in marked), *(m[1] for m in marked)})
    out: list[Segment] = []
    for a, b in itertools.pairwise(cuts):
        covering = [m for m in marked if m[0] <= a and m[1] >= b]
        piece = text[a:b]
        if not covering:
            out.append(Segment(piece))
            continue
        level = max((m[3] for m in covering), key=lambda v: _LEVEL_RANK[v])
        nums = tuple(sorted({m[2] for m in covering}))
        markers = tuple(n for n in sorted(first_end) if first_end[n] == b and n in nums)
        out.append(Segment(piece, level, nums, markers))
    return tuple(out)


# --- the whole result --------------------------------------------------------------------


def _count_words(n: int) -> str:
    if n == 0:
        return "Nothing to change"
    return f"{n} thing{'s' if n != 1 else ''} to look at"


def _noticed(report: Report) -> tuple[str, ...]:
    out = []
    for sig in report.signals:
        if not (sig.fired or sig.uncertain) or sig.name not in SIGNAL_WORDS:
            continue
        words = ", ".join(dict.fromkeys(f"“{s.text}”" for s in sig.spans))
        line = SIGNAL_WORDS[sig.name]
        if sig.uncertain:
            line += " (borderline)"
        if words:
            line += f": {words}"
        out.append(line)
    return tuple(out)


def context_words(post: Post, labels: dict[str, dict[str, str]]) -> str:
    ctx = post.context
    date = ctx.date.isoformat()[:10] if ctx.date else "today"
    return (
        f"Where: {labels['platform'].get(ctx.platform.value, ctx.platform.value)} · "
        f"What: {labels['kind'].get(ctx.kind.value, ctx.kind.value)} · "
        f"Who can see it: {labels['visibility'].get(ctx.visibility.value, ctx.visibility.value)}"
        f" · Date: {date}"
    )


def result_view(report: Report, post: Post, labels: dict[str, dict[str, str]]) -> ResultView:
    eds = editions()
    laws = instruments()
    # Most serious first, then in the order they occur, so the numbers read down the draft
    # the way the eye does.
    ordered = sorted(
        report.findings,
        key=lambda f: (-f.level.rank, min((s.start for s in f.spans), default=len(post.text))),
    )
    views = []
    for i, f in enumerate(ordered, start=1):
        ed = eds[f.clause.edition]
        views.append(
            FindingView(
                n=i,
                rule=f.rule,
                level=f.level,
                risk_words=RISK_WORDS[f.level],
                title=f.title,
                message=f.message,
                why=f.why,
                words=tuple(dict.fromkeys(s.text for s in f.spans)),
                fixes=applicable_fixes(f, report, post),
                rewrite=f.rewrite,
                clause=clause_view(f.clause, ed),
                also=tuple(clause_view(c, eds[c.edition]) for c in f.also),
                law=tuple(
                    LawView(
                        title=(laws[lw.id].title if lw.id in laws else lw.title).split(" | ")[0],
                        provision=lw.provision,
                        url=lw.url,
                    )
                    for lw in f.law
                ),
                raised_because=f.escalations,
                lowered_because=f.lowered,
                whole_post=f.whole_post or not f.spans,
            )
        )
    flags = []
    if report.uncertain:
        flags.append("Borderline: use your judgement")
    if report.election and report.election.phase in PHASE_WORDS:
        flags.append(
            PHASE_WORDS[report.election.phase]
            + (f" ({report.election.election})" if report.election.election else "")
        )
    return ResultView(
        verdict=VERDICT_WORDS.get(report.verdict, report.verdict.capitalize()),
        risk=report.risk.value,
        risk_words=RISK_WORDS[report.risk],
        count_words=_count_words(len(views)),
        flags=tuple(flags),
        findings=tuple(views),
        segments=segments(post.text, views, ordered),
        noticed=_noticed(report),
        notes=report.notes,
        edition_title=eds[report.edition].title,
        context_words=context_words(post, labels),
        draft=post.text,
        rules_version=report.rules_version,
        postcheck_version=report.postcheck_version,
    )


# --- rule and clause pages ---------------------------------------------------------------


@dataclass(frozen=True)
class ExampleView:
    text: str
    context: str
    note: str | None


@dataclass(frozen=True)
class RuleView:
    rule: Rule
    risk_words: str
    clauses: tuple[ClauseView, ...]
    law: tuple[LawView, ...]
    message: str
    why: str
    fixes: tuple[str, ...]
    flag: tuple[ExampleView, ...]
    pass_: tuple[ExampleView, ...]


_CONTEXT_KEYS = {
    "platform": "on",
    "kind": "as",
    "visibility": "seen by",
    "date": "on",
    "account": "account",
}
_AUTHOR_KEYS = {
    "employer": "works at",
    "role": "role",
    "seniority": "seniority",
    "topics": "works on",
    "bio": "bio",
}
_AUTHOR_FLAGS = {
    "advises_ministers": "advises Ministers",
    "represents_agency": "speaks for the agency",
    "shows_employer": "account shows the employer",
}


def example_context(ctx: dict[str, object], labels: dict[str, dict[str, str]]) -> str:
    """An example's context in words: "on LinkedIn, works at MBIE" rather than a dict."""
    parts: list[str] = []
    for key, word in _CONTEXT_KEYS.items():
        if key in ctx:
            value = str(ctx[key])
            parts.append(f"{word} {labels.get(key, {}).get(value, value)}")
    author = ctx.get("author")
    if isinstance(author, dict):
        for key, word in _AUTHOR_KEYS.items():
            given = author.get(key)
            if given:
                shown = ", ".join(given) if isinstance(given, list) else str(given)
                parts.append(f"{word} {shown}")
        parts += [word for key, word in _AUTHOR_FLAGS.items() if author.get(key)]
    return ", ".join(parts)


def _fill(text: str, ed: Edition) -> str:
    # Rule text is written once for both editions with the edition's own terms in braces;
    # a rule page shows it in the current edition's words, the employer left generic.
    out = text
    for key, value in ed.terms.items():
        out = out.replace("{" + key + "}", value)
    return out.replace(" ({employer})", "").replace("{employer}", "your employer")


def rule_view(rule: Rule, ed: Edition, labels: dict[str, dict[str, str]]) -> RuleView:
    def examples(items: Sequence[object]) -> tuple[ExampleView, ...]:
        return tuple(
            ExampleView(
                text=getattr(ex, "text", ""),
                context=example_context(dict(getattr(ex, "context", {})), labels),
                note=getattr(ex, "note", None),
            )
            for ex in items
        )

    clause_ids = {c.id for c in ed.clauses}
    return RuleView(
        rule=rule,
        risk_words=RISK_WORDS[rule.level],
        clauses=tuple(clause_view(ed.clause(c), ed) for c in rule.clauses if c in clause_ids),
        law=tuple(
            LawView(title=inst.title.split(" | ")[0], provision=inst.paraphrase, url=inst.url)
            for inst in _laws(rule)
        ),
        message=_fill(rule.message, ed),
        why=_fill(rule.why, ed),
        fixes=tuple(_fill(x, ed) for x in rule.fix),
        flag=examples(rule.examples.flag),
        pass_=examples(rule.examples.pass_),
    )


def _laws(rule: Rule) -> tuple[Instrument, ...]:
    """The instruments a rule cites, as in force today (a family resolves to one of them)."""
    today = dt.date.today()
    found = (law_for(ref, today) for ref in rule.law)
    return tuple({i.id: i for i in found if i is not None}.values())


def rules_for_clause(clause_id: str) -> tuple[Rule, ...]:
    return tuple(r for r in rules() if clause_id in r.clauses)
