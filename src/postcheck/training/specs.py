"""What each shipped model learns from, how it is chosen, and its model card."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.detect.encoder import load_encoder
from postcheck.detect.features import CHAR_NS, FEATURES_VERSION
from postcheck.detect.trained import MODELS_DIR
from postcheck.training import data, distil, linear
from postcheck.training.data import SETS, Example

VERSION = "1"
SEED = linear.SEED


@dataclass
class Spec:
    name: str
    description: str
    train: Callable[[], list[Example]]
    val: Callable[[], list[Example]]
    metric: str  # "f1" or "macro_f1"
    sets: tuple[str, ...]  # keys of data.SETS used for training
    guard: Callable[[], list[str]] | None = None  # texts that must stay quiet (val)
    max_guard_rate: float = 1.0
    guard_name: str = "everyday tweets (TweetEval emotion + irony val)"
    project_weight: float = 1.0  # up-weight the small hand-written sets
    grid: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    notes: list[str] = field(default_factory=list)


def _sample(rows: list[Example], n: int, seed: int = SEED) -> list[Example]:
    if len(rows) <= n:
        return rows
    return random.Random(seed).sample(rows, n)


def disrespect_rows(teacher: Any = None, log: Callable[[str], None] = print) -> list[Example]:
    """OLID's labelled tweets, plus transfer tweets labelled by `teacher` (the shipped
    transformer when not given; none when the package ships none). See `distil`."""
    rows = data.tweeteval("offensive", "train")
    teacher = teacher if teacher is not None else load_encoder("disrespect", threads=2)
    if teacher is None:
        return rows
    exclude = {e.text.strip() for e in rows}
    exclude |= {e.text.strip() for e in data.tweeteval("offensive", "val")}
    return rows + distil.teacher_rows(teacher, exclude, log)


def _disrespect_train() -> list[Example]:
    return disrespect_rows()


def _hate_train() -> list[Example]:
    return data.tweeteval("hate", "train")


def _political_train() -> list[Example]:
    rows = data.project("political", "train")
    # Stance tweets that take a side are personal opinion on contested issues; "none" stance
    # tweets are about the same topics without a side and make good hard negatives.
    rows += data.stance("train")
    rows += data.everyday("train")
    rows += [Example(e.text, 0, e.source) for e in data.tweettopic("train")]
    return rows


def _mention_train() -> list[Example]:
    rows = data.project("political_mention", "train")
    rows += [Example(e.text, 1, e.source) for e in data.stance("train")]
    rows += data.everyday("train")
    rows += data.tweettopic("train")
    return rows


#: Review "cons" that say there are none are not complaints, whatever field they sit in.
_NO_CONS = re.compile(
    r"^\W*(none|nothing|n/?a|no cons?|not (?:any|really)|no complaints?|can'?t think|"
    r"cannot think|there are no|i have no|not that i|no negatives?|no bad|nil|na)\b",
    re.IGNORECASE,
)


def _grievance_train() -> list[Example]:
    rows = data.project("grievance", "train")
    reviews = data.glassdoor("train")
    rng = random.Random(SEED)
    rng.shuffle(reviews)
    for r in reviews[:3000]:
        if not _NO_CONS.match(r.cons):
            rows.append(Example(r.cons, 1, "glassdoor:train(cons)"))
        rows.append(Example(r.pros, 0, "glassdoor:train(pros)"))
    rows += _sample(data.everyday("train"), 2000)
    # Neutral political mentions and everyday NZ posts are not complaints about one's own
    # employer. (Political *opinions* are left out: "the public service cuts are reckless"
    # reads the same as a grievance about one's own restructure.)
    rows += [
        Example(r.text, 0, "project/political:train(mention+everyday)")
        for r in data.project_rows("political", "train")
        if r.label != "opinion"
    ]
    return rows


def _confidential_train() -> list[Example]:
    rows = data.project("confidential", "train")
    rows += _sample(data.everyday("train"), 1500)
    return rows


def _everyday_val_texts() -> list[str]:
    return [e.text for e in data.everyday("val")]


SPECS: tuple[Spec, ...] = (
    Spec(
        "disrespect",
        "offensive / disrespectful language (OLID via TweetEval)",
        _disrespect_train,
        lambda: data.tweeteval("offensive", "val"),
        "macro_f1",
        ("tweeteval/offensive", *distil.TRANSFER_SETS),
        notes=[
            "",
            "## Distilled from the transformer",
            "",
            "Besides OLID's own labels, this model learns from about 26k tweets of other "
            'permissive sets\' train splits (rows marked "labelled by the transformer"): their '
            "own labels are ignored and the `disrespect` transformer (`disrespect.encoder.md`) "
            "decides each one. The fast model that reads every post so learns what the slow one "
            "knows. Choosing this approach on validation: OLID labels alone 0.724 macro-F1 (best "
            "threshold), with transformer-labelled tweets 0.757 (`postcheck/training/distil.py`).",
        ],
    ),
    Spec(
        "hate",
        "hate speech against immigrants or women (HatEval via TweetEval)",
        _hate_train,
        lambda: data.tweeteval("hate", "val"),
        "macro_f1",
        ("tweeteval/hate",),
    ),
    Spec(
        "political",
        "personal political opinion (NZ and general)",
        _political_train,
        lambda: data.project("political", "val"),
        "f1",
        ("project", "tweeteval/stance", "tweeteval/emotion", "tweeteval/irony", "tweettopic"),
        guard=_everyday_val_texts,
        max_guard_rate=0.02,
        project_weight=12.0,
    ),
    Spec(
        "political_mention",
        "any mention of politics, opinion or neutral",
        _mention_train,
        lambda: data.project("political_mention", "val"),
        "f1",
        ("project", "tweeteval/stance", "tweeteval/emotion", "tweeteval/irony", "tweettopic"),
        guard=_everyday_val_texts,
        max_guard_rate=0.05,
        project_weight=6.0,
    ),
    Spec(
        "grievance",
        "complaints about one's own employer, manager, pay or workplace",
        _grievance_train,
        lambda: data.project("grievance", "val"),
        "f1",
        ("project", "glassdoor", "tweeteval/emotion", "tweeteval/irony"),
        guard=lambda: [r.pros for r in data.glassdoor("val")],
        max_guard_rate=0.10,
        guard_name="Glassdoor pros (our val split)",
        project_weight=4.0,
    ),
    Spec(
        "confidential",
        "work information that is not public (embargoes, cabinet papers, internal)",
        _confidential_train,
        lambda: data.project("confidential", "val"),
        "f1",
        ("project", "tweeteval/emotion", "tweeteval/irony"),
        project_weight=4.0,
    ),
)


def _counts(rows: Sequence[Example]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for e in rows:
        d = out.setdefault(e.source, {"n": 0, "positive": 0})
        d["n"] += 1
        d["positive"] += e.label
    return dict(sorted(out.items()))


def data_tables(meta: dict[str, Any]) -> list[str]:
    """The "## Data" section of a model card: examples and positives per source and split."""
    lines = ["## Data", ""]
    for title, key in (("", "train_sources"), ("Validation:", "val_sources")):
        if title:
            lines += ["", title, ""]
        lines += ["| source:split | examples | positive |", "|---|---:|---:|"]
        for src, c in meta[key].items():
            lines.append(f"| {src} | {c['n']} | {c['positive']} |")
    return lines


def train_one(spec: Spec, log: Callable[[str], None] = print) -> dict[str, Any]:
    t0 = time.time()
    train = spec.train()
    val = spec.val()
    weights = [spec.project_weight if e.source.startswith("project/") else 1.0 for e in train]
    log(f"{spec.name}: {len(train)} train / {len(val)} val")
    fitted = linear.fit(
        train,
        val,
        metric=spec.metric,
        grid=spec.grid,
        sample_weight=weights,
        guard=spec.guard() if spec.guard else (),
        max_guard_rate=spec.max_guard_rate,
        log=log,
    )
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    path = MODELS_DIR / f"{spec.name}.npz"
    meta = {
        "trained": dt.date.today().isoformat(),
        "train_sources": _counts(train),
        "val_sources": _counts(val),
        "val_scores": fitted.val_scores,
        "metric": spec.metric,
        "licences": {s: SETS[s].licence for s in spec.sets},
        "seed": SEED,
    }
    linear.save(path, spec.name, VERSION, fitted, meta)
    write_card(spec, fitted, meta, path)
    log(f"{spec.name}: {fitted.val_scores} in {time.time() - t0:.0f}s")
    return meta


def write_card(spec: Spec, fitted: linear.Fitted, meta: dict[str, Any], path: Path) -> None:
    size_kb = path.stat().st_size / 1024
    lines = [
        f"# Model card: `{spec.name}` (version {VERSION})",
        "",
        f"What it detects: {spec.description}.",
        "",
        f"- Trained: {meta['trained']} by `python -m postcheck.training train` (seed {SEED}).",
        f"- Artefact: `{path.name}` ({size_kb:.0f} KB): int8 weights + scale, bias, Platt "
        "calibration, threshold.",
        f"- Features: `{FEATURES_VERSION}`: hashed word 1-2-grams (2^18 buckets) and character "
        f"{min(CHAR_NS)}-{max(CHAR_NS)}-grams (2^19 buckets), sublinear counts, L2 per block "
        "(`postcheck/detect/features.py`, the same code at training and run time).",
        f"- Learner: logistic regression (liblinear, class-balanced, C={fitted.C} chosen on "
        "validation), Platt scaling fitted on 5-fold out-of-fold training scores, decision "
        f"threshold {fitted.threshold} chosen on validation ({spec.metric}).",
        "",
    ]
    lines += data_tables(meta)
    lines += ["", "## Licences of the training data", ""]
    for s in spec.sets:
        info = SETS[s]
        flag = "" if info.shippable else " (not permissive: see notes)"
        lines.append(f"- {info.name}: {info.licence}{flag}")
    if any(not SETS[s].shippable for s in spec.sets):
        lines += [
            "",
            "Note: at least one training set has no permissive licence. The shipped artefact "
            "holds only hashed n-gram weights (no text), but confirm the terms before "
            "redistributing outside the agency.",
        ]
    if "project" in spec.sets:
        lines += [
            "",
            "Project sets (`tests/data/labelled/`) were written for postcheck: hand-written "
            "train/val/test files plus, for train only, generated variations (`*.train-gen.jsonl`,"
            " pieces combined by `tests/data/labelled/build.py`, marked `generated`). Validation "
            "and test files are hand-written; the test files were never used for tuning.",
        ]
    vs = fitted.val_scores
    lines += [
        "",
        "## Validation scores (at the shipped threshold)",
        "",
        "| metric | value |",
        "|---|---:|",
    ]
    for k in ("precision", "recall", "f1", "macro_f1", "brier", "guard_flag_rate", "n"):
        if k in vs:
            lines.append(f"| {k} | {vs[k]:.4f} |" if k != "n" else f"| {k} | {int(vs[k])} |")
    if spec.guard is not None:
        lines += [
            "",
            f"`guard_flag_rate` is the share of {spec.guard_name} "
            f"flagged at the threshold; the threshold was chosen with it capped at "
            f"{spec.max_guard_rate:.0%}.",
        ]
    lines += [
        "",
        "Caveat: the threshold and C were chosen on the same validation split these figures "
        "come from, so they are optimistic; `postcheck evaluate` reports the same splits and "
        "the withheld test splits are the honest measure.",
        "",
    ]
    lines += spec.notes
    path.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def train_all(only: Sequence[str] | None, later: Sequence[str] = ()) -> None:
    """Train the chosen models; those in `later` are left to the encoder stage, which retrains
    them on its new transformer's labels (training them here too would be thrown away)."""
    np.random.seed(SEED)
    random.seed(SEED)
    chosen = [s for s in SPECS if not only or s.name in only]
    if only and len(chosen) != len(set(only)):
        known = ", ".join(s.name for s in SPECS)
        raise SystemExit(f"unknown model in {list(only)}; known: {known}")
    summary = {}
    for spec in chosen:
        if spec.name in later:
            continue
        summary[spec.name] = train_one(spec)["val_scores"]
    print(json.dumps(summary, indent=1))
