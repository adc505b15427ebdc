"""`work_link`: the post ties its author to their public-sector job.

Employment cases turn on the "nexus" between a post and the job: the employer named or
identifiable, colleagues or the workplace in the post, a role stated ("as a policy adviser").
Naming the author's own employer is the strongest tie; naming some other agency is not a
tie by itself (people talk about IRD refunds and DOC huts).
"""

from __future__ import annotations

import functools

from postcheck.detect.base import Doc, fold, make_signal, noisy_or
from postcheck.detect.lexicon import shared_matcher
from postcheck.detect.trained import blend, view
from postcheck.shapes import Author, Kind, Signal

THRESHOLD = 0.5


def names_own_topic(text: str, author: Author) -> bool:
    """The text names, as written, a subject the author says they work on (`author.topics`)."""
    low = text.lower()
    return any(t.strip() and t.strip().lower() in low for t in author.topics)


def bio_names_employer(author: Author) -> bool:
    """The author's bio names their employer, so readers of the account can see it."""
    return bool(author.bio and author.employer and author.employer.lower() in author.bio.lower())


@functools.lru_cache(maxsize=256)
def employer_ids(employer: str) -> frozenset[str]:
    """Agency ids whose name or alias matches the author's stated employer."""
    folded = fold(employer).strip()
    ids = set()
    for (category, entry_id), entry in shared_matcher().entries.items():
        if category != "agency":
            continue
        names = [entry.get("name", ""), *(entry.get("ci") or []), *(entry.get("cs") or [])]
        for n in names:
            fn = fold(str(n))
            if fn and (fn == folded or (len(fn) > 3 and fn in folded)):
                ids.add(entry_id)
    return frozenset(ids)


class WorkLinkDetector:
    signals: tuple[str, ...] = ("work_link",)

    def detect(self, doc: Doc) -> list[Signal]:
        author = doc.post.context.author
        own = employer_ids(author.employer) if author.employer else frozenset()
        parts: list[float] = []
        spans: list[tuple[int, int]] = []
        evidence: list[str] = []
        first_person = any(
            w in f" {doc.folded} " for w in (" i ", " i'm ", " my ", " we ", " our ", " us ")
        )
        for h in doc.hits:
            if h.category == "agency":
                if h.entry in own:
                    parts.append(1.0)
                    evidence.append(f"own-employer:{h.entry}")
                elif doc.post.context.kind == Kind.bio:
                    # A bio that names an agency is almost always saying where the person works.
                    parts.append(0.9)
                else:
                    parts.append(0.45 if first_person else 0.25)
                    evidence.append(f"agency:{h.entry}")
                spans.append((h.start, h.end))
            elif h.category in ("work_ref", "work_role"):
                parts.append(h.weight)
                spans.append((h.start, h.end))
                kind = "role" if h.category == "work_role" else h.entry
                evidence.append(kind)
        if author.employer and not own:
            needle = fold(author.employer).strip()
            at = doc.folded.find(needle) if len(needle) > 2 else -1
            if at >= 0:
                parts.append(1.0)
                spans.append((at, at + len(needle)))
                evidence.append("own-employer:named")
        score = noisy_or(parts)
        model = view("work_link", doc)
        if model is not None:
            # The lexicon knows agency names and job titles; most ties to a job are said
            # in plain words ("back on the night shift", "my manager", "our team"), which
            # only the models learnt (lexicon alone: recall 0.11 on the pool's val split).
            # The employer itself is still only "named" through the lexicon's evidence
            # (`names_employer`), because the rules raise risk on that.
            lexical = score
            # An agency or a job title in the text is a tie however the models read it (they
            # saw few bios: "Analyst @ Treasury" reads as nothing to them), so the lexicon
            # keeps its whole weight and the models can only add.
            score = blend(lexical, model, floor=1.0, trust_reader=False)
            if score >= THRESHOLD and (not spans or lexical < THRESHOLD):
                spans += model.spans(doc.text)
            evidence.append(model.evidence)
        return [make_signal(doc, "work_link", score, THRESHOLD, spans, evidence)]


def names_employer(signal: Signal) -> bool:
    """The post itself identifies the employer (not just 'at work')."""
    return signal.fired and any(
        e.startswith("own-employer") or e in ("employer-ref", "role") for e in signal.evidence
    )
