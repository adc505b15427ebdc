"""Screening a comment, seen from the site owner's side, as a pipeline of typed phases.

Each phase reads the comment and what earlier phases found, adds `Reason`s (category, score,
spans, message) and may stop the pipeline early with a final decision: a comment refused by
the block list or plainly spam never costs an engine call. The order is cheapest and most
certain first:

    validate -> word lists -> spam -> engine signals -> allegations -> political bait -> decide

Judgement about abuse, hate, threats, harassment, sexual content, personal and confidential
information comes from the shared engine (`postcheck.engine`), called on a `Post` with
kind=comment, platform=website. What only matters to a site owner lives here: spam, claims
against named people (an owner who leaves a defamatory comment up once aware of it becomes
answerable for it) and questions baiting the owner, a public servant, into taking a
political side. If the engine fails, the comment is held, never published unscreened.

Judgement is data: what each phase looks for, what it weighs and what the owner is told are
in `postcheck/guidance/moderation/*.yaml` (loaded by `judgement.py`, each entry with example
comments the tests screen). This module is the mechanics: sentences, spans, the pipeline.
The typed results (`Reason`, `Advice`, `Screening`) are in `results.py`.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from postcheck.moderation.judgement import JUDGEMENT
from postcheck.moderation.policy import CATEGORY_LABELS, ENGINE_CATEGORIES, Policy
from postcheck.moderation.results import Advice, Decision, Reason, Screening
from postcheck.shapes import Context, Kind, Platform, Post, Report, Span, Visibility

__all__ = [
    "DETAIL_NAMES",
    "Advice",
    "CommentInput",
    "Decision",
    "Judge",
    "Reason",
    "Screener",
    "Screening",
    "default_screener",
    "explain",
]

log = logging.getLogger(__name__)

_ORDER: dict[str, int] = {"publish": 0, "hold": 1, "reject": 2}

#: Judge = anything that turns a Post into a Report; the default is the shared engine.
Judge = Callable[[Post], Report]


@dataclass(frozen=True, slots=True)
class CommentInput:
    text: str
    author_name: str = ""
    url: str | None = None
    #: Comments with the same text already on this site (repetition is a spam sign; the
    #: store counts them, screening itself stays free of I/O).
    same_text_seen: int = 0


@dataclass(frozen=True)
class Flag:
    """What a phase found in a comment, before the policy's thresholds turn it into an
    action."""

    category: str
    score: float
    message: str
    spans: Sequence[Span] = ()
    evidence: Sequence[str] = ()


@dataclass
class State:
    """What the phases share while one comment is screened."""

    comment: CommentInput
    policy: Policy
    folded: str
    reasons: list[Reason] = field(default_factory=list)
    advice: list[Advice] = field(default_factory=list)
    #: Character ranges covered by allow-listed terms; detections inside them don't count.
    allowed: list[tuple[int, int]] = field(default_factory=list)
    report: Report | None = None
    engine_error: str | None = None
    phases_run: list[str] = field(default_factory=list)

    def add(self, phase: str, flag: Flag, action: Decision | None = None) -> Reason:
        """Record what `phase` found; the site's policy decides the action unless the phase
        names one."""
        score = max(0.0, min(1.0, flag.score))
        if action is None:
            action = self.policy.threshold(flag.category).action(score)
        reason = Reason(
            flag.category,
            phase,
            score,
            action,
            flag.message,
            tuple(flag.spans),
            tuple(flag.evidence),
        )
        self.reasons.append(reason)
        return reason

    def is_allowed(self, span: Span) -> bool:
        return any(a <= span.start and span.end <= b for a, b in self.allowed)


class Stop(Exception):
    """Raised by a phase to end screening with a decision."""

    def __init__(self, decision: Decision):
        super().__init__(decision)
        self.decision = decision


class Phase(Protocol):
    name: str

    def __call__(self, state: State) -> None: ...


def _span(text: str, start: int, end: int) -> Span:
    return Span(start=start, end=end, text=text[start:end])


def fold(text: str) -> str:
    from postcheck.detect.base import fold as _fold

    return _fold(text)


# -- phases ---------------------------------------------------------------------------

_JUNK = frozenset({"Co", "Cn", "Cs"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Validate:
    """Refuse what is not a comment at all: empty, too long for this site, binary junk."""

    name = "validate"

    def __call__(self, state: State) -> None:
        data = JUDGEMENT.validation
        text = state.comment.text
        if not text.strip():
            state.add(self.name, Flag(data.category, 1.0, data.messages.empty), "reject")
            raise Stop("reject")
        if len(text) > state.policy.max_chars:
            message = data.messages.too_long.format(chars=len(text), limit=state.policy.max_chars)
            state.add(self.name, Flag(data.category, 1.0, message), "reject")
            raise Stop("reject")
        controls = len(_CONTROL.findall(text))
        junk = sum(1 for ch in text if ch == "\ufffd" or unicodedata.category(ch) in _JUNK)
        allowed = max(data.junk.allowed, len(text) // data.junk.allowed_per_chars)
        if controls or junk > allowed:
            state.add(self.name, Flag(data.category, data.junk.score, data.messages.junk), "hold")


class WordLists:
    """The owner's own lists: block-listed words hold or reject; allowed words are exempt."""

    name = "word-lists"

    def __call__(self, state: State) -> None:
        data = JUDGEMENT.word_lists
        text, folded = state.comment.text, state.folded
        for rule in state.policy.allow:
            for m in _term_pattern(rule.term).finditer(folded):
                state.allowed.append((m.start(), m.end()))
        stop: Decision | None = None
        for rule in state.policy.block:
            spans = [
                _span(text, m.start(), m.end()) for m in _term_pattern(rule.term).finditer(folded)
            ]
            if not spans:
                continue
            why = data.why.format(reason=rule.reason) if rule.reason else ""
            message = data.message.format(term=rule.term, why=why)
            flag = Flag(data.category, 1.0, message, spans, (f"block:{rule.term}",))
            state.add(self.name, flag, rule.action)
            if rule.action == "reject":
                stop = "reject"
        if stop:
            raise Stop(stop)


@functools.lru_cache(maxsize=2048)
def _term_pattern(term: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(fold(w)) for w in term.split())
    return re.compile(rf"(?<!\w){body}(?!\w)")


#: E-mail addresses are blanked out before links are counted: the domain of
#: "jo@gmail.com" is not a link, and a reader's address is a privacy matter, not spam.
_EMAIL = re.compile(r"[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)
_WORD = re.compile(r"\w+", re.U)


class Spam:
    """Links, link-stuffing, repeated text and the usual sales patter (guidance/moderation/
    spam.yaml says what each weighs)."""

    name = "spam"

    def __call__(self, state: State) -> None:
        data = JUDGEMENT.spam
        weights, limits, says = data.weights, data.limits, data.evidence
        text, policy = state.comment.text, state.policy
        score = 0.0
        evidence: list[str] = []
        spans: list[Span] = []
        unmailed = _EMAIL.sub(lambda m: " " * len(m.group(0)), text)  # offsets unchanged
        links = list(data.link_pattern.finditer(unmailed))
        if links:
            spans.extend(_span(text, m.start(), m.end()) for m in links)
            over = len(links) - policy.max_links
            if over > 0:
                score = max(score, min(1.0, weights.links_over + weights.links_over_each * over))
                evidence.append(says.links_over.format(links=len(links), allowed=policy.max_links))
            else:
                score = max(score, weights.link * len(links))
                evidence.append(says.links.format(links=len(links)))
        phrases = list(data.phrase_pattern.finditer(text))
        if phrases:
            spans.extend(_span(text, m.start(), m.end()) for m in phrases)
            with_links = weights.phrases_with_links if links else 0.0
            score = max(
                score, min(1.0, weights.phrases + weights.phrase_each * len(phrases) + with_links)
            )
            found = ", ".join(sorted({m.group(0).lower() for m in phrases}))
            evidence.append(says.phrases.format(phrases=found))
        runs = list(data.run_pattern.finditer(text))
        if runs:
            spans.extend(_span(text, m.start(), m.end()) for m in runs[: limits.run_spans])
            longest = max(len(m.group(0)) for m in runs)
            score = max(score, weights.flood if longest >= limits.flood_length else weights.run)
            evidence.append(says.runs.format())
        words = [w.lower() for w in _WORD.findall(text)]
        if len(words) >= limits.repetitive_min_words:
            distinct = len(set(words)) / len(words)
            if distinct < limits.repetitive_below:
                very = distinct < limits.very_repetitive_below
                score = max(score, weights.very_repetitive if very else weights.repetitive)
                evidence.append(says.repetitive.format(distinct=distinct))
        seen = state.comment.same_text_seen
        if seen:
            often = seen >= limits.repeated_often
            score = max(score, weights.repeated_often if often else weights.repeated)
            evidence.append(says.repeated.format(times=seen))
        if score <= 0.0:
            return
        spans = [s for s in spans if not state.is_allowed(s)]
        message = data.message.format(evidence="; ".join(evidence))
        reason = state.add(self.name, Flag(data.category, score, message, spans, evidence))
        if reason.action == "reject":
            raise Stop("reject")


class EngineSignals:
    """Ask the shared engine what it sees in the comment, as a comment on a website."""

    name = "engine"

    def __init__(self, judge: Judge | None = None):
        self._judge = judge

    def __call__(self, state: State) -> None:
        data = JUDGEMENT.engine
        post = Post(
            text=state.comment.text,
            context=Context(
                platform=Platform.website, kind=Kind.comment, visibility=Visibility.public
            ),
        )
        try:
            judge = self._judge or default_judge()
            state.report = judge(post)
        except Exception as exc:
            # Any engine failure holds the comment. Log the class only: an exception
            # message could quote the comment.
            log.warning("engine failed on a comment (%s); holding it", exc.__class__.__name__)
            state.engine_error = exc.__class__.__name__
            flag = Flag(
                data.error.category, 1.0, data.error.message, evidence=(exc.__class__.__name__,)
            )
            state.add(self.name, flag, "hold")
            return
        for sig in state.report.signals:
            if sig.name not in ENGINE_CATEGORIES:
                continue
            spans = [s for s in sig.spans if not state.is_allowed(s)]
            if sig.spans and not spans:
                continue  # every span is an allow-listed term
            if not (sig.fired or sig.score >= data.counts_from):
                continue
            score = sig.score if spans or not sig.spans else 0.0
            message = explain(sig.name, [s.text for s in spans], sig.evidence)
            state.add(self.name, Flag(sig.name, score, message, spans, sig.evidence))


#: The privacy detector's kinds of personal detail, as a reader would name them.
DETAIL_NAMES: dict[str, str] = JUDGEMENT.engine.details


def explain(category: str, matched: Sequence[str] = (), evidence: Sequence[str] = ()) -> str:
    """A plain-words reason for an engine category: what the comment does, then what in it
    shows that (the matched words, or for personal details the kinds found)."""
    data = JUDGEMENT.engine
    why = data.why.get(category)
    if why is None:
        return CATEGORY_LABELS.get(category, category) + "."
    if category == "privacy":
        kinds = list(dict.fromkeys(data.details[e] for e in evidence if e in data.details))
        if kinds:
            why += " (" + _and(kinds) + ")"
        # The owner's pages offer to remove them; the API's caller reads the category.
        return why + "."
    words = list(dict.fromkeys(" ".join(m.split()) for m in matched if m.strip()))
    words = words[: data.max_words]
    if words:
        why += ": " + ", ".join(f"“{w}”" for w in words)
    return why + "."


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def default_judge() -> Judge:
    # Imported on first use: the moderation store, API and pages work (and their tests run)
    # without loading the engine's lexicons and models.
    from postcheck.engine import default_engine

    return default_engine().check


# Allegations ------------------------------------------------------------------------

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*", re.U)


def _names(sentence: str, offset: int) -> list[tuple[int, int, str]]:
    """Candidate names of people in a sentence, with offsets into the whole text."""
    data = JUDGEMENT.allegation
    out = []
    for m in data.name_pattern.finditer(sentence):
        name = m.group(0)
        words = name.split()
        if all(w.lower().strip("'’@") in data.not_names for w in words):
            continue
        if len(words) == 1 and not name.startswith("@") and data.accusation_pattern.fullmatch(name):
            continue  # "Corrupt!" opening a sentence is not a name
        out.append((offset + m.start(), offset + m.end(), name))
    return out


class Allegations:
    """Claims of crime or dishonesty against a named, identifiable person: defamation risk.

    A name must come before the accusation in the same sentence ("Jane Doe stole ...",
    "Councillor Brown is corrupt"), or just after a word for a kind of person ("the thief
    John Smith"); the speaker's own confessions ("I stole a glance") don't count. The words
    and weights are in guidance/moderation/allegation.yaml.
    """

    name = "allegations"

    def __call__(self, state: State) -> None:
        data = JUDGEMENT.allegation
        text = state.comment.text
        best = 0.0
        spans: list[Span] = []
        evidence: list[str] = []
        for sm in _SENTENCE.finditer(text):
            sentence, base = sm.group(0), sm.start()
            accusations = list(data.accusation_pattern.finditer(sentence))
            if not accusations:
                continue
            names = _names(sentence, base)
            hedged = bool(data.hedge_pattern.search(sentence))
            for acc in accusations:
                a_start, a_end = base + acc.start(), base + acc.end()
                acc_span = _span(text, a_start, a_end)
                if state.is_allowed(acc_span) or data.first_person_pattern.search(
                    sentence[: acc.start()]
                ):
                    continue
                noun = bool(data.person_noun_pattern.match(acc.group(0)))
                targets = [
                    (s, e, n)
                    for s, e, n in names
                    if e <= a_start or (noun and 0 <= s - a_end <= data.name_after_noun_within)
                ]
                targets = [t for t in targets if not (t[0] < a_end and a_start < t[1])]
                if not targets:
                    best = max(best, data.weights.unnamed)
                    continue
                # "Allegedly" does not protect the publisher; it only shows doubt.
                best = max(best, data.weights.hedged if hedged else data.weights.named)
                s_, e_, who = targets[-1]
                spans.extend((_span(text, s_, e_), acc_span))
                evidence.append(data.evidence.format(who=who, accusation=acc.group(0)))
        if best >= data.report_at:
            flag = Flag(data.category, best, data.message, _dedupe(spans), tuple(evidence))
            state.add(self.name, flag)


# Political bait -----------------------------------------------------------------------


def _clause_ref(clause_id: str) -> dict[str, Any] | None:
    """The clause in the edition in force today (the comment is answered, or not, now)."""
    import datetime as dt

    from postcheck import guidance

    today = guidance.edition_for(dt.date.today()).id
    for edition in (today, *guidance.editions()):
        ed = guidance.editions().get(edition)
        if ed is None:
            continue
        try:
            ref = ed.ref(clause_id)
        except KeyError:
            continue
        out = ref.model_dump(mode="json")
        out["paraphrase"] = ed.clause(clause_id).paraphrase
        return out
    return None


class PoliticalBait:
    """Questions that invite the owner, a public servant, to take a political side (the
    patterns, weights and the advice are in guidance/moderation/bait.yaml)."""

    name = "bait"

    def __call__(self, state: State) -> None:
        data = JUDGEMENT.bait
        text, folded = state.comment.text, state.folded
        political: list[Span] = []
        if state.report is not None:
            for sig in state.report.signals:
                if sig.name in data.engine_signals and (sig.fired or sig.spans):
                    political.extend(sig.spans)
        best = 0.0
        spans: list[Span] = []
        for sm in _SENTENCE.finditer(text):
            start, end = sm.start(), sm.end()
            fsent = folded[start:end]
            if not data.you_pattern.search(fsent):
                continue
            strong = data.strong_pattern.search(fsent)
            challenge = data.challenge_pattern.search(fsent)
            pol_spans = [s for s in political if start <= s.start < end]
            pol_spans += [
                _span(text, start + m.start(), start + m.end())
                for m in data.political_pattern.finditer(fsent)
            ]
            pol_spans = [s for s in pol_spans if not state.is_allowed(s)]
            if strong and (pol_spans or challenge):
                score = data.weights.strong
                spans.append(_span(text, start + strong.start(), start + strong.end()))
            elif challenge and pol_spans:
                score = data.weights.challenge
            else:
                continue
            spans.extend(pol_spans)
            best = max(best, score)
        if best < data.report_at:
            return
        state.add(self.name, Flag(data.category, best, data.message, _dedupe(spans)))
        advice = data.advice
        clauses = tuple(c for c in map(_clause_ref, advice.clauses) if c)
        state.advice.append(
            Advice(kind=advice.kind, message=advice.message, why=advice.why, clauses=clauses)
        )


def _dedupe(spans: Sequence[Span]) -> list[Span]:
    """Sorted spans without repeats or spans inside another (engine and phase often agree)."""
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out and out[-1].start <= s.start and s.end <= out[-1].end:
            continue
        out.append(s)
    return out


# -- the pipeline -----------------------------------------------------------------------


class Screener:
    """Runs the phases in order under a site's policy and returns the decision."""

    def __init__(self, judge: Judge | None = None, phases: Sequence[Phase] | None = None):
        self.phases: tuple[Phase, ...] = tuple(
            phases
            if phases is not None
            else (
                Validate(),
                WordLists(),
                Spam(),
                EngineSignals(judge),
                Allegations(),
                PoliticalBait(),
            )
        )

    def screen(self, comment: CommentInput, policy: Policy | None = None) -> Screening:
        policy = policy or Policy()
        state = State(comment=comment, policy=policy, folded=fold(comment.text))
        stopped: str | None = None
        decision: Decision = "publish"
        for phase in self.phases:
            state.phases_run.append(phase.name)
            try:
                phase(state)
            except Stop as stop:
                stopped = phase.name
                decision = stop.decision
                break
        for r in state.reasons:
            if _ORDER[r.action] > _ORDER[decision]:
                decision = r.action
        acting = [r.score for r in state.reasons if r.action != "publish"]
        risk = max(acting or [r.score for r in state.reasons] or [0.0])
        reasons = sorted(state.reasons, key=lambda r: (-_ORDER[r.action], -r.score))
        engine: dict[str, Any] = {}
        if state.report is not None:
            engine = {
                "risk": state.report.risk.value,
                "rules_version": state.report.rules_version,
                "postcheck_version": state.report.postcheck_version,
                "edition": state.report.edition,
                "findings": [f.rule for f in state.report.findings],
            }
        elif state.engine_error:
            engine = {"error": state.engine_error}
        return Screening(
            decision=decision,
            risk=risk,
            reasons=tuple(reasons),
            advice=tuple(state.advice),
            stopped_at=stopped,
            phases_run=tuple(state.phases_run),
            engine=engine,
        )


@functools.cache
def default_screener() -> Screener:
    return Screener()
