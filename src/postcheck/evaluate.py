"""Measure every signal on labelled data: `python -m postcheck.evaluate` / `postcheck evaluate`.

Runs the real detector set (lexicons + trained models, exactly what `postcheck check` runs)
over the validation splits of the shared datasets and the project's own labelled sets, and
in the same run the two popular profanity packages where they apply, so the numbers sit side
by side. Prints precision, recall, F1 (and macro-F1 where a target asks for it) with the split
named, the flag rates that must stay low, privacy span F1 per entity type, and the worst false
positives and negatives per signal.

Test splits of the shared datasets are withheld and never read here. The project's own test
files are read only with `--include-test`, which is for a final report, never for tuning.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.detect import Doc, default_detectors
from postcheck.detect.reader import SIGNAL_LABELS
from postcheck.detect.trained import batch_scores
from postcheck.shapes import Post
from postcheck.training import data, nz_dev2, pool
from postcheck.training.data import DatasetMissing

#: Entity types whose presidio spans the privacy detector claims, mapped to its kinds.
PII_TYPES = {
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "STREET_ADDRESS": "street-address",
    "CREDIT_CARD": "card-number",
    "IBAN_CODE": "iban",
    "IP_ADDRESS": "ip-address",
}


@dataclass
class Task:
    signal: str
    dataset: str  # "tweeteval/offensive:val"
    texts: list[str]
    labels: np.ndarray
    kind: str = "f1"  # "f1", "macro_f1", "flag_rate" (all negatives), "recall" (all positives)
    target: str = ""
    anchors: bool = False
    mode: str = "fast"  # the transformer stage's mode (see detect/encoder.py)
    #: Row ids to name errors by instead of quoting them: the shared New Zealand development
    #: set is for measuring only, and its texts must not be copied into the project's files.
    ids: list[str] | None = None
    #: A TweetEval task whose texts the pool also holds: the annotators' own codebook labels
    #: are scored against the set's labels beside postcheck (`codebook_reading`).
    reading: str | None = None


@dataclass
class Result:
    task: Task
    scores: np.ndarray
    fired: np.ndarray
    stats: dict[str, float]
    anchors: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Share of the posts the signal's transformer stage read (None: the signal has none).
    encoder_share: float | None = None


def stats(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    y = y.astype(bool)
    pred = pred.astype(bool)
    return _count_stats(
        float(np.sum(pred & y)),
        float(np.sum(pred & ~y)),
        float(np.sum(~pred & y)),
        float(np.sum(~pred & ~y)),
    )


def _count_stats(tp: float, fp: float, fn: float, tn: float) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    p0 = tn / (tn + fn) if tn + fn else 0.0
    r0 = tn / (tn + fp) if tn + fp else 0.0
    f0 = 2 * p0 * r0 / (p0 + r0) if p0 + r0 else 0.0
    return {
        "n": tp + fp + fn + tn,
        "precision": p,
        "recall": r,
        "f1": f1,
        "macro_f1": (f1 + f0) / 2,
        "flag_rate": (tp + fp) / (tp + fp + fn + tn) if tp + fp + fn + tn else 0.0,
    }


#: The column that scores people, not software: careful reading under the codebook.
READING = "careful reading (codebook)"


def codebook_reading(task: str, signal: str, y: np.ndarray) -> dict[str, float] | None:
    """How the annotators' own labels score against a TweetEval task's labels: the most a
    detector that follows the codebook perfectly could reach on that set.

    The pool holds some of the task's train and val texts, each read under the codebook (any
    split will do: no model is involved). The pool drew them with positives over-represented,
    so the reading's rate on each of the set's classes is applied to the class balance of `y`,
    the split the row reports. Where the pool drew only the set's positives (HatEval), only
    recall can be said (`positives_only`). None when the pool holds none of the task's texts."""
    truth: dict[str, int] = {}
    for split in ("train", "val"):
        with contextlib.suppress(FileNotFoundError):
            for i, e in enumerate(data.tweeteval(task, split)):
                truth[f"tweeteval/{task}:{split}:{i}"] = e.label
    labels = {POOL_SIGNALS[s] for s in signal.split("|")}
    pairs = [(truth[r.source], bool(labels & r.labels)) for r in pool.rows() if r.source in truth]
    pos = [said for gold, said in pairs if gold]
    neg = [said for gold, said in pairs if not gold]
    if not pos:
        return None
    if not neg:
        return {
            "recall": float(np.mean(pos)),
            "pool_rows": float(len(pairs)),
            "positives_only": 1.0,
        }
    n1 = float(np.sum(y))
    n0 = float(len(y)) - n1
    tp = n1 * float(np.mean(pos))
    fp = n0 * float(np.mean(neg))
    out = _count_stats(tp, fp, n1 - tp, n0 - fp)
    out["pool_rows"] = float(len(pairs))
    return out


FOREIGN_EVIDENCE = ("jurisdiction:foreign", "jurisdiction:both")


def run_detectors(
    texts: Sequence[str], signals: Sequence[str], mode: str | None = None
) -> dict[str, np.ndarray]:
    """(score, fired) arrays per signal for every text, through the real detector set.

    A signal written "a|b" is the union: fired when any of them fires, scored by the highest.
    `NAME:encoder` says where the multi-label reader read the text. `mode` is how much the
    reader reads (None: the bulk mode)."""
    all_scores = batch_scores(list(texts), mode)
    detectors = default_detectors()
    parts = {p for s in signals for p in s.split("|")}
    # "political@foreign": a political opinion the detector placed abroad (jurisdiction
    # foreign or both), as the rules will weigh it.
    foreign = "political@foreign" in parts
    if foreign:
        parts.add("political")
    score = {s: np.zeros(len(texts)) for s in parts}
    fired = {s: np.zeros(len(texts), dtype=bool) for s in parts}
    for i, t in enumerate(texts):
        doc = Doc.of(Post(text=t), all_scores[i])
        for d in detectors:
            if not parts.intersection(d.signals):
                continue
            for sig in d.detect(doc):
                if sig.name in parts:
                    score[sig.name][i] = sig.score
                    fired[sig.name][i] = sig.fired
                if foreign and sig.name == "political":
                    abroad = any(e in sig.evidence for e in FOREIGN_EVIDENCE)
                    score["political@foreign"][i] = sig.score if abroad else 0.0
                    fired["political@foreign"][i] = sig.fired and abroad
    read = np.array([any(v[2] for v in sc.values()) for sc in all_scores], dtype=bool)
    out: dict[str, np.ndarray] = {}
    for s in signals:
        names = s.split("|")
        out[s] = np.max([score[n] for n in names], axis=0)
        out[s + ":fired"] = np.any([fired[n] for n in names], axis=0)
        out[s + ":encoder"] = read
    return out


def _anchor_fns() -> dict[str, Callable[[list[str]], np.ndarray]]:
    fns: dict[str, Callable[[list[str]], np.ndarray]] = {}
    try:
        from profanity_check import predict_prob

        fns["alt-profanity-check"] = lambda ts: np.asarray(predict_prob(ts)) >= 0.5
    except ImportError:
        pass
    try:
        from better_profanity import profanity

        profanity.load_censor_words()
        fns["better-profanity"] = lambda ts: np.array([profanity.contains_profanity(t) for t in ts])
    except ImportError:
        pass
    return fns


#: OLID counts untargeted swearing as offensive while the codebook's `disrespect` does not, so
#: OLID is scored on any abuse signal or `profanity`.
ANY_ABUSE = "disrespect|profanity|hate|threat|harassment"
#: Signals measured on the labelled pool and the New Zealand development sets, with the
#: codebook label each one is scored against.
POOL_SIGNALS: dict[str, str] = {
    sig: lab for sig, lab in SIGNAL_LABELS.items() if not sig.startswith("jurisdiction")
}
#: Targets from the judgement issue; where a split was used to choose anything (epoch,
#: thresholds, bands), its row says so.
ABUSE = "disrespect|hate|threat|harassment"
NZ_TARGETS = {"political": "F1 >= 0.85", "disrespect": "F1 >= 0.75", "grievance": "F1 >= 0.75"}


def _pool_tasks(split: str, modes: Sequence[str], note: str) -> list[Task]:
    rows = pool.rows(split)
    texts = [r.text for r in rows]
    # Named by source id: the pool's texts stay in the shared datasets, not in our files.
    ids = [r.source for r in rows]
    out = []
    for mode in modes:
        how = "bulk" if mode == "fast" else "one draft"
        for sig, lab in POOL_SIGNALS.items():
            y = np.array([r.y(lab) for r in rows])
            if not y.sum():
                continue
            out.append(Task(sig, f"pool:{split} ({how}){note}", texts, y, mode=mode, ids=ids))
    return out


@dataclass(frozen=True)
class _LabelledSet:
    """A New Zealand set's rows: each text with the codebook labels it carries."""

    name: str
    texts: list[str]
    labels: list[frozenset[str]]
    ids: list[str] | None = None


def _nz_tasks(rows: _LabelledSet, signals: Sequence[str], modes: Sequence[str]) -> list[Task]:
    """One New Zealand set's rows: each signal with three or more positives, any abuse signal
    counted for `disrespect` (the sets label abuse, not which law it breaks)."""
    out = []
    for mode in modes:
        how = "bulk" if mode == "fast" else "one draft"
        for sig in signals:
            name = sig if sig != "disrespect" else ABUSE
            # The abuse row fires on any abuse signal, so any abuse label is its truth: a
            # threat labelled threat alone is a hit, not a false alarm.
            labs = {POOL_SIGNALS[s] for s in name.split("|")}
            y = np.array([int(bool(labs & ls)) for ls in rows.labels])
            if y.sum() < 3:
                continue
            out.append(
                Task(
                    name,
                    f"{rows.name} ({how})",
                    rows.texts,
                    y,
                    mode=mode,
                    target=NZ_TARGETS.get(sig, ""),
                    anchors=sig == "disrespect",
                    ids=rows.ids,
                )
            )
    return out


def _nz_dev_tasks(modes: Sequence[str]) -> list[Task]:
    rows = pool.nz_dev()
    # profanity is not labelled in this set
    signals = [s for s in POOL_SIGNALS if s != "profanity"]
    labelled = _LabelledSet(
        "nz-pm-tweets-2020.dev",
        [r.text for r in rows],
        [r.labels for r in rows],
        ids=[r.id for r in rows],
    )
    return _nz_tasks(labelled, signals, modes)


def _nz_dev2_tasks(modes: Sequence[str], locked: bool) -> list[Task]:
    """The second New Zealand development set (real posts quoted in public sources)."""
    try:
        rows = nz_dev2.rows("test" if locked else "dev")
    except FileNotFoundError:
        return []
    part = "test (locked)" if locked else "dev"
    signals = ("political", "disrespect", "grievance", "confidential", "persuasion")
    labelled = _LabelledSet(f"nz-posts-v1:{part}", [r.text for r in rows], [r.labels for r in rows])
    return _nz_tasks(labelled, signals, modes)


def build_tasks(include_test: bool = False) -> list[Task]:
    """Every measurement, each on real text labelled under the codebook or by its source.

    `include_test` also scores the locked dev-test split of the pool and the locked part of
    the second New Zealand set: once per release, never to tune on."""
    tasks: list[Task] = []
    both = ("fast", "thorough")
    tasks += _nz_dev_tasks(both)
    tasks += _nz_dev2_tasks(both, locked=False)
    tasks += _pool_tasks("val", ("fast",), " [epoch, thresholds and bands chosen here]")
    if include_test:
        tasks += _pool_tasks("devtest", both, " [locked]")
        tasks += _nz_dev2_tasks(both, locked=True)
    tasks += _anchor_tasks()
    tasks += _everyday_tasks()
    tasks += _stance_and_review_tasks()
    return tasks


def _task(signal: str, dataset: str, rows: Sequence[Any], **kw: Any) -> Task:
    texts = [r[0] for r in rows]
    labels = np.array([int(r[1]) for r in rows])
    return Task(signal, dataset, texts, labels, **kw)


def _anchor_tasks() -> list[Task]:
    """The public sets measured with the anchors beside them: OLID and HatEval (TweetEval)."""
    off = data.tweeteval("offensive", "val")
    # Two readings, as the product runs them: bulk work (scan, batch, `check --input`) in the
    # "fast" mode, one draft (`check TEXT`, the web page, POST /api/check) in "thorough".
    tasks = [
        _task(
            ANY_ABUSE,
            f"tweeteval/offensive:val ({how})",
            [(e.text, e.label) for e in off],
            kind="macro_f1",
            target=target,
            anchors=mode == "fast",
            mode=mode,
            reading="offensive",
        )
        for mode, how, target in (
            ("fast", "bulk", "macro-F1 >= 0.78"),
            ("thorough", "one draft", "macro-F1 >= 0.80"),
        )
    ]
    hate = data.tweeteval("hate", "val")
    tasks.append(
        _task(
            "hate",
            "tweeteval/hate:val (bulk)",
            [(e.text, e.label) for e in hate],
            kind="macro_f1",
            target="macro-F1 >= 0.55",
            anchors=True,
            reading="hate",
        )
    )
    return tasks


def _everyday_tasks() -> list[Task]:
    """How often everyday posts are flagged: what annotators gave no label at all in the two
    New Zealand sets, and TweetEval's emotion and irony tweets for comparison."""
    everyday = [(f"nz-pm-tweets-2020.dev:{r.id}", r.text) for r in pool.nz_dev() if not r.labels]
    with contextlib.suppress(FileNotFoundError):
        everyday += [(f"nz-posts-v1:{r.id}", r.text) for r in nz_dev2.rows("dev") if not r.labels]
    ids = [i for i, _ in everyday]
    tasks = [
        _task(
            sig,
            f"NZ dev sets: posts with no label ({how})",
            [(t, 0) for _, t in everyday],
            kind="flag_rate",
            target="flag rate <= 0.03" if sig == "political" else "",
            mode=mode,
            ids=ids,
        )
        for mode, how in (("fast", "bulk"), ("thorough", "one draft"))
        for sig in ("political", "disrespect", "grievance", "confidential")
    ]
    every = data.everyday("val")
    # TweetEval's emotion and irony tweets are not all everyday: one in seven is political or
    # abusive by the codebook's reading. Shown for comparison with earlier releases, no target.
    tasks += [
        _task(
            sig,
            "tweeteval/emotion+irony:val (bulk; not all everyday)",
            [(e.text, 0) for e in every],
            kind="flag_rate",
        )
        for sig in ("political", "disrespect")
    ]
    return tasks


def _stance_and_review_tasks() -> list[Task]:
    """US political stance (recall, and how much of it is placed abroad) and employee reviews
    (grievance by the review's own cons / pros sections)."""
    tasks: list[Task] = []
    with contextlib.suppress(FileNotFoundError):
        ps = [(e.text, 1) for e in data.pstance("val")]
        name = "p-stance:val (US; all take a side; bulk)"
        tasks.append(_task("political", name, ps, kind="recall"))
        # The target counts an opinion only when it is placed abroad, as the issue asks; the
        # foreign lexicon's US names were partly read off this split's misses, so say so.
        tasks.append(
            _task(
                "political@foreign",
                name + " [US names in lexicons/foreign.yaml partly read off this split]",
                ps,
                kind="recall",
                target="recall >= 0.85",
            )
        )
    reviews = data.glassdoor("val")
    tasks.append(
        _task(
            "grievance",
            "glassdoor:val cons (source label)",
            [(r.cons, 1) for r in reviews],
            kind="recall",
        )
    )
    tasks.append(
        _task(
            "grievance",
            "glassdoor:val pros (source label)",
            [(r.pros, 0) for r in reviews],
            kind="flag_rate",
        )
    )
    return tasks


def evaluate_tasks(tasks: list[Task], anchors: bool, log: Callable[[str], None]) -> list[Result]:
    fns = _anchor_fns() if anchors else {}
    results = []
    # One detector pass per distinct text list keeps the run short.
    cache: dict[int, dict[str, np.ndarray]] = {}
    by_texts: dict[tuple[str, tuple[str, ...]], list[Task]] = {}
    for t in tasks:
        by_texts.setdefault((t.mode, tuple(t.texts)), []).append(t)
    for (mode, texts), group in by_texts.items():
        t0 = time.time()
        signals = sorted({t.signal for t in group})
        out = run_detectors(list(texts), signals, mode)
        cache[id(group)] = out
        log(f"  {group[0].dataset}: {len(texts)} posts, {time.time() - t0:.1f}s")
        for t in group:
            fired = out[t.signal + ":fired"]
            res = Result(t, out[t.signal], fired, stats(t.labels, fired))
            if t.signal + ":encoder" in out:
                res.encoder_share = float(np.mean(out[t.signal + ":encoder"]))
            if t.anchors:
                for name, fn in fns.items():
                    res.anchors[name] = stats(t.labels, fn(list(t.texts)))
            if t.reading is not None:
                said = codebook_reading(t.reading, t.signal, t.labels)
                if said is not None:
                    res.anchors[READING] = said
            results.append(res)
    order = {id(t): i for i, t in enumerate(tasks)}
    results.sort(key=lambda r: order[id(r.task)])
    return results


#: Gold address fragments with only these between them are one address to a reader: spaces,
#: commas and line breaks, a line break counting with the e-mail quote marks that start the
#: next line ("...Strasse 36\n>Suite 960").
_ADDRESS_JOIN = re.compile(r"(?:[\s,]|(?<=\n)>+)*")
_TOKEN = re.compile(r"\S+")


def merge_adjacent(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join spans that only whitespace, commas and newlines (with quote marks) separate.

    presidio's templates often write one address as several gold fragments
    ("{{STREET_ADDRESS}} {{STREET_ADDRESS}}" gives '846' and 'Via Roma 131'); merging them
    scores the address a reader sees. Nothing is dropped: every fragment ends up in one span.
    """
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and _ADDRESS_JOIN.fullmatch(text[out[-1][1] : s]) is not None:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


#: Gold types that may sit *inside* one postal address in presidio's templates: the city,
#: region and country lines (GPE) and the postcode (ZIP_CODE).
_ADDRESS_INNER = ("GPE", "ZIP_CODE")


def bridge_postal(
    text: str, addresses: list[tuple[int, int]], inner: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """One span per postal address: address fragments joined across the place and postcode
    lines between them.

    presidio labels the lines of one multi-line address by slot ("9448 175 Iroon Polytechniou
    Avenue / Apt. 683" address, "Soloi", "Cyprus" GPE, "75263" address), which makes the
    trailing postcode an "address" of its own. A place line only bridges two address
    fragments; places before the first or after the last fragment stay outside the span.
    """
    tagged = sorted([(s, e, True) for s, e in addresses] + [(s, e, False) for s, e in inner])
    runs: list[list[tuple[int, int, bool]]] = []
    for s, e, is_addr in tagged:
        if runs and _ADDRESS_JOIN.fullmatch(text[runs[-1][-1][1] : s]) is not None:
            runs[-1].append((s, e, is_addr))
        else:
            runs.append([(s, e, is_addr)])
    out = []
    for run in runs:
        parts = [(s, e) for s, e, is_addr in run if is_addr]
        if parts:
            out.append((parts[0][0], max(e for _, e in parts)))
    return out


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def pair_spans(
    gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]]
) -> tuple[list[int], list[int]]:
    """Indices of the gold spans no prediction matches and of the predictions matching no
    gold: a prediction matches one gold span of its kind at IoU >= 0.5, first come first."""
    missed: list[int] = []
    used: set[int] = set()
    for i, (kind, s, e) in enumerate(gold):
        for j, (pk, ps, pe) in enumerate(pred):
            if j not in used and pk == kind and _iou((s, e), (ps, pe)) >= 0.5:
                used.add(j)
                break
        else:
            missed.append(i)
    return missed, [j for j in range(len(pred)) if j not in used]


def match_spans(
    gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]]
) -> dict[str, list[int]]:
    """tp, fp, fn per kind: a prediction matches one gold span of its kind at IoU >= 0.5."""
    missed, spurious = pair_spans(gold, pred)
    counts: dict[str, list[int]] = {}
    for i, (kind, _, _) in enumerate(gold):
        counts.setdefault(kind, [0, 0, 0])[2 if i in missed else 0] += 1
    for j in spurious:
        counts.setdefault(pred[j][0], [0, 0, 0])[1] += 1
    return counts


def token_counts(
    text: str, gold: list[tuple[int, int]], pred: list[tuple[int, int]]
) -> tuple[int, int, int]:
    """tp, fp, fn over whitespace tokens, each labelled in or out of a span.

    This is how presidio-research's evaluator scores (per token, IO tags), so its figure can
    be set beside published ones; a token counts as in a span when any of it is.
    """
    tp = fp = fn = 0
    for m in _TOKEN.finditer(text):
        g = any(s < m.end() and m.start() < e for s, e in gold)
        p = any(s < m.end() and m.start() < e for s, e in pred)
        tp += g and p
        fp += p and not g
        fn += g and not p
    return tp, fp, fn


ADDRESS_KEYS = {
    "fragments": "street-address",
    "merged": "street-address (merged addresses)",
    "postal": "street-address (postal addresses)",
    "tokens": "street-address (tokens)",
}
MICRO_KEY = "all six (micro, postal addresses)"


ADDRESS = "street-address"


def judged_gold(text: str, spans: Sequence[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """A presidio record's gold spans of the claimed types as the target judges them: each
    type as labelled, except street addresses, which count once per postal address."""
    gold = [(PII_TYPES[t], s, e) for t, s, e in spans if t in PII_TYPES]
    parts = [(s, e) for k, s, e in gold if k == ADDRESS]
    inner = [(s, e) for t, s, e in spans if t in _ADDRESS_INNER]
    whole = [(ADDRESS, s, e) for s, e in bridge_postal(text, parts, inner)]
    return [g for g in gold if g[0] != ADDRESS] + whole


def privacy_spans() -> dict[str, dict[str, float]]:
    """Span P/R/F1 per claimed entity type on presidio-synthetic-pii (IoU >= 0.5, same type).

    Street addresses are scored three ways: per gold fragment as the data labels them, per
    address after merging adjacent fragments (the figure the target is judged on), and per
    whitespace token as presidio-research scores.
    """
    from postcheck.detect.privacy import entities

    kinds = list(PII_TYPES.values())
    counts = {k: [0, 0, 0] for k in kinds}
    merged = [0, 0, 0]
    postal = [0, 0, 0]
    tokens = [0, 0, 0]
    addr = ADDRESS
    for rec in data.presidio():
        gold = [(PII_TYPES[t], s, e) for t, s, e in rec.spans if t in PII_TYPES]
        pred = [p for p in entities(rec.text) if p[0] in counts]
        for kind, c in match_spans(gold, pred).items():
            counts[kind] = [a + b for a, b in zip(counts[kind], c, strict=True)]
        gold_addr = [(s, e) for k, s, e in gold if k == addr]
        pred_addr = [(s, e) for k, s, e in pred if k == addr]
        joined = [(addr, s, e) for s, e in merge_adjacent(rec.text, gold_addr)]
        c = match_spans(joined, [(addr, s, e) for s, e in pred_addr]).get(addr, [0, 0, 0])
        merged = [a + b for a, b in zip(merged, c, strict=True)]
        whole = [g for g in judged_gold(rec.text, rec.spans) if g[0] == addr]
        c = match_spans(whole, [(addr, s, e) for s, e in pred_addr]).get(addr, [0, 0, 0])
        postal = [a + b for a, b in zip(postal, c, strict=True)]
        t = token_counts(rec.text, gold_addr, pred_addr)
        tokens = [a + b for a, b in zip(tokens, t, strict=True)]
    out = {}
    tot = [0, 0, 0]
    for kind, (tp, fp, fn) in counts.items():
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
        out[kind] = _prf(tp, fp, fn)
    out[ADDRESS_KEYS["merged"]] = _prf(*merged)
    out[ADDRESS_KEYS["postal"]] = _prf(*postal)
    out[ADDRESS_KEYS["tokens"]] = _prf(*tokens)
    out["all six (micro)"] = _prf(*tot)
    a = counts[addr]
    rest = [tot[0] - a[0], tot[1] - a[1], tot[2] - a[2]]
    both = [x + y for x, y in zip(rest, postal, strict=True)]
    out[MICRO_KEY] = _prf(both[0], both[1], both[2])
    out["all but street-address (micro)"] = _prf(*rest)
    return out


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
    }


def _cell(s: dict[str, float], kind: str) -> str:
    if s.get("positives_only"):
        return f"R {s['recall']:.3f} (its positives only)"
    if kind == "flag_rate":
        return f"flag {s['flag_rate']:.3f}"
    if kind == "recall":
        return f"R {s['recall']:.3f}"
    out = f"P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}"
    if kind == "macro_f1":
        out += f" mF1 {s['macro_f1']:.3f}"
    return out


def render(
    results: list[Result],
    pii: dict[str, dict[str, float]],
    flags: dict[str, dict[str, float]] | None = None,
) -> str:
    anchor_names = sorted({n for r in results for n in r.anchors})
    lines = []
    head = f"{'signal':<18} {'dataset:split':<44} {'n':>5}  {'postcheck':<40}"
    for n in anchor_names:
        head += f" {n:<40}"
    head += " target"
    lines += [head, "-" * len(head)]
    for r in results:
        row = (
            f"{r.task.signal:<18} {r.task.dataset:<44} {len(r.task.texts):>5}  "
            f"{_cell(r.stats, r.task.kind):<40}"
        )
        for n in anchor_names:
            row += f" {_cell(r.anchors[n], r.task.kind) if n in r.anchors else '-':<40}"
        if r.task.target:
            row += f" {r.task.target}: {'MET' if _met(r) else 'not met'}"
        if r.encoder_share is not None:
            row += f" [reader read {r.encoder_share:.0%}]"
        lines.append(row)
    lines += ["", *render_privacy(pii, flags or {})]
    lines.append("")
    lines.append(
        "Rows marked [epoch, thresholds and bands chosen here] are optimistic: those choices "
        "were made on that split. [locked] rows are scored once per release and never tuned on."
    )
    read = [r for r in results if READING in r.anchors]
    if read:
        lines.append(
            f"'{READING}' scores people, not software: the annotators' own labels on the pool's "
            "texts from that set (any split), against the set's labels, each class's rate "
            "weighted to the reported split's balance. It is the most a detector that follows "
            "the codebook exactly could reach there ("
            + "; ".join(
                f"{r.task.dataset}: {int(r.anchors[READING]['pool_rows'])} texts" for r in read
            )
            + ")."
        )
    return "\n".join(lines)


def render_privacy(
    pii: dict[str, dict[str, float]], flags: dict[str, dict[str, float]]
) -> list[str]:
    lines = ["privacy: span P/R/F1 on presidio-synthetic-pii (all 1,500; IoU >= 0.5, same type)"]
    for kind, s in pii.items():
        lines.append(
            f"  {kind:<36} tp {s['tp']:>5} fp {s['fp']:>5} fn {s['fn']:>5}  "
            f"P {s['precision']:.3f} R {s['recall']:.3f} F1 {s['f1']:.3f}"
        )
    lines.append(
        "  target (span F1 >= 0.90 per claimed type) is judged per postal address: presidio's"
        " templates cut one address into gold fragments by slot ('846' + 'Via Roma 131';"
        " street / city GPE / country GPE / postcode), which no reader or redactor sees as"
        " separate addresses. 'merged' joins only touching fragments; 'postal' also joins"
        " them across the city and country lines between them; all four figures are shown."
    )
    judged = [k for k in PII_TYPES.values() if k != "street-address"]
    judged += [ADDRESS_KEYS["postal"], MICRO_KEY]
    for key in judged:
        if key in pii:
            met = "MET" if pii[key]["f1"] >= 0.9 else "not met"
            lines.append(f"  target F1 >= 0.90, {key}: {met}")
    for name, f in flags.items():
        lines.append(
            f"  street-address flag rate on {name}: {int(f['flagged'])}/{int(f['n'])}"
            f" = {f['flag_rate']:.4f} (must stay <= 0.005)"
        )
    return lines


def address_flag_rates(sets: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """How often posts with no address in them get a street-address span (precision guard)."""
    from postcheck.detect.privacy import entities

    out = {}
    for name, texts in sets.items():
        n = sum(any(k == "street-address" for k, _, _ in entities(t)) for t in texts)
        out[name] = {
            "n": float(len(texts)),
            "flagged": float(n),
            "flag_rate": n / len(texts) if texts else 0.0,
        }
    return out


def everyday_sets() -> dict[str, list[str]]:
    """Posts that hold no street address: everyday tweets and the project's own val sets."""
    return {
        "tweeteval/emotion+irony:val (everyday)": [e.text for e in data.everyday("val")],
        "project sets:val": [
            r.text for n in data.PROJECT_SETS for r in data.project_rows(n, "val")
        ],
    }


def _met(r: Result) -> bool:
    t, s = r.task.target, r.stats
    if t.startswith("macro-F1 >= "):
        return s["macro_f1"] >= float(t.split(">= ")[1])
    if t.startswith("F1 >= "):
        return s["f1"] >= float(t.split(">= ")[1])
    if t.startswith("recall >= "):
        return s["recall"] >= float(t.split(">= ")[1])
    if t.startswith("flag rate <= "):
        return s["flag_rate"] <= float(t.split("<= ")[1])
    return False


def worst_errors(
    results: list[Result], k: int = 10, privacy: dict[str, list[SpanError]] | None = None
) -> str:
    """The most confident mistakes per signal and dataset, and the worst privacy span errors
    (from `privacy_errors`) when given, as Markdown."""
    out = ["# Worst errors per signal (most confident false positives and negatives)", ""]
    for r in results:
        y = r.task.labels.astype(bool)
        fp = np.flatnonzero(r.fired & ~y)
        fn = np.flatnonzero(~r.fired & y)
        if not len(fp) and not len(fn):
            continue
        out.append(f"## {r.task.signal} on {r.task.dataset}")
        out.append("")
        if len(fp):
            out.append(f"False positives ({len(fp)}; highest score first):")
            out.append("")
            for i in fp[np.argsort(-r.scores[fp])][:k]:
                out.append(f"- {r.scores[i]:.2f} {_shown(r.task, int(i))}")
            out.append("")
        if len(fn):
            out.append(f"False negatives ({len(fn)}; lowest score first):")
            out.append("")
            for i in fn[np.argsort(r.scores[fn])][:k]:
                out.append(f"- {r.scores[i]:.2f} {_shown(r.task, int(i))}")
            out.append("")
    if privacy:
        out += render_privacy_errors(privacy, k)
    return "\n".join(out)


@dataclass(frozen=True)
class SpanError:
    """One privacy span the target counts against the detector."""

    kind: str
    missed: bool  # True: a gold span no prediction matched (false negative)
    text: str  # the whole text of the record
    start: int
    end: int
    #: Best IoU with a span of the same kind on the other side (0: nothing overlaps).
    overlap: float
    #: That nearest span (start, end), if any overlaps.
    near: tuple[int, int] | None


def privacy_errors(
    records: Iterable[data.PiiRecord],
    find: Callable[[str], list[tuple[str, int, int]]] | None = None,
) -> dict[str, list[SpanError]]:
    """Every privacy span error per claimed kind, judged as `privacy_spans` judges the target
    (IoU >= 0.5, same kind, street addresses per postal address), worst first: spans that
    nothing overlaps before boundary disagreements. `find` defaults to the real detector."""
    if find is None:
        from postcheck.detect.privacy import entities

        find = entities
    claimed = set(PII_TYPES.values())
    out: dict[str, list[SpanError]] = {}
    for rec in records:
        gold = judged_gold(rec.text, rec.spans)
        pred = [p for p in find(rec.text) if p[0] in claimed]
        missed, spurious = pair_spans(gold, pred)
        for span, others, is_missed in (
            *((gold[i], pred, True) for i in missed),
            *((pred[j], gold, False) for j in spurious),
        ):
            kind, s, e = span
            near = max(
                ((_iou((s, e), (os, oe)), (os, oe)) for ok, os, oe in others if ok == kind),
                default=(0.0, None),
            )
            out.setdefault(kind, []).append(
                SpanError(kind, is_missed, rec.text, s, e, near[0], near[1] if near[0] else None)
            )
    for errs in out.values():
        errs.sort(key=lambda x: (x.overlap, not x.missed))
    return out


def render_privacy_errors(errors: dict[str, list[SpanError]], k: int = 10) -> list[str]:
    """Markdown for the worst privacy span errors, each entity shown in its context."""
    out = []
    for kind in PII_TYPES.values():
        errs = errors.get(kind, [])
        if not errs:
            continue
        out += [f"## privacy ({kind}) on presidio-synthetic-pii (judged per postal address)", ""]
        for missed, title in ((True, "False negatives"), (False, "False positives")):
            group = [x for x in errs if x.missed is missed]
            if not group:
                continue
            what = "gold spans missed" if missed else "predicted spans matching no gold"
            out += [f"{title} ({len(group)} {what}; least overlap first):", ""]
            for x in group[:k]:
                line = f"- IoU {x.overlap:.2f} `{_in_context(x.text, x.start, x.end)}`"
                if x.near is not None:
                    side = "predicted" if missed else "gold"
                    line += f" ({side}: `{_clip(x.text[x.near[0] : x.near[1]], 80)}`)"
                out.append(line)
            out.append("")
    return out


def _in_context(text: str, start: int, end: int, width: int = 60) -> str:
    """The span marked with [[ ]] and up to `width` characters either side, on one line."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    left = ("…" if start > width else "") + before
    right = after + ("…" if end + width < len(text) else "")
    shown = f"{left}[[{text[start:end]}]]{right}"
    return " ".join(shown.split()).replace("`", "'")


def _shown(task: Task, i: int) -> str:
    if task.ids is not None:
        return f"`{task.ids[i]}` (text not copied: see the set itself)"
    return f"`{_clip(task.texts[i])}`"


def _clip(t: str, n: int = 160) -> str:
    t = " ".join(t.split()).replace("`", "'")
    return t if len(t) <= n else t[: n - 1] + "…"


def as_json(
    results: list[Result],
    pii: dict[str, dict[str, float]],
    flags: dict[str, dict[str, float]] | None = None,
) -> dict[str, Any]:
    return {
        "schema": "postcheck-evaluate/1",
        "rows": [
            {
                "signal": r.task.signal,
                "dataset": r.task.dataset,
                "kind": r.task.kind,
                "target": r.task.target,
                "met": _met(r) if r.task.target else None,
                "postcheck": r.stats,
                "anchors": r.anchors,
                "encoder_share": r.encoder_share,
            }
            for r in results
        ],
        "privacy_spans": pii,
        "privacy_judged_on": [
            *(k for k in PII_TYPES.values() if k != "street-address"),
            ADDRESS_KEYS["postal"],
        ],
        "address_flag_rates": flags or {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m postcheck.evaluate", description=__doc__)
    parser.add_argument(
        "--errors-out",
        type=Path,
        default=None,
        help="write the ten worst errors per signal/dataset (Markdown) here",
    )
    parser.add_argument(
        "--no-anchors", action="store_true", help="skip alt-profanity-check and better-profanity"
    )
    parser.add_argument(
        "--include-test",
        action="store_true",
        help="also report the project's held-out test files (final report only)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    return run(args.errors_out, not args.no_anchors, args.include_test, args.format)


def run(errors_out: Path | None, anchors: bool, include_test: bool, fmt: str) -> int:
    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    try:
        tasks = build_tasks(include_test)
        results = evaluate_tasks(tasks, anchors, log)
        pii = privacy_spans()
        flags = address_flag_rates(everyday_sets())
    except DatasetMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if fmt == "json":
        print(json.dumps(as_json(results, pii, flags), indent=1))
    else:
        print(render(results, pii, flags))
    if errors_out is not None:
        errors_out.parent.mkdir(parents=True, exist_ok=True)
        try:
            spans = privacy_errors(data.presidio())
        except DatasetMissing as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        # Locked splits are scored, never looked into: their errors stay out of the file.
        open_results = [r for r in results if "locked" not in r.task.dataset]
        errors_out.write_text(worst_errors(open_results, privacy=spans), encoding="utf-8")
        log(f"worst errors written to {errors_out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
