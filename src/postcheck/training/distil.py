"""Teach the fast n-gram model what the transformer knows, through tweets nobody labelled.

Why: the cascade's fast model reads every post, and the transformer only the few it is unsure
of, so the fast model's own accuracy sets the bulk reading's accuracy. Trained on OLID's 12k
labelled tweets alone it stops at about 0.72 macro-F1 on validation. The transformer labels
26k more tweets from the train splits of other permissive sets (whatever they were labelled
for: hate, emotion, irony, stance, topic, Davidson's offensive tweets); the n-gram model then
learns from OLID's own labels plus the transformer's. On validation this lifted the n-gram
model alone from 0.724 to 0.757 (measured while choosing the approach; see the model card).

Pure data plumbing: no model is written here. `specs` uses `teacher_rows` for the
`disrespect` n-gram model, and `cascade` calls it again with a freshly trained transformer.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np

from postcheck.detect.encoder import EncoderMeta, EncoderModel
from postcheck.detect.trained import MODELS_DIR
from postcheck.training import data
from postcheck.training.data import Example

SEED = 20261121
#: Davidson's train split is 80% offensive tweets; a sample keeps them from crowding out the rest.
DAVIDSON_SAMPLE = 8000
#: Sets whose train-split texts (never their labels) the transformer labels.
TRANSFER_SETS = (
    "tweeteval/hate",
    "tweeteval/emotion",
    "tweeteval/irony",
    "tweeteval/stance",
    "tweettopic",
    "davidson",
)
TEACHER_SUFFIX = "(labelled by the transformer)"


def transfer_texts(exclude: set[str]) -> list[tuple[str, str]]:
    """(source, text) of the unlabelled transfer tweets, deduplicated, in a fixed order."""
    rows: list[tuple[str, str]] = []
    for task in ("hate", "emotion", "irony"):
        rows += [(e.source, e.text) for e in data.tweeteval(task, "train")]
    rows += [(e.source, e.text) for e in data.stance("train")]
    rows += [(e.source, e.text) for e in data.tweettopic("train")]
    dav = [t for t, _ in data.davidson("train")]
    picked = random.Random(SEED).sample(range(len(dav)), min(DAVIDSON_SAMPLE, len(dav)))
    rows += [("davidson:train", dav[i]) for i in sorted(picked)]
    seen = set(exclude)
    out = []
    for src, text in rows:
        key = text.strip()
        if key and key not in seen:
            seen.add(key)
            out.append((src, key))
    return out


def shipped_teacher(signal: str, threads: int = 2) -> EncoderModel | None:
    """The transformer in `models/` for `signal`, whatever the run-time mode says."""
    card = MODELS_DIR / f"{signal}.encoder.json"
    if not card.exists():
        return None
    return EncoderModel(
        EncoderMeta.load(card),
        MODELS_DIR / f"{signal}.encoder.onnx",
        MODELS_DIR / f"{signal}.encoder.tokenizer.json",
        threads=threads,
    )


def teacher_rows(
    teacher: EncoderModel, exclude: set[str], log: Callable[[str], None] = print
) -> list[Example]:
    """The transfer tweets with the transformer's decision (logit >= 0) as their label."""
    rows = transfer_texts(exclude)
    log(f"  labelling {len(rows)} transfer tweets with the {teacher.meta.name} transformer")
    logits = teacher.logits([t for _, t in rows])
    labels = (np.asarray(logits) >= 0.0).astype(int)
    return [
        Example(text, int(y), f"{src} {TEACHER_SUFFIX}")
        for (src, text), y in zip(rows, labels, strict=True)
    ]
