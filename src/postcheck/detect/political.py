"""`political` (a personal political opinion) and `political_mention` (a neutral mention).

The guidance does not forbid mentioning politics: "polls close at 7pm" or a headline quoted
without comment is a mention. What it asks public servants to keep apart from work is their
own political *comment*: an evaluative or stance word aimed at a party, a politician, the
government or a contested policy, or advice on how to vote. So opinion and target must meet
in one sentence; either alone is at most a mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from postcheck.calendar import phase
from postcheck.detect.base import Doc, Hit, make_signal, noisy_or, sentences
from postcheck.detect.trained import blend, view
from postcheck.shapes import Kind, Signal

THRESHOLD = 0.5
MENTION_THRESHOLD = 0.5
#: The trained models generalise past the lexicons (a policy nobody listed, sarcasm, a
#: US-style stance), but with no political name or topic in the post their word is weaker.
MODEL_WEIGHT_WITH_TARGET = 1.0
MODEL_WEIGHT_NO_TARGET = 0.9
#: A neutral mention with no political name or topic at all ("labour market figures are out")
#: is news, not politics: the mention model alone needs to be very sure.
MENTION_MODEL_WEIGHT_NO_TARGET = 0.7
#: Share of a lexicon opinion score kept when the model is sure there is no opinion
#: ("Labour and delivery nurses deserve a medal": a party name and praise, but no politics).
LEXICON_FLOOR = 0.7

#: How clearly each kind of target is political in itself.
TARGET_WEIGHT = {
    ("party", None): 1.0,
    ("politician", None): 1.0,
    ("polity", "government"): 1.0,
    ("polity", "minister"): 0.95,
    ("polity", "parliament"): 0.9,
    ("polity", "election"): 0.85,
    ("polity", "politics"): 0.9,
    ("polity", "policy"): 0.75,
    ("topic", None): 0.85,
}

#: Voting advice needs no explicit target: it is about an election by definition. The
#: phrases are exact calls ("vote them out", "party vote Green"), so a reader that hears no
#: opinion in four words does not overrule them (the retrained reader took "Vote them out!"
#: for a mention); the weight keeps one lexicon hit just over the line even so.
SELF_CONTAINED = {"vote-advice": 0.6, "campaign-tag": 0.6}


def _passed_on(doc: Doc) -> bool:
    """A share or a like: the words are someone else's unless the sharer adds their own."""
    return doc.post.context.kind in (Kind.share, Kind.like)


def _endorsed(doc: Doc, targets: list[Hit], opinions: list[Hit]) -> list[Hit]:
    """Approval added to a share of something political ("💯 bout time someone said it" under
    a party's post): the endorsement words, or none."""
    if not (_passed_on(doc) and targets):
        return []
    return [h for h in opinions if h.entry == "endorse"]


def _exact_call(doc: Doc, opinions: list[Hit]) -> bool:
    """A call to vote someone out, a campaign hashtag, or a reminder to remember it at the
    ballot box ("remember this on 7 November"): no everyday reading ("I'm voting for the best
    pie" is one, so plain "voting for" is not exact)."""
    for h in opinions:
        said = doc.text[h.start : h.end].lower()
        if h.entry in SELF_CONTAINED and (
            said.endswith(" out") or said.startswith(("#", "remember this"))
        ):
            return True
        if h.entry == "endorse" and _passed_on(doc):
            return True
    return False


def _target_weight(h: Hit) -> float:
    return TARGET_WEIGHT.get((h.category, h.entry), TARGET_WEIGHT.get((h.category, None), 0.0))


#: Lexicon categories that tie a post to New Zealand politics (parties and MPs; the topic
#: lexicon holds issues other countries argue about too).
NZ_TARGETS = ("party", "politician")


def jurisdiction(doc: Doc, targets: list[Hit]) -> str:
    """The jurisdiction of a political opinion: "nz", "foreign" or "both".

    New Zealand unless the reader read the post, is sure it is about another country, and the
    post names something abroad: a wrong "foreign" lowers the risk, and bulk reading that
    never reached the reader knows nothing better. A New Zealand party, MP or topic, or "the
    government" / "the Minister" (a New Zealand public servant's own, unless the post says
    otherwise) beside a foreign opinion makes it "both"."""
    if not doc.hits_of("foreign"):
        return "nz"
    nz, foreign = view("jurisdiction_nz", doc), view("jurisdiction_foreign", doc)
    if nz is None or foreign is None or nz.stage != "cascade":
        return "nz"
    if not (foreign.score >= 0.5 and (nz.score < 0.25 or foreign.score > nz.score + 0.4)):
        return "nz"
    local = any(h.category in (*NZ_TARGETS, "topic", "polity") and not _abroad(h) for h in targets)
    return "both" if local else "foreign"


def _abroad(h: Hit) -> bool:
    """A topic about another country's conflict (`abroad: true` in topics.yaml: Gaza, Ukraine),
    which New Zealanders argue about too but which is not New Zealand politics."""
    from postcheck.detect.lexicon import shared_matcher

    return h.category == "topic" and bool(
        shared_matcher().entries.get((h.category, h.entry), {}).get("abroad")
    )


#: Approval or scorn of a party or politician, or how to vote: what could sway a vote.
PERSUASION_THRESHOLD = 0.5
#: A party colour with a nudge ("wearing my blue today, you know what to do") or beside talk
#: of voting ("just voted 💚"), while a vote is at stake: a side taken without a name.
CUE_WITH_VOTE = 0.85
#: A colour or a nudge without the other ("polls close at 7, you know what to do" is a turnout
#: reminder): under the line.
CUE_ALONE = 0.45
_VOTING = re.compile(
    r"\b(vot(e|ed|es|ing)|polls?|polling|ballot|booth|ticks?|ticked)\b|🗳"
    # inside a hashtag: "#ClimateVote", "#nzvotes"
    r"|#\w*?vot(?:e|ed|es|ing)\b",
    re.I,
)


def _vote_cues(doc: Doc, opinions: list[Hit]) -> tuple[float, list[Hit]]:
    """How strongly lexicon cues tell readers how to vote without naming a party: counted in
    the pre-election period and on polling day before polls close, when a vote is at stake."""
    cues = doc.hits_of("vote_cue")
    stances = [h for h in opinions if h.entry == "stance"]
    when = phase(doc.post.context.date).phase
    if not (cues or stances) or when not in ("pre_election", "polling_day"):
        return 0.0, []
    kinds = {h.entry for h in cues}
    voting = any(h.entry in ("vote-advice", "vote-choice") for h in opinions) or bool(
        _VOTING.search(doc.text)
    )
    # The colour is the side; a nudge or talk of voting says it is a vote's side and not a
    # jersey's. A nudge beside talk of voting names no side: a turnout reminder; beside a
    # party or candidate it names one ("a fantastic local MP, you know what to do today").
    named = any(h.category in ("party", "politician") for h in doc.hits)
    sided = (
        ("colour" in kinds and ("nudge" in kinds or voting))
        or ("nudge" in kinds and named)
        or "backing" in kinds
    )
    # On polling day a stance beside talk of voting takes a side without a name ("just
    # voted, time to get rid of this lot"): anything that could influence a vote counts then.
    stand = bool(stances) and voting and when == "polling_day"
    if stand:
        return CUE_WITH_VOTE, [*cues, *stances]
    if not cues:
        return 0.0, []
    return (CUE_WITH_VOTE if sided else CUE_ALONE), cues


def _voting_spans(doc: Doc) -> list[tuple[int, int]]:
    """Where the post talks of voting, to show beside a colour cue."""
    return [m.span() for m in _VOTING.finditer(doc.text)]


def _sideless(doc: Doc, targets: list[Hit], opinions: list[Hit]) -> bool:
    """A reminder to vote that backs no side ("don't forget to vote, whoever you support"), or,
    on polling day, saying one has voted ("just voted, democracy sausage acquired") with no
    target or opinion beside it: the reader, which learnt "vote" mostly with a side, reads
    both as opinion. Saying one voted is held down on polling day only, where reading it as
    opinion says "don't post": on other days it costs opinions about what was voted on ("I
    voted against the bill because..." read as fine, measured on the labelled pool)."""
    if any(h.category in ("party", "politician") for h in targets):
        return False
    hits = doc.hits_of("nonpartisan")
    if any(h.entry != "voted" for h in hits):
        return True
    # "Just voted" is also talk of a vote choice, which says nothing without a party.
    said = [h for h in opinions if h.entry != "vote-choice"]
    return (
        any(h.entry == "voted" for h in hits)
        and not said
        and not targets
        and phase(doc.post.context.date).phase == "polling_day"
    )


@dataclass
class _Lexical:
    """The lexicons' evidence of a political opinion: scores to combine, and where."""

    parts: list[float] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


class PoliticalDetector:
    signals: tuple[str, ...] = ("political", "political_mention", "persuasion")

    def detect(self, doc: Doc) -> list[Signal]:
        targets = [h for h in doc.hits if h.category in ("party", "politician", "polity", "topic")]
        opinions = doc.hits_of("opinion")
        political = self._political(doc, targets, opinions)
        persuasion = self._persuasion(doc, targets, opinions, political.fired)
        mention = self._mention(doc, targets, political.fired)
        return [political, mention, persuasion]

    @staticmethod
    def _lexical(doc: Doc, targets: list[Hit], opinions: list[Hit]) -> _Lexical:
        """Opinion and target in one sentence, voting advice on its own, or a political
        hashtag with opinion anywhere in the post."""
        lex = _Lexical()
        for s, e in sentences(doc.text):
            ts = [h for h in targets if s <= h.start < e]
            os_ = [h for h in opinions if s <= h.start < e]
            if not any(h.category in NZ_TARGETS for h in ts):
                # "Just voted in the local body elections": saying one voted takes a side only
                # beside a party or candidate.
                os_ = [h for h in os_ if h.entry != "vote-choice"]
            if ts and os_:
                t = max(_target_weight(h) for h in ts)
                o = noisy_or(h.weight for h in os_)
                lex.parts.append(min(1.0, t * o * 1.05))
                lex.spans += [(h.start, h.end) for h in ts + os_]
                lex.evidence += [f"{h.category}:{h.entry}" for h in ts + os_]
            for h in os_:
                if h.entry in SELF_CONTAINED and not ts:
                    lex.parts.append(SELF_CONTAINED[h.entry])
                    lex.spans.append((h.start, h.end))
                    lex.evidence.append(f"opinion:{h.entry}")
        endorse = _endorsed(doc, targets, opinions)
        if endorse:
            t = max(_target_weight(h) for h in targets)
            lex.parts.append(t * max(h.weight for h in endorse))
            lex.spans += [(h.start, h.end) for h in endorse + targets]
            lex.evidence += [f"endorse:{h.entry}" for h in targets]
        # A political hashtag marks the whole post as political talk; opinion anywhere counts.
        tagged = [h for h in targets if h.entry == "politics" and doc.text[h.start] == "#"]
        if tagged and opinions:
            lex.parts.append(0.8 * max(h.weight for h in opinions))
            lex.spans += [(h.start, h.end) for h in tagged + opinions]
            lex.evidence.append("polity:hashtag")
        return lex

    @classmethod
    def _political(cls, doc: Doc, targets: list[Hit], opinions: list[Hit]) -> Signal:
        lex = cls._lexical(doc, targets, opinions)
        spans, evidence = lex.spans, lex.evidence
        score = noisy_or(lex.parts)
        model = view("political", doc)
        if model is not None:
            w = MODEL_WEIGHT_WITH_TARGET if targets else MODEL_WEIGHT_NO_TARGET
            lexical = score
            # An exact call keeps its whole weight: the phrase has no everyday reading for the
            # reader to find ("Vote them out!" read as a mention by the reader).
            exact = _exact_call(doc, opinions)
            score = blend(
                lexical, model, w, 1.0 if exact else LEXICON_FLOOR, trust_reader=not exact
            )
            if score >= THRESHOLD and (not spans or lexical < THRESHOLD):
                spans += model.spans(doc.text)
            evidence.append(model.evidence)
        if _sideless(doc, targets, opinions):
            # "Don't forget to vote, whoever you support": a reminder that backs no side.
            score = min(score, THRESHOLD - 0.06)
            evidence.append("nonpartisan:reminder")
        if score >= THRESHOLD:
            evidence.append(f"jurisdiction:{jurisdiction(doc, targets)}")
        return make_signal(doc, "political", score, THRESHOLD, spans, evidence)

    @staticmethod
    def _mention(doc: Doc, targets: list[Hit], political: bool) -> Signal:
        """A neutral mention of politics; an opinion, once `political` fired, is more than
        a mention."""
        score = max((_target_weight(h) for h in targets), default=0.0) * 0.9
        spans = [(h.start, h.end) for h in targets]
        evidence = [f"{h.category}:{h.entry}" for h in targets]
        model = view("political_mention", doc)
        if model is not None:
            w = MODEL_WEIGHT_WITH_TARGET if targets else MENTION_MODEL_WEIGHT_NO_TARGET
            score = blend(score, model, w)
            if not spans and score >= MENTION_THRESHOLD:
                spans = model.spans(doc.text)
            evidence.append(model.evidence)
        if political:
            score = min(score, THRESHOLD - 0.01)
        return make_signal(doc, "political_mention", score, MENTION_THRESHOLD, spans, evidence)

    @staticmethod
    def _persuasion(doc: Doc, targets: list[Hit], opinions: list[Hit], political: bool) -> Signal:
        """Could this sway a vote? Voting advice always; a named party, candidate or leader
        with approval or scorn; or the reader's judgement."""
        parts: list[float] = []
        spans: list[tuple[int, int]] = []
        evidence: list[str] = []
        for h in opinions:
            if h.entry in SELF_CONTAINED:
                parts.append(0.9)
                spans.append((h.start, h.end))
                evidence.append(f"opinion:{h.entry}")
        cue, cues = _vote_cues(doc, opinions)
        if cue:
            parts.append(cue)
            spans += [(h.start, h.end) for h in cues]
            if cue >= CUE_WITH_VOTE:
                spans += _voting_spans(doc)
            evidence += [f"vote_cue:{h.entry}" for h in cues]
        named = [h for h in targets if h.category in ("party", "politician")]
        if named and political:
            parts.append(0.6)
            spans += [(h.start, h.end) for h in named]
            evidence += [f"{h.category}:{h.entry}" for h in named]
        score = noisy_or(parts)
        model = view("persuasion", doc)
        if model is not None:
            lexical = score
            # A colour with a nudge is a call the reader never saw in training: it tempers,
            # not overrules, that call.
            score = blend(
                lexical,
                model,
                1.0 if (named or political) else 0.8,
                trust_reader=cue < CUE_WITH_VOTE,
            )
            evidence.append(model.evidence)
        if _sideless(doc, targets, opinions) and cue < CUE_WITH_VOTE:
            score = min(score, PERSUASION_THRESHOLD - 0.06)
            evidence.append("nonpartisan:reminder")
        if score >= PERSUASION_THRESHOLD and not spans and model is not None:
            spans += model.spans(doc.text)
        return make_signal(doc, "persuasion", score, PERSUASION_THRESHOLD, spans, evidence)
