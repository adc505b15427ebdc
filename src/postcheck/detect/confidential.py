"""`confidential`: work information that is not public.

Security classifications, embargoes and Cabinet or Budget material are unambiguous. Cases
met through the work and figures previewed before release come from `casework.py`.
Softer markers ("don't tell anyone", "not announced yet", "leaked") are everyday words too,
so they count fully only in a post that is about the author's work.
"""

from __future__ import annotations

from postcheck.calendar import budget_is_out
from postcheck.detect.base import Doc, make_signal, noisy_or
from postcheck.detect.casework import casework, preview
from postcheck.detect.trained import blend, view
from postcheck.shapes import Signal

THRESHOLD = 0.5
#: With no work, political or secrecy word in the post the model alone is weak evidence.
MODEL_WEIGHT_NO_CONTEXT = 0.45

STRONG = {"classification", "embargo", "cabinet-doc"}
#: Words that say the information is not out yet; a Cabinet decision beside one is a leak,
#: without one it is news ("Cabinet agreed to fund the new hospital").
NOT_OUT = {"classification", "embargo", "not-public", "budget-secret"}
#: A Cabinet decision with nothing to say it is unannounced: below the line, so a public
#: decision shared is not a "don't post".
DECISION_ALONE = 0.3
WORK_CATEGORIES = ("work_ref", "work_role", "work_topic", "agency")


class ConfidentialDetector:
    signals: tuple[str, ...] = ("confidential",)

    def detect(self, doc: Doc) -> list[Signal]:
        hits = doc.hits_of("confidential")
        work = any(h.category in WORK_CATEGORIES for h in doc.hits)
        political = any(h.category in ("polity", "politician", "party") for h in doc.hits)
        parts: list[float] = []
        budget_out = budget_is_out(doc.post.context.date)
        not_out = any(
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
            else:
                parts.append(h.weight * (0.8 if work else 0.35))
        spans = [(h.start, h.end) for h in hits]
        evidence = [f"confidential:{h.entry}" for h in hits]
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
