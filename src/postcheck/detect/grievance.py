"""`grievance`: complaining about one's own employer, manager, colleagues, pay or conditions.

A complaint word alone is everyday talk ("this weather is a joke"); a workplace word alone is
ordinary work talk ("proud of my team"). A grievance is the two together in one sentence,
or a complaint in a post that is plainly about the author's work.
"""

from __future__ import annotations

from postcheck.detect.base import Doc, make_signal, noisy_or, sentences
from postcheck.detect.trained import blend, view
from postcheck.shapes import Signal

THRESHOLD = 0.5
#: With no workplace word anywhere the model must be sure on its own (it learnt from reviews,
#: where every text is about work, so news about jobs can read like a complaint to it):
#: at 0.7 it fires only well above its threshold, and a weaker reading marks it uncertain.
#: Chosen on validation: Glassdoor cons recall 0.86 / pros 0.09, everyday tweets 1.4%.
MODEL_WEIGHT_NO_WORK = 0.7

WORK_CATEGORIES = ("work_ref", "work_role", "work_topic")
POSITIVE_DAMPING = 0.6


class GrievanceDetector:
    signals: tuple[str, ...] = ("grievance",)

    def detect(self, doc: Doc) -> list[Signal]:
        complaints = doc.hits_of("complaint")
        work = [h for h in doc.hits if h.category in WORK_CATEGORIES]
        own_agency = [
            h for h in doc.hits_of("agency") if doc.post.context.author.employer is not None
        ]
        positive = doc.hits_of("work_positive")
        parts: list[float] = []
        spans: list[tuple[int, int]] = []
        evidence: list[str] = []
        post_has_work = bool(work or own_agency)
        for s, e in sentences(doc.text):
            cs = [h for h in complaints if s <= h.start < e]
            if not cs:
                continue
            ws = [h for h in work + own_agency if s <= h.start < e]
            c = noisy_or(h.weight for h in cs)
            if ws:
                w = max(0.75 if h.weight < 0.5 else 1.0 for h in ws)
                parts.append(c * w)
                spans += [(h.start, h.end) for h in cs + ws]
                evidence += [f"complaint:{h.entry}" for h in cs] + [f"work:{h.entry}" for h in ws]
            elif post_has_work:
                parts.append(c * 0.6)
                spans += [(h.start, h.end) for h in cs]
                evidence += [f"complaint:{h.entry}" for h in cs]
        score = noisy_or(parts)
        if positive and score:
            score *= 0.6
        model = view("grievance", doc)
        if model is not None:
            # A complaint with no workplace word anywhere is everyday griping ("the bus was
            # late again"): the model's word counts less there.
            lexical = score
            # A complaint word alone ("a disgrace") is not support: it has to be about work.
            supported = post_has_work or bool(doc.hits_of("work_context"))
            weight = 1.0 if supported else MODEL_WEIGHT_NO_WORK
            if positive and not complaints:
                # Warm words about work and no complaint anywhere ("back at work, lovely to
                # see everyone"): the reader learnt from reviews and r/antiwork, where "back
                # at work" is usually a moan, so its word counts for less here.
                weight *= POSITIVE_DAMPING
            score = blend(lexical, model, weight)
            if score >= THRESHOLD and (not spans or lexical < THRESHOLD):
                spans += model.spans(doc.text)
            evidence.append(model.evidence)
        return [make_signal(doc, "grievance", score, THRESHOLD, spans, evidence)]
