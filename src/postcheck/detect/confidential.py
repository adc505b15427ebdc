"""`confidential`: work information that is not public.

Security classifications, embargoes and Cabinet or Budget material are unambiguous. Cases
met through the work and figures previewed before release come from `casework.py`.
Softer markers ("don't tell anyone", "not announced yet", "leaked") are everyday words too,
so they count fully only in a post that is about the author's work.
"""

from __future__ import annotations

import re

from postcheck.calendar import budget_is_out
from postcheck.detect.base import Doc, Hit, make_signal, noisy_or
from postcheck.detect.casework import casework, preview
from postcheck.detect.trained import blend, view
from postcheck.detect.work_link import names_own_topic
from postcheck.shapes import Signal

THRESHOLD = 0.5
#: With no work, political or secrecy word in the post the model alone is weak evidence.
MODEL_WEIGHT_NO_CONTEXT = 0.45

STRONG = {"classification", "embargo", "cabinet-doc"}
#: Words that say the information is not out yet; a Cabinet decision beside one is a leak,
#: without one it is news ("Cabinet agreed to fund the new hospital").
NOT_OUT = {"classification", "embargo", "not-public", "leak", "budget-secret"}
#: A Cabinet decision with nothing to say it is unannounced: below the line, so a public
#: decision shared is not a "don't post".
DECISION_ALONE = 0.3
#: An internal proposal dated to come out later weighs as a not-public word does.
NOT_OUT_WEIGHT = 0.9
WORK_CATEGORIES = ("work_ref", "work_role", "work_topic", "agency")
#: "We" or "our" from someone with an employer: the post speaks from inside an organisation.
_WE = re.compile(r"\b(we|we're|we'll|we've|our|us)\b", re.IGNORECASE)
#: Something dated to come out later ("drops Monday", "announced after Easter"): alone it is
#: an album or a film; beside a Cabinet decision or an internal proposal it is a secret kept
#: until then.
_COMES_OUT = re.compile(
    r"\b(?:drops?|lands?|comes? out|goes? out|announc\w*|releas\w*|publish\w*|made public|"
    r"goes public|go public)\s+(?:on\s+|till\s+|until\s+|next\s+)?(?:tomorrow|next week|"
    r"next month|(?:mon|tues|wednes|thurs|fri|satur|sun)day|after (?:the )?(?:holidays|easter|"
    r"christmas|election|weekend))\b",
    re.IGNORECASE,
)


class ConfidentialDetector:
    signals: tuple[str, ...] = ("confidential",)

    def detect(self, doc: Doc) -> list[Signal]:
        hits = doc.hits_of("confidential")
        work = any(h.category in WORK_CATEGORIES for h in doc.hits)
        parts, spans, evidence = _lexical(doc, hits, work)
        for found in (casework(doc), preview(doc)):
            if found[0] > 0:
                parts.append(found[0])
                spans += found[1]
                evidence += found[2]
        score = noisy_or(parts)
        model = view("confidential", doc)
        if model is not None:
            lexical = score
            # Political talk alone is not support: opinions about Cabinet are not leaks.
            supported = work or bool(hits) or bool(doc.hits_of("secrecy_context"))
            w = 1.0 if supported else MODEL_WEIGHT_NO_CONTEXT
            score = blend(lexical, model, w, trust_reader=False)
            if score >= THRESHOLD and (not spans or lexical < THRESHOLD):
                spans += model.spans(doc.text)
            evidence.append(model.evidence)
        return [make_signal(doc, "confidential", score, THRESHOLD, spans, evidence)]


def _lexical(
    doc: Doc, hits: list[Hit], work: bool
) -> tuple[list[float], list[tuple[int, int]], list[str]]:
    """The secrecy lexicon's evidence: parts to combine, where, and why. "We" from someone with
    an employer counts as work here (a secret word in a post from inside an organisation),
    but does not let the model's reading count for more."""
    if not hits:
        # Every post passes here: the regular expressions below only weigh secrecy words.
        return [], [], []
    work = work or bool(doc.post.context.author.employer and _WE.search(doc.text))
    # A secrecy word beside the author's own subject ("can't say much yet ... big changes
    # coming to ECE funding" from an ECE funding analyst) is about their work.
    work = work or names_own_topic(doc.text, doc.post.context.author)
    dated = _COMES_OUT.search(doc.text)
    political = any(h.category in ("polity", "politician", "party") for h in doc.hits)
    parts: list[float] = []
    budget_out = budget_is_out(doc.post.context.date)
    not_out = dated is not None or any(
        h.entry in NOT_OUT and not (h.entry == "budget-secret" and budget_out) for h in hits
    )
    for h in hits:
        if h.entry == "budget-secret" and budget_out:
            # Once the Budget is delivered its contents are public: no secret left to keep.
            parts.append(0.1)
        elif h.entry == "cabinet-decision":
            parts.append(h.weight * 0.95 if not_out else DECISION_ALONE)
        elif h.entry in STRONG or h.entry == "budget-secret":
            parts.append(h.weight * (0.95 if (work or political) else 0.7))
        elif h.entry == "work-internal" and dated is not None:
            # "Our restructure proposal drops Monday": internal, and not out until then.
            parts.append(NOT_OUT_WEIGHT * (0.8 if work else 0.35))
        else:
            parts.append(h.weight * (0.8 if work else 0.35))
    spans = [(h.start, h.end) for h in hits]
    if dated is not None and parts and max(parts) >= THRESHOLD:
        spans.append(dated.span())
    return parts, spans, [f"confidential:{h.entry}" for h in hits]
