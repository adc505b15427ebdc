"""What every detector shares: the document it reads and the shape of what it returns.

A detector is a pure function of a `Doc` (text plus the post's context) to `Signal`s, after a
one-time load of its data and models. The engine never knows how a detector decides: a
lexicon, a pattern or a trained model all come back as a score in 0..1, a fired flag and the
spans that drove it, so a trained model slots in without touching the engine.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from postcheck.detect import registry as _registry
from postcheck.shapes import Post, Signal, Span

#: The public contract, declared once in registry.py.
SIGNAL_NAMES = _registry.SIGNAL_NAMES


def fold(text: str) -> str:
    """Lower-case and strip diacritics without changing length, so offsets stay valid.

    Posts mix "Maori" and "Māori", curly and straight quotes; matching on a folded copy with
    the same indices lets spans point straight back into the original text.
    """
    if text.isascii():  # the common case, and there lower() is already exact
        return text.lower()
    out = []
    for ch in text:
        low = ch.lower()
        if len(low) != 1:
            low = ch
        if ord(low) > 127:
            base = unicodedata.normalize("NFD", low)[0]
            if base.isascii():
                low = base
            elif low in "\u2018\u2019\u02bc":
                low = "'"
            elif low in "\u201c\u201d":
                low = '"'
            elif low in "\u2013\u2014":
                low = "-"
        out.append(low)
    return "".join(out)


@dataclass(slots=True)
class Hit:
    """One lexicon or pattern match in a document."""

    start: int
    end: int
    category: str  # e.g. "party", "agency", "opinion", "insult"
    entry: str  # the lexicon entry id or pattern name
    weight: float = 1.0


@dataclass(slots=True)
class Doc:
    """A post prepared once for every detector."""

    post: Post
    text: str
    folded: str
    _hits: list[Hit] | None = field(default=None, repr=False)
    #: The models' readings when they were computed for a whole batch (trained.batch_scores);
    #: None until a detector first asks (`readings`), which scores this post alone.
    scores: dict[str, tuple[float, float, bool]] | None = field(default=None, repr=False)
    #: How much the reader reads when this post is scored alone (encoder.MODES; None: the
    #: bulk mode).
    mode: str | None = None

    @classmethod
    def of(
        cls,
        post: Post,
        scores: dict[str, tuple[float, float, bool]] | None = None,
        mode: str | None = None,
    ) -> Doc:
        return cls(post=post, text=post.text, folded=fold(post.text), scores=scores, mode=mode)

    def readings(self) -> dict[str, tuple[float, float, bool]]:
        """Every model's (probability, threshold, read by the reader) for this post, computed
        once per Doc: the detectors of one post share one pass."""
        if self.scores is None:
            from postcheck.detect.trained import batch_scores

            self.scores = batch_scores([self.text], self.mode)[0]
        return self.scores

    def span(self, start: int, end: int) -> Span:
        return Span(start=start, end=end, text=self.text[start:end])

    @property
    def hits(self) -> list[Hit]:
        if self._hits is None:
            from postcheck.detect.lexicon import shared_matcher

            self._hits = shared_matcher().find(self)
        return self._hits

    def hits_of(self, *categories: str) -> list[Hit]:
        return [h for h in self.hits if h.category in categories]


class Detector(Protocol):
    """One signal family. `signals` names what `detect` can return."""

    signals: tuple[str, ...]

    def detect(self, doc: Doc) -> list[Signal]: ...


#: Below this a signal is not shown as uncertain; between it and the threshold it is.
UNCERTAIN_MARGIN = 0.15


#: Words that never carry a finding's meaning on their own: a span made only of these (or of
#: punctuation) is not shown to the reader as the reason.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "he",
        "she",
        "they",
        "them",
        "his",
        "her",
        "their",
        "so",
        "too",
        "very",
        "just",
        "not",
        "no",
        "yes",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "some",
        "than",
        "then",
        "up",
        "down",
        "out",
        "over",
        "again",
        "also",
        "only",
        "own",
        "same",
        "such",
        "into",
        "about",
        "after",
        "before",
        "while",
        "because",
    ]
)
_CONTENT = re.compile(r"\w")


def carries_meaning(text: str) -> bool:
    """False for a span of stop words or punctuation alone ("the", ".", "it's"). A pictograph
    carries meaning of its own ("💙" on polling day is a party's colour)."""
    if any(unicodedata.category(ch) == "So" for ch in text):
        return True
    words = [w.lower() for w in re.findall(r"[\w'’]+", text)]
    return bool(_CONTENT.search(text)) and any(w.replace("’", "'") not in STOPWORDS for w in words)


def make_signal(  # noqa: PLR0913  the Signal's own fields plus the doc, positional in every detector
    doc: Doc,
    name: str,
    score: float,
    threshold: float,
    spans: Iterable[tuple[int, int]] = (),
    evidence: Iterable[str] = (),
) -> Signal:
    score = max(0.0, min(1.0, float(score)))
    merged = [(s, e) for s, e in merge_spans(spans) if carries_meaning(doc.text[s:e])]
    fired = score >= threshold
    return Signal(
        name=name,
        score=round(score, 4),
        fired=fired,
        spans=tuple(doc.span(s, e) for s, e in merged) if (fired or score > 0) else (),
        evidence=tuple(dict.fromkeys(evidence)),
        uncertain=(not fired and score >= threshold - UNCERTAIN_MARGIN and score > 0.2)
        or (fired and score < threshold + UNCERTAIN_MARGIN / 2 and threshold < 0.99),
    )


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


_SENTENCE_END = re.compile(r"[.!?\n]+(?:\s+|$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence boundaries as offsets: opinion and target must meet in one sentence."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start:
            out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out or [(0, len(text))]


def noisy_or(scores: Iterable[float]) -> float:
    """Independent pieces of evidence: each one can only raise the score."""
    p = 1.0
    for s in scores:
        p *= 1.0 - max(0.0, min(1.0, s))
    return 1.0 - p
