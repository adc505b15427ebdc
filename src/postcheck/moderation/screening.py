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
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from postcheck.model import Context, Kind, Platform, Post, Report, Span, Visibility
from postcheck.moderation.policy import CATEGORY_LABELS, ENGINE_CATEGORIES, Policy

log = logging.getLogger(__name__)

Decision = Literal["publish", "hold", "reject"]
_ORDER: dict[str, int] = {"publish": 0, "hold": 1, "reject": 2}

#: Judge = anything that turns a Post into a Report; the default is the shared engine.
Judge = Callable[[Post], Report]


@dataclass(frozen=True, slots=True)
class Reason:
    category: str
    phase: str
    score: float
    action: Decision
    message: str
    spans: tuple[Span, ...] = ()
    evidence: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "phase": self.phase,
            "score": round(self.score, 3),
            "action": self.action,
            "message": self.message,
            "spans": [{"start": s.start, "end": s.end, "text": s.text} for s in self.spans],
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True, slots=True)
class Advice:
    kind: str
    message: str
    why: str
    clauses: tuple[dict[str, Any], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "message": self.message,
            "why": self.why,
            "clauses": list(self.clauses),
        }


@dataclass(frozen=True, slots=True)
class CommentInput:
    text: str
    author_name: str = ""
    url: str | None = None
    #: Comments with the same text already on this site (repetition is a spam sign; the
    #: store counts them, screening itself stays free of I/O).
    same_text_seen: int = 0


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

    def add(
        self,
        category: str,
        phase: str,
        score: float,
        message: str,
        spans: Sequence[Span] = (),
        evidence: Sequence[str] = (),
        action: Decision | None = None,
    ) -> Reason:
        score = max(0.0, min(1.0, score))
        if action is None:
            action = self.policy.threshold(category).action(score)
        reason = Reason(category, phase, score, action, message, tuple(spans), tuple(evidence))
        self.reasons.append(reason)
        return reason

    def is_allowed(self, span: Span) -> bool:
        return any(a <= span.start and span.end <= b for a, b in self.allowed)


@dataclass(frozen=True, slots=True)
class Screening:
    decision: Decision
    risk: float
    reasons: tuple[Reason, ...]
    advice: tuple[Advice, ...]
    stopped_at: str | None
    phases_run: tuple[str, ...]
    engine: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "risk": round(self.risk, 3),
            "reasons": [r.to_json() for r in self.reasons],
            "advice": [a.to_json() for a in self.advice],
            "stopped_at": self.stopped_at,
            "phases": list(self.phases_run),
            "engine": self.engine,
        }


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
        text = state.comment.text
        if not text.strip():
            state.add("validation", self.name, 1.0, "The comment is empty.", action="reject")
            raise Stop("reject")
        if len(text) > state.policy.max_chars:
            state.add(
                "validation",
                self.name,
                1.0,
                f"The comment is longer than this site allows ({len(text)} characters; "
                f"limit {state.policy.max_chars}).",
                action="reject",
            )
            raise Stop("reject")
        controls = len(_CONTROL.findall(text))
        # Unassigned, private-use and surrogate code points and U+FFFD are what binary data
        # or a wrong encoding leave behind; emoji and punctuation are ordinary comment text.
        junk = sum(1 for ch in text if ch == "\ufffd" or unicodedata.category(ch) in _JUNK)
        if controls or junk > max(2, len(text) // 10):
            state.add(
                "validation",
                self.name,
                0.9,
                "The comment contains control characters or undecodable data, not just text.",
                action="hold",
            )


class WordLists:
    """The owner's own lists: block-listed words hold or reject; allowed words are exempt."""

    name = "word-lists"

    def __call__(self, state: State) -> None:
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
            why = f" ({rule.reason})" if rule.reason else ""
            state.add(
                "blocklist",
                self.name,
                1.0,
                f"Contains {rule.term!r}, on this site's block list{why}.",
                spans,
                evidence=(f"block:{rule.term}",),
                action=rule.action,
            )
            if rule.action == "reject":
                stop = "reject"
        if stop:
            raise Stop(stop)


@functools.lru_cache(maxsize=2048)
def _term_pattern(term: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(fold(w)) for w in term.split())
    return re.compile(rf"(?<!\w){body}(?!\w)")


_LINK = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"']+"
    r"|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|net|org|info|biz|xyz|top|io|co|ru|cn|shop|site|online|"
    r"click|link|nz|au|uk)(?:/[^\s<>\"']*)?\b"
)
#: E-mail addresses are blanked out before links are counted: the domain of
#: "jo@gmail.com" is not a link, and a reader's address is a privacy matter, not spam.
_EMAIL = re.compile(r"[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+", re.I)
_RUN = re.compile(r"(.)\1{9,}", re.S)
_SPAM_PHRASES = re.compile(
    r"\b(?:buy now|click here|free money|make money|earn \$?\d+|work from home|limited offer|"
    r"casino|viagra|cialis|crypto ?(?:currency)?|bitcoin|forex|loan offer|seo services|"
    r"backlinks?|promo code|discount code|dm me|whats ?app me|telegram me|onlyfans|"
    r"cheap (?:pills|watches|followers))\b",
    re.I,
)
_WORD = re.compile(r"\w+", re.U)


class Spam:
    """Links, link-stuffing, repeated text and the usual sales patter."""

    name = "spam"

    def __call__(self, state: State) -> None:
        text, policy = state.comment.text, state.policy
        score = 0.0
        evidence: list[str] = []
        spans: list[Span] = []
        unmailed = _EMAIL.sub(lambda m: " " * len(m.group(0)), text)  # offsets unchanged
        links = list(_LINK.finditer(unmailed))
        if links:
            spans.extend(_span(text, m.start(), m.end()) for m in links)
            over = len(links) - policy.max_links
            if over > 0:
                score = max(score, min(1.0, 0.6 + 0.15 * over))
                evidence.append(f"{len(links)} links (site allows {policy.max_links})")
            else:
                score = max(score, 0.2 * len(links))
                evidence.append(f"{len(links)} link(s)")
        phrases = list(_SPAM_PHRASES.finditer(text))
        if phrases:
            spans.extend(_span(text, m.start(), m.end()) for m in phrases)
            score = max(score, min(1.0, 0.45 + 0.2 * len(phrases) + (0.2 if links else 0.0)))
            evidence.append(
                "sales patter: " + ", ".join(sorted({m.group(0).lower() for m in phrases}))
            )
        runs = list(_RUN.finditer(text))
        if runs:
            spans.extend(_span(text, m.start(), m.end()) for m in runs[:5])
            # "!!!!!!!!!!" and a row of claps are enthusiasm; a hundred of them is flooding.
            longest = max(len(m.group(0)) for m in runs)
            score = max(score, 0.6 if longest >= 40 else 0.3)
            evidence.append("long runs of one character")
        words = [w.lower() for w in _WORD.findall(text)]
        if len(words) >= 12:
            distinct = len(set(words)) / len(words)
            if distinct < 0.3:
                score = max(score, 0.7 if distinct < 0.15 else 0.55)
                evidence.append(f"repetitive ({distinct:.0%} distinct words)")
        seen = state.comment.same_text_seen
        if seen:
            score = max(score, 0.9 if seen >= 3 else 0.6)
            evidence.append(f"same text already posted {seen} time(s) on this site")
        if score <= 0.0:
            return
        spans = [s for s in spans if not state.is_allowed(s)]
        reason = state.add(
            "spam",
            self.name,
            score,
            "Looks like spam: " + "; ".join(evidence) + ".",
            spans,
            evidence,
        )
        if reason.action == "reject":
            raise Stop("reject")


class EngineSignals:
    """Ask the shared engine what it sees in the comment, as a comment on a website."""

    name = "engine"

    def __init__(self, judge: Judge | None = None):
        self._judge = judge

    def __call__(self, state: State) -> None:
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
            state.add(
                "screening-error",
                self.name,
                1.0,
                "The checker could not screen this comment, so it is held for you to read.",
                evidence=(exc.__class__.__name__,),
                action="hold",
            )
            return
        for sig in state.report.signals:
            if sig.name not in ENGINE_CATEGORIES:
                continue
            spans = [s for s in sig.spans if not state.is_allowed(s)]
            if sig.spans and not spans:
                continue  # every span is an allow-listed term
            if not (sig.fired or sig.score >= 0.3):
                continue
            score = sig.score if spans or not sig.spans else 0.0
            message = explain(sig.name, [s.text for s in spans], sig.evidence)
            state.add(sig.name, self.name, score, message, spans, sig.evidence)


#: Why the engine's categories matter to a site owner, in plain words. The category's label
#: is shown beside the reason, so the reason must say something the label does not.
_ENGINE_WHY: dict[str, str] = {
    "disrespect": "Insults or talks down to someone",
    "hate": "Runs down a group of people for who they are",
    "threat": "Threatens someone with harm",
    "harassment": "Singles someone out for abuse or pressure",
    "sexual": "Has sexual content",
    "privacy": "Gives someone's personal details",
    "confidential": "Seems to reveal confidential or official information",
}
#: The privacy detector's kinds of personal detail, as a reader would name them.
DETAIL_NAMES: dict[str, str] = {
    "phone": "a phone number",
    "email": "an e-mail address",
    "street-address": "a street address",
    "ird-number": "an IRD number",
    "nhi-number": "an NHI number",
    "card-number": "a card number",
    "iban": "a bank account number",
    "ip-address": "an IP address",
    "client-details": "details about a client",
}


def explain(category: str, matched: Sequence[str] = (), evidence: Sequence[str] = ()) -> str:
    """A plain-words reason for an engine category: what the comment does, then what in it
    shows that (the matched words, or for personal details the kinds found)."""
    why = _ENGINE_WHY.get(category)
    if why is None:
        return CATEGORY_LABELS.get(category, category) + "."
    if category == "privacy":
        kinds = list(dict.fromkeys(DETAIL_NAMES[e] for e in evidence if e in DETAIL_NAMES))
        if kinds:
            why += " (" + _and(kinds) + ")"
        # The owner's pages offer to remove them; the API's caller reads the category.
        return why + "."
    words = list(dict.fromkeys(" ".join(m.split()) for m in matched if m.strip()))[:4]
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

_ACCUSATION = re.compile(
    r"\b(?:"
    r"stole|steals|stealing|stolen from|thie(?:f|ves)|embezzl\w*|fraud(?:ster|ulent|ulently)?|"
    r"launder(?:ed|ing|s)?|brib(?:e|es|ed|ery|ing)|kickbacks?|corrupt(?:ion)?|criminal|"
    r"crook(?:ed)?|rapist|paedo\w*|pedo\w*|molest\w*|child abuser|abuser|murderer|"
    r"drug dealer|on the take|cooked the books|rigged|perjur\w*|forged|forgery|extort\w*|"
    r"blackmail\w*|scammer|scam artist|con artist|liar|lied|lying|lies to|dishonest|"
    r"cheat(?:ed|ing|er|s)?|rorted|rorting|pocketed|falsified|fiddled the|bent cop|"
    r"should be (?:in jail|in prison|locked up|arrested)|belongs in (?:jail|prison)"
    r")\b",
    re.I,
)
_HONORIFIC = (
    r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Hon|Minister|Councillor|Cr|Judge|Mayor|"
    r"Detective|Constable|Sergeant|Inspector|Commissioner|Chief Executive|CEO)"
)
_CAP = r"[A-ZĀĒĪŌŪ][a-zA-Zāēīōū'’-]+"
_NAME = re.compile(
    rf"\b{_HONORIFIC}\.?\s+{_CAP}(?:\s+{_CAP})?"  # Mr Smith, Minister Jane Doe
    rf"|\b{_CAP}(?:\s+(?:van|de|der|von|te|ten|Mc|O'))?\s+{_CAP}(?:\s+{_CAP})?"  # Jane Doe
    rf"|@\w{{2,30}}"  # @handle
    rf"|\b{_CAP}\b"  # single capitalised word: filtered below
)
#: Capitalised words that are not a person: sentence openers, pronouns, days, institutions.
_NOT_NAMES = frozenset(
    """
    i i'm i've im the a an this that these those it its he she they we you your our my his
    her their them there here what who why when where how if but and or so yet because also
    just anyway honestly seriously well yes no not never everyone everybody nobody someone
    anyone people politicians government council ministry department police minister
    ministers monday tuesday wednesday thursday friday saturday sunday january february
    march april may june july august september october november december new zealand nz
    aotearoa god ok okay thanks thank please sorry great good bad
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*", re.U)
_HEDGE = re.compile(
    r"\b(?:allegedly|reportedly|apparently|i (?:think|heard|reckon|believe)|rumou?r)\b", re.I
)


def _names(sentence: str, offset: int) -> list[tuple[int, int, str]]:
    """Candidate names of people in a sentence, with offsets into the whole text."""
    out = []
    for m in _NAME.finditer(sentence):
        name = m.group(0)
        words = name.split()
        if all(w.lower().strip("'’@") in _NOT_NAMES for w in words):
            continue
        if len(words) == 1 and not name.startswith("@") and _ACCUSATION.fullmatch(name):
            continue  # "Corrupt!" opening a sentence is not a name
        out.append((offset + m.start(), offset + m.end(), name))
    return out


_FIRST_PERSON = re.compile(r"\b(?:i|we|i've|we've|i'd|we'd|i'm|me|us)\s+(?:\w+ly\s+)?$", re.I)
#: Accusations that name what a person *is*: the name may follow ("the thief John Smith").
_PERSON_NOUN = re.compile(
    r"^(?:thie(?:f|ves)|fraudster|criminal|crook|rapist|paedo\w*|pedo\w*|abuser|murderer|"
    r"drug dealer|scammer|scam artist|con artist|liar|cheat|cheater)$",
    re.I,
)


class Allegations:
    """Claims of crime or dishonesty against a named, identifiable person: defamation risk.

    A name must come before the accusation in the same sentence ("Jane Doe stole ...",
    "Councillor Brown is corrupt"), or just after a word for a kind of person ("the thief
    John Smith"); the speaker's own confessions ("I stole a glance") don't count.
    """

    name = "allegations"

    def __call__(self, state: State) -> None:
        text = state.comment.text
        best = 0.0
        spans: list[Span] = []
        evidence: list[str] = []
        for sm in _SENTENCE.finditer(text):
            sentence, base = sm.group(0), sm.start()
            accusations = list(_ACCUSATION.finditer(sentence))
            if not accusations:
                continue
            names = _names(sentence, base)
            hedged = bool(_HEDGE.search(sentence))
            for acc in accusations:
                a_start, a_end = base + acc.start(), base + acc.end()
                acc_span = _span(text, a_start, a_end)
                if state.is_allowed(acc_span) or _FIRST_PERSON.search(sentence[: acc.start()]):
                    continue
                targets = [
                    (s, e, n)
                    for s, e, n in names
                    if e <= a_start or (_PERSON_NOUN.match(acc.group(0)) and 0 <= s - a_end <= 3)
                ]
                targets = [t for t in targets if not (t[0] < a_end and a_start < t[1])]
                if not targets:
                    best = max(best, 0.3)  # an accusation with no one identifiable
                    continue
                # "Allegedly" does not protect the publisher; it only shows doubt.
                best = max(best, 0.75 if hedged else 0.8)
                s_, e_, who = targets[-1]
                spans.extend((_span(text, s_, e_), acc_span))
                evidence.append(f"{who!r} accused: {acc.group(0)!r}")
        if best >= 0.5:
            state.add(
                "allegation",
                self.name,
                best,
                "Accuses a named person of a crime or dishonesty. If you publish it and it is "
                "untrue, you can be liable as the site owner: hold it until you can check it.",
                _dedupe(spans),
                tuple(evidence),
            )


# Political bait -----------------------------------------------------------------------

_YOU = re.compile(r"\b(?:you|your|you're|youre|yourself|u|ya)\b", re.I)
_CHALLENGE = re.compile(
    r"\?|\b(?:tell us|admit it|be honest|come on|answer (?:the|this|me)|care to comment|"
    r"let'?s hear|i dare you|go on then|prove it)\b",
    re.I,
)
_STRONG_BAIT = re.compile(
    r"\b(?:as a (?:public|civil|state) servant|you work for (?:the )?(?:government|govt|ministry|"
    r"council)|your (?:minister|boss|ministry|department|agency)|whose side|which side|"
    r"who (?:do|did|will|would) you vote|are you (?:a )?(?:left|right|labour|national|green|act)|"
    r"do you (?:support|back|agree with|oppose) (?:the )?(?:government|govt|coalition|minister|"
    r"labour|national|greens|act|nz first|te pati maori)|where do you stand)\b",
    re.I,
)
_POLITICAL_WORDS = re.compile(
    r"\b(?:vote[sd]?|voting|election|government|govt|coalition|minister|prime minister|pm|"
    r"parliament|mps?|labour|national party|nats|greens?|green party|act party|nz first|"
    r"te pati maori|maori party|left[- ]wing|right[- ]wing|luxon|hipkins|seymour|peters|"
    r"willis|swarbrick|treaty principles|co-?governance|three waters|fast[- ]track|"
    r"job cuts|austerity|tax cuts)\b",
    re.I,
)


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
    """Questions that invite the owner, a public servant, to take a political side."""

    name = "bait"

    def __call__(self, state: State) -> None:
        text, folded = state.comment.text, state.folded
        political: list[Span] = []
        if state.report is not None:
            for sig in state.report.signals:
                if sig.name in ("political", "political_mention") and (sig.fired or sig.spans):
                    political.extend(sig.spans)
        best = 0.0
        spans: list[Span] = []
        for sm in _SENTENCE.finditer(text):
            start, end = sm.start(), sm.end()
            fsent = folded[start:end]
            if not _YOU.search(fsent):
                continue
            strong = _STRONG_BAIT.search(fsent)
            challenge = _CHALLENGE.search(fsent)
            pol_spans = [s for s in political if start <= s.start < end]
            pol_spans += [
                _span(text, start + m.start(), start + m.end())
                for m in _POLITICAL_WORDS.finditer(fsent)
            ]
            pol_spans = [s for s in pol_spans if not state.is_allowed(s)]
            if strong and (pol_spans or challenge):
                score = 0.85
                spans.append(_span(text, start + strong.start(), start + strong.end()))
            elif challenge and pol_spans:
                score = 0.65
            else:
                continue
            spans.extend(pol_spans)
            best = max(best, score)
        if best < 0.5:
            return
        state.add(
            "bait",
            self.name,
            best,
            "Invites you to take a political side in public.",
            _dedupe(spans),
        )
        clauses = tuple(c for c in (_clause_ref("own-websites"), _clause_ref("neutrality")) if c)
        state.advice.append(
            Advice(
                kind="do-not-respond",
                message="Don't answer this comment, on the site or anywhere else.",
                why=(
                    "It asks you, a public servant, to say where you stand politically. "
                    "Whatever you answer becomes a personal political comment under your name, "
                    "which can undermine the political neutrality the public service relies on. "
                    "The guidance says people who run their own websites may manage this risk "
                    "by moderating comments or choosing not to respond. You can publish the "
                    "comment without replying, or hold it."
                ),
                clauses=clauses,
            )
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
