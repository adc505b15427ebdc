"""The fast readers: one n-gram model per signal, learned from the labelled pool and from the
multi-label transformer's reading of unlabelled real text (distillation).

    python -m postcheck.training.students [--no-teacher]

Every signal's student is a logistic regression over hashed n-grams (`fit_student`), so bulk
work runs at n-gram speed; the posts a student is unsure of go to the transformer (the bands
are chosen here, on val, with the share of everyday posts read capped). Train on the pool's
train split, choose C and thresholds on its val split; dev-test and the New Zealand
development tweets are never read here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.detect.reader import SIGNAL_LABELS
from postcheck.detect.trained import MODELS_DIR, forget_models, recentre
from postcheck.training import linear, multilabel, pool
from postcheck.training.data import datasets_dir

VERSION = "2"
SEED = linear.SEED

#: Signal name (the public contract) -> the codebook label it learns. Harassment and privacy
#: have too few real examples for an n-gram student: the reader alone reads them.
STUDENTS: dict[str, str] = {
    sig: lab
    for sig, lab in SIGNAL_LABELS.items()
    if sig not in ("harassment", "privacy", "jurisdiction_nz", "jurisdiction_foreign")
}

#: Unlabelled real texts the transformer labels for the students (train splits only, and
#: never a text in the pool's val or dev-test or the New Zealand development set).
TRANSFER_LIMIT = 24000
#: With more sources: above the 66,748 texts every source set's train side holds, so all are read.
WIDE_TRANSFER_LIMIT = 100000


def transfer_texts(
    exclude: set[str], limit: int | None = None, sources: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(source, text) of unlabelled train-split texts, a fixed sample: of the tweet sets and
    antiwork posts (15,853 today), and of each set named in `sources` (`MORE_SOURCES`;
    all of them make 66,748)."""
    if limit is None:
        limit = WIDE_TRANSFER_LIMIT if sources else TRANSFER_LIMIT
    cands = _transfer_candidates(sources)
    out = []
    seen = set(exclude)
    rng = random.Random(SEED)
    rng.shuffle(cands)
    for src, text in cands:
        if pool.split_of(src) != "train":
            continue
        t = pool.fold(text)
        key = t.lower()
        if len(t) < 10 or key in seen or pool.copies_nz_dev(t):
            continue
        seen.add(key)
        out.append((src, t))
        if len(out) >= limit:
            break
    return out


def _transfer_candidates(sources: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(source, raw text) of every unlabelled text the teacher may read, in a fixed order (the
    sample's shuffle depends on it); the New Zealand development tweets are left out."""
    d = datasets_dir()
    cands: list[tuple[str, str]] = []
    dev = pool.nz_dev_ids()
    for i, row in enumerate(pool._jsonl(d / "nz-pm-tweets-2020" / "tweets.jsonl")):
        if i not in dev:
            cands.append((f"nz-pm-tweets-2020:{i}", row["text"]))
    for task in ("offensive", "hate", "emotion", "irony"):
        for i, t in enumerate(pool._lines(d / "tweeteval" / task / "train_text.txt")):
            cands.append((f"tweeteval/{task}:train:{i}", t))
    for i, row in enumerate(pool._jsonl(d / "tweettopic-xl-en" / "en_train.jsonl")):
        cands.append((f"tweettopic:train:{i}", row["text"]))
    for row in pool._jsonl(d / "reddit-antiwork" / "posts.jsonl"):
        cands.append((f"reddit-antiwork:{row['id']}", row["text"]))
    # In MORE_SOURCES' order whatever order they were named in: the sample depends on it.
    for name, more in MORE_SOURCES.items():
        if name in sources:
            cands += more(d)
    return cands


# Tried 2026-12-07 and not the default (docs/judgement.md): other source sets' train sides,
# so the students see the teacher read abuse, US politics, politicians' own posts and people
# on their jobs more often. P-Stance's val files stay out: `evaluate` measures on them.


def _davidson(d: Path) -> list[tuple[str, str]]:
    rows = pool._csv(d / "davidson-hate-offensive" / "data" / "labeled_data.csv")
    return [(f"davidson:{i}", row["tweet"]) for i, row in enumerate(rows)]


def _politicians(d: Path) -> list[tuple[str, str]]:
    rows = pool._csv(d / "political-social-media" / "political_social_media.csv", "utf-8-sig")
    return [(f"political-social-media:{i}", row["text"]) for i, row in enumerate(rows)]


def _insults(d: Path) -> list[tuple[str, str]]:
    out = []
    for i, _ in enumerate(pool._csv(d / "insults-social-commentary" / "train.csv")):
        source = f"insults-social-commentary:train:{i}"
        out.append((source, pool.resolve(source)))
    return out


def _p_stance(d: Path) -> list[tuple[str, str]]:
    out = []
    for part in ("train_trump", "train_biden", "train_bernie"):
        for i, row in enumerate(pool._csv(d / "p-stance" / f"raw_{part}.csv")):
            out.append((f"p-stance:{part}:{i}", row["Tweet"]))
    return out


def _glassdoor(d: Path) -> list[tuple[str, str]]:
    out = []
    for i, row in enumerate(pool._csv(d / "glassdoor-reviews-subset" / "glassdoor_reviews.csv")):
        for side in ("pros", "cons"):
            if row[side]:
                out.append((f"glassdoor:{i}:{side}", row[side]))
    return out


#: Source sets the teacher may also read (`--add-source`; `--wide-transfer` reads them all).
MORE_SOURCES: dict[str, Callable[[Path], list[tuple[str, str]]]] = {
    "davidson": _davidson,
    "politicians": _politicians,
    "insults": _insults,
    "p-stance": _p_stance,
    "glassdoor": _glassdoor,
}


def _read_chunk(texts: list[str]) -> np.ndarray:
    from postcheck.detect.reader import shared_reader

    # The process's reader (single-threaded by default), loaded once, on the first chunk.
    reader = shared_reader()
    assert reader is not None  # the parent checked
    return reader.probs(texts)


def teacher_readings(
    texts: Sequence[str], log: Callable[[str], None]
) -> dict[str, tuple[np.ndarray, float]]:
    """The shipped multi-label reader's probability on `texts` and its val threshold, per
    student signal (empty when the package ships no reader). One single-threaded reader per
    core: each post is read on its own (`Reader.read`), so processes scale and threads do not."""
    from multiprocessing import get_context

    from postcheck.detect.reader import load_reader

    reader = load_reader(threads=1)
    if reader is None:
        return {}
    t0 = time.time()
    chunks = [list(texts[i : i + 2000]) for i in range(0, len(texts), 2000)]
    parts: list[np.ndarray] = []
    with get_context("spawn").Pool(os.cpu_count() or 1) as workers:
        for part in workers.imap(_read_chunk, chunks):
            parts.append(part)
            log(f"  teacher read {sum(len(p) for p in parts)}/{len(texts)}")
    probs = np.concatenate(parts) if parts else np.zeros((0, len(reader.outputs)))
    log(f"teacher read {len(texts)} texts in {time.time() - t0:.0f}s")
    return {
        sig: (probs[:, reader.column(lab)], reader.threshold(lab))
        for sig, lab in STUDENTS.items()
        if reader.has(lab)
    }


GRID = (2.0, 8.0)


def _fit(x: Any, y: np.ndarray, w: np.ndarray, c: float) -> Any:
    from sklearn.linear_model import LogisticRegression

    # The dual solver is the fast one when features (786k hashed n-grams) outnumber rows.
    clf = LogisticRegression(
        C=c,
        solver="liblinear",
        dual=True,
        class_weight="balanced",
        max_iter=3000,
        random_state=SEED,
    )
    return clf.fit(x, y, sample_weight=w)


@dataclass(frozen=True)
class StudentData:
    """What one student learns from (x, y, w: features, labels, row weights) and is chosen on
    (xv, yv: the val split), with the everyday guard's features where its flag rate is capped."""

    x: Any
    y: np.ndarray
    w: np.ndarray
    xv: Any
    yv: np.ndarray
    xg: Any | None = None
    #: Val row weights for every choice (C, targets, threshold); None: each row counts once.
    wv: np.ndarray | None = None


def fit_student(data: StudentData, log: Callable[[str], None]) -> linear.Fitted:
    """C on val; Platt scaling on val decision values; threshold on val, with the everyday
    guard's flag rate capped. Featurising once for all signals and calibrating on val (the
    split every choice is made on, and whose figures are marked optimistic) keeps a full
    retrain of eleven students to minutes."""
    from sklearn.linear_model import LogisticRegression

    x, y, w, xv, yv, xg = data.x, data.y, data.w, data.xv, data.yv, data.xg
    best: tuple[float, float, Any] | None = None
    for c in GRID:
        clf = _fit(x, y, w, c)
        z = clf.decision_function(xv)
        _, f = linear.best_threshold(yv, linear._sigmoid(z), "f1", weight=data.wv)
        log(f"    C={c:<5} val f1={f:.4f} (best threshold)")
        if best is None or f > best[1]:
            best = (c, f, clf)
    assert best is not None
    c, _, clf = best
    zv = clf.decision_function(xv)
    if 0 < yv.sum() < len(yv):
        platt = LogisticRegression(C=1e4, solver="lbfgs").fit(zv.reshape(-1, 1), yv)
        a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    else:  # no positive in val (confidential is that rare): the raw logistic output
        a, b = 1.0, 0.0
    prob = linear._sigmoid(a * zv + b)
    gprob = linear._sigmoid(a * clf.decision_function(xg) + b) if xg is not None else None
    guard = (gprob, 0.03) if gprob is not None else None
    threshold, _ = linear.best_threshold(yv, prob, "f1", guard, data.wv)
    stats = linear.f1_stats(yv, (prob >= threshold).astype(int))
    if data.wv is not None:
        stats["f1_weighted"] = linear.f1_stats(yv, (prob >= threshold).astype(int), data.wv)["f1"]
    if gprob is not None:
        stats["guard_flag_rate"] = float(np.mean(gprob >= threshold))
    stats["brier"] = float(np.mean((prob - yv) ** 2))
    stats["n"] = float(len(yv))
    w_ = np.asarray(clf.coef_[0], dtype=np.float64)
    return linear.Fitted(w_, float(clf.intercept_[0]), a, b, threshold, c, val_scores=stats)


def _with_teacher(
    x: Any, y: np.ndarray, w: np.ndarray, taught: tuple[np.ndarray, float], soft: bool
) -> tuple[np.ndarray, np.ndarray, Any]:
    """The pool's rows (the first len(y) of `x`) and the transfer texts after them, labelled
    by the teacher: its decision at its threshold (hard), or each text twice, as a positive
    weighted by the teacher's re-centred probability and as a negative by the rest (soft), so
    the student also learns how sure the teacher was."""
    from scipy.sparse import vstack

    prob, threshold = taught
    n = len(y)
    if not soft:
        decided = (prob >= threshold).astype(int)
        return (
            np.concatenate([y, decided]),
            np.concatenate([w, np.full(len(prob), TEACHER_WEIGHT)]),
            x,
        )
    q = np.array([recentre(float(p), threshold) for p in prob])
    moved = x[n:]
    return (
        np.concatenate([y, np.ones(len(q), dtype=int), np.zeros(len(q), dtype=int)]),
        np.concatenate([w, TEACHER_WEIGHT * q, TEACHER_WEIGHT * (1.0 - q)]),
        vstack([x[:n], moved, moved], format="csr"),
    )


#: A transfer text weighs half a labelled row: the teacher's reading is not an annotator's.
TEACHER_WEIGHT = 0.5
#: How a student may learn the teacher's reading (`_with_teacher`), tried in this order on
#: val (ties go to the first): its decisions at its operating threshold (hard), or at the
#: sigmoid's midpoint 0.5 (midpoint); the wide transfer tries its confidence too (soft). The
#: midpoint is there because an operating threshold chosen for one-draft precision (political
#: 0.70 once val held the 1,227 held New Zealand posts) taught the students too few opinions:
#: bulk recall on nz-posts-v1 dev fell from 0.47 to 0.37.
TARGETS = ("hard", "midpoint")
WIDE_TARGETS = ("hard", "soft")


def _fit_taught(
    signal: str,
    data: StudentData,
    taught: tuple[np.ndarray, float],
    choices: Sequence[str],
    log: Callable[[str], None],
) -> tuple[str, float, linear.Fitted]:
    """One student fitted on each way of learning the teacher's reading in `choices`, and
    the one that scores best on val (weighted where `data.wv` is), with the cut its targets
    were made at. `data` holds the pool's rows; the transfer texts' rows follow them in
    `data.x`."""
    prob, thr = taught
    chosen_by = "f1" if data.wv is None else "f1_weighted"
    fits = []
    for targets in choices:
        cut = 0.5 if targets == "midpoint" else thr
        if targets == "midpoint" and cut == thr:
            continue  # the same decisions as "hard": the same student
        log(f"  {signal}, the teacher's {targets} targets")
        ys, ws, xs = _with_teacher(data.x, data.y, data.w, (prob, cut), soft=targets == "soft")
        fits.append((targets, cut, fit_student(replace(data, x=xs, y=ys, w=ws), log)))
    return max(fits, key=lambda f: f[2].val_scores[chosen_by])


def train(
    use_teacher: bool = True,
    log: Callable[[str], None] = print,
    wide: bool = False,
    weigh_val: bool = False,
    sources: Sequence[str] = (),
) -> dict[str, Any]:
    """Train every student and write it to the package. `wide` adds every source set in
    `MORE_SOURCES` and lets each student learn the teacher's confidence; `sources` adds only
    those named (decisions only, as shipped)."""
    from postcheck.detect.features import featurise

    random.seed(SEED)
    np.random.seed(SEED)
    tr, va = pool.rows("train"), pool.rows("val")
    extra: list[tuple[str, str]] = []
    taught: dict[str, tuple[np.ndarray, float]] = {}
    if use_teacher:
        exclude = {r.text.lower() for r in pool.rows()}
        extra = transfer_texts(exclude, sources=tuple(MORE_SOURCES) if wide else sources)
        taught = teacher_readings([t for _, t in extra], log)
        if not taught:
            extra = []
    t0 = time.time()
    x = featurise([r.text for r in tr] + [t for _, t in extra]).to_scipy()
    xv = featurise([r.text for r in va]).to_scipy()
    xg = featurise(everyday_guard()).to_scipy()
    log(f"featurised {x.shape[0]} train rows in {time.time() - t0:.0f}s")
    n_pool = len(tr)
    w_pool = np.array([multilabel.row_weight(r) for r in tr])
    # With weigh_val, every choice weighs val rows as the loss weighs train rows (a collected
    # New Zealand post three times), as the reader's thresholds are chosen.
    wv = np.array([multilabel.row_weight(r) for r in va]) if weigh_val else None
    cards: dict[str, Any] = {}
    for signal, label in STUDENTS.items():
        t0 = time.time()
        y = np.array([r.y(label) for r in tr])
        yv = np.array([r.y(label) for r in va])
        guard = xg if signal in ("political", "disrespect", "grievance") else None
        positives = int(y.sum())
        if signal in taught:
            prob, thr = taught[signal]
            # The teacher's decisions (at its threshold or at 0.5) or its confidence,
            # whichever the student learns better from on val: like C, a choice per signal.
            pooled = StudentData(x, y, w_pool, xv, yv, guard, wv)
            choices = WIDE_TARGETS if wide else TARGETS
            targets, cut, fitted = _fit_taught(signal, pooled, (prob, thr), choices, log)
            positives += int((prob >= cut).sum())
        else:
            targets = None
            fitted = fit_student(StudentData(x[:n_pool], y, w_pool, xv, yv, guard, wv), log)
        path = MODELS_DIR / f"{signal}.npz"
        meta = {
            "trained": dt.date.today().isoformat(),
            "learns": label,
            "train_rows": n_pool + (len(extra) if signal in taught else 0),
            "train_positive": positives,
            "transformer_labelled": len(extra) if signal in taught else 0,
            "teacher_targets": targets,
            "val_rows": len(va),
            "val_positive": int(yv.sum()),
            "val_scores": fitted.val_scores,
            "threshold": fitted.threshold,
            "C": fitted.C,
            "seed": SEED,
        }
        linear.save(path, signal, VERSION, fitted, meta)
        cards[signal] = meta
        vs = fitted.val_scores
        log(
            f"{signal}: P {vs['precision']:.3f} R {vs['recall']:.3f} F1 {vs['f1']:.3f} "
            f"(thr {fitted.threshold}) {time.time() - t0:.0f}s"
        )
    forget_models()
    (MODELS_DIR / "students.json").write_text(
        json.dumps(cards, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return cards


#: The share of everyday posts the reader may be asked to read in bulk work: it is what keeps
#: a 100,000-post scan near n-gram speed.
MAX_GUARD_READ = 0.02
LO_GRID = (0.15, 0.25, 0.4, 0.55, 0.7, 0.8, 0.9)
HI_GRID = (0.0, 0.05, 0.1, 0.25, 0.5)
CHOOSE_ON = ("political", "persuasion", "disrespect", "profanity", "grievance", "hate")
#: Students whose uncertainty sends a post to the reader in bulk work: the signals the law and
#: the guidance turn on most. Every band reads its share of ordinary posts, and at 13 ms a
#: reading more bands would take bulk work under 1,000 posts/s; the other signals' posts are
#: read when one of these is unsure, and always in one-draft reading.
BANDED = ("political", "persuasion", "disrespect", "hate")


def _in_band(prob: np.ndarray, thr: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Rows some banded student is unsure of: [lo·t, t + hi·(1 − t)] around its threshold t
    (`prob` and `thr` hold a column for every student, in STUDENTS' order)."""
    banded = np.array([n in BANDED for n in STUDENTS])
    lo_abs = np.where(banded, thr * lo, 2.0)  # 2.0: never in a band
    hi_abs = thr + (1 - thr) * hi
    return np.asarray(((prob >= lo_abs) & (prob <= hi_abs)).any(axis=1))


def _grid_band(
    cascade: Cascade, gprob: np.ndarray, log: Callable[[str], None]
) -> tuple[float, float]:
    """The (lo, hi) of LO_GRID × HI_GRID with the best cascade mean F1 on val whose bands
    read at most MAX_GUARD_READ of everyday posts; else the one that reads least."""
    best: tuple[float, float, float, float] | None = None
    narrowest: tuple[float, float, float, float] | None = None
    for lo in LO_GRID:
        for hi in HI_GRID:
            score = cascade.f1s_reading(_in_band(cascade.prob, cascade.thr, lo, hi))[0]
            share = float(_in_band(gprob, cascade.thr, lo, hi).mean())
            if narrowest is None or share < narrowest[3]:
                narrowest = (score, lo, hi, share)
            if share <= MAX_GUARD_READ and (best is None or score > best[0] + 1e-4):
                best = (score, lo, hi, share)
    over = best is None
    chosen = narrowest if best is None else best
    assert chosen is not None  # the grids are not empty
    score, lo, hi, share = chosen
    log(
        f"bands: lo {lo}·t, hi t + {hi}·(1 − t): val mean F1 {score:.4f}, everyday read "
        f"{share:.3f}{f' (over the {MAX_GUARD_READ} cap: no band keeps within it)' * over}"
    )
    return lo, hi


def choose_bands(log: Callable[[str], None] = print) -> dict[str, list[float]]:
    """Each banded student's band (relative to its threshold t: [lo·t, t + hi·(1 − t)]),
    chosen on the pool's val split for the mean F1 of the cascade, with the share of everyday
    posts the reader must read capped; then the students the reader confirms
    (`choose_confirmed`). Written into the reader's card."""
    from postcheck.detect import trained
    from postcheck.detect.reader import SIGNAL_LABELS, load_reader

    reader = load_reader(threads=2)
    if reader is None:
        return {}
    va = pool.rows("val")
    names = tuple(STUDENTS)
    _, prob = trained._ngram([r.text for r in va], names)
    _, gprob = trained._ngram(everyday_guard(), names)
    thr = np.array([trained.model_for(n).threshold for n in names])  # type: ignore[union-attr]
    read = reader.probs([r.text for r in va])
    labels = [SIGNAL_LABELS[n] for n in names]
    cascade = Cascade(
        names,
        prob,
        thr,
        np.zeros(len(va), dtype=bool),
        np.column_stack([read[:, reader.column(lab)] >= reader.threshold(lab) for lab in labels]),
        {n: np.array([r.y(STUDENTS[n]) for r in va]) for n in names},
        np.array([pool.is_collected(r) for r in va]),
    )
    lo, hi = _grid_band(cascade, gprob, log)
    cascade = replace(cascade, unsure=_in_band(prob, thr, lo, hi))
    gunsure = _in_band(gprob, thr, lo, hi)
    confirmed, score = choose_confirmed(cascade, log)
    deeper, score = widen_capped(cascade, lo, hi, confirmed, log)
    los = {n: deeper.get(n, lo) for n in BANDED}
    bands = {
        n: [round(float(thr[j] * los[n]), 4), round(float(thr[j] + (1 - thr[j]) * hi), 4)]
        for j, n in enumerate(names)
        if n in BANDED
    }
    for n, n_lo in deeper.items():
        j = names.index(n)
        gunsure |= (gprob[:, j] >= thr[j] * n_lo) & (gprob[:, j] <= thr[j] + (1 - thr[j]) * hi)
    for n in confirmed:
        j = names.index(n)
        # A band from the threshold up: every post the student fires on is read.
        bands[n] = [round(float(thr[j]), 4), 1.0]
        gunsure |= gprob[:, j] >= thr[j]
    share = float(gunsure.mean())
    log(f"confirmed by the reader: {', '.join(confirmed) or 'none'}; everyday read {share:.3f}")
    card_path = MODELS_DIR / "signals.encoder.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    card["bands"] = bands
    card["bulk"] = {
        "val_mean_f1": round(score, 4),
        "everyday_share_read": round(share, 4),
        "confirmed": list(confirmed),
        "max_confirmed_extra": MAX_CONFIRMED_EXTRA,
        "deeper": deeper,
        "max_deeper_extra": {n: CAPPED[n] for n in deeper},
        "lo": lo,
        "hi": hi,
        "max_everyday_share": MAX_GUARD_READ,
    }
    card_path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return bands


@dataclass(frozen=True)
class Cascade:
    """The bulk cascade on val, for choosing what the reader confirms: each student's
    probability and threshold, the posts the bands already send to the reader, the reader's
    decisions, the labels, and which rows are collected New Zealand posts."""

    names: tuple[str, ...]
    prob: np.ndarray
    thr: np.ndarray
    unsure: np.ndarray
    reader_fires: np.ndarray
    ys: dict[str, np.ndarray]
    collected: np.ndarray

    def fires(self, name: str) -> np.ndarray:
        """Rows the `name` student fires on."""
        j = self.names.index(name)
        return np.asarray(self.prob[:, j] >= self.thr[j])

    def f1s(self, confirmed: Sequence[str]) -> tuple[float, float]:
        """`f1s_reading` when every post a `confirmed` student fires on is read too."""
        read = self.unsure.copy()
        for n in confirmed:
            read |= self.fires(n)
        return self.f1s_reading(read)

    def f1s_reading(self, read: np.ndarray) -> tuple[float, float]:
        """Mean F1 over CHOOSE_ON on pool val, and on its collected New Zealand posts, when the
        reader reads the `read` rows (a read post takes the reader's decision for every
        signal, as `trained.score_cascade` does)."""
        pool_f1, nz_f1 = [], []
        for j, n in enumerate(self.names):
            if n not in CHOOSE_ON:
                continue
            pred = np.where(read, self.reader_fires[:, j], self.prob[:, j] >= self.thr[j])
            pred = pred.astype(int)
            pool_f1.append(linear.f1_stats(self.ys[n], pred)["f1"])
            c = self.collected
            if self.ys[n][c].sum():
                nz_f1.append(linear.f1_stats(self.ys[n][c], pred[c])["f1"])
        return float(np.mean(pool_f1)), float(np.mean(nz_f1))


#: Students the reader may confirm in bulk work (every post the student fires on is read):
#: those without a band whose own F1 the cascade is judged on (a confirmation judged only by
#: what it does to other signals could cost its own signal unseen). The grievance student,
#: for one, learnt that talk of work is grievance and fires on people praising their job; the
#: reader does not.
CONFIRMABLE = tuple(n for n in CHOOSE_ON if n not in BANDED)
#: Confirmations may send at most this much more of the val posts to the reader than the
#: bands do. Measured on every val post, not on everyday ones alone: profanity, say, is rare
#: in everyday posts and common in a real archive, and confirming it would have read 17 points
#: more of val (`evaluate`: the pool's val posts read from 18% to 35%, the hate set's from 25%
#: to 51%) for 0.009 of the cascade's mean F1.
MAX_CONFIRMED_EXTRA = 0.05


def choose_confirmed(
    cascade: Cascade, log: Callable[[str], None] = print
) -> tuple[tuple[str, ...], float]:
    """Confirm the students whose confirmation buys the most val F1 per val post read first,
    each only if it raises the cascade's mean F1 on pool val, does not lower it on the
    collected New Zealand posts in val (the posts people will check), and keeps the posts
    read beyond the bands' within MAX_CONFIRMED_EXTRA of val. Returns them and the mean F1."""
    chosen: list[str] = []
    read = cascade.unsure
    base = cascade.f1s_reading(read)
    log(f"cascade mean F1 on val {base[0]:.4f}, on its collected NZ posts {base[1]:.4f}")
    gain = {}
    for n in CONFIRMABLE:
        if n in cascade.names:
            cost = float((cascade.fires(n) & ~read).mean())
            gain[n] = (cascade.f1s([n])[0] - base[0]) / max(cost, 1e-3)
    for n in sorted(gain, key=lambda k: -gain[k]):
        more = read | cascade.fires(n)
        got = cascade.f1s_reading(more)
        extra = float((more & ~cascade.unsure).mean())
        keep = got[0] > base[0] + 1e-4 and got[1] >= base[1] and extra <= MAX_CONFIRMED_EXTRA
        log(
            f"  confirm {n}: val {got[0]:.4f}, NZ {got[1]:.4f}, val posts read "
            f"{more.mean():.3f} (+{extra:.3f}){' (kept)' if keep else ''}"
        )
        if keep:
            chosen.append(n)
            base = got
            read = more
    return tuple(chosen), base[0]


#: Students whose threshold the everyday cap holds above their best-F1 point on val, each with
#: the share of val posts its deeper band may add to the reading (`widen_capped`). The posts
#: just under such a threshold are largely the ones the cap gave up, and the reader, whose own
#: threshold keeps everyday posts quiet, can read them.
#: - political: 0.66 against 0.39 uncapped (F1 0.761 against 0.813).
#: - disrespect (2026-12-08): at 0.53 it flags 2.8% of everyday posts (cap 3%) and finds 46% of
#:   val's disrespect at precision 0.75, where the reader finds 75%; in bulk the collected New
#:   Zealand posts' disrespect F1 was 0.49 against 0.63 in one draft.
#: A speed budget: each point of val read is about a point more of a scan's posts read. With
#: political's 3 and disrespect's 8 (which stopped at 0.7·t, 5 points), a 100,000-post scan
#: took 52.0 s on 2 cores (2026-12-08, `benchmarks/results/scan.txt`). Lower them if speed
#: must win.
CAPPED: dict[str, float] = {"political": 0.03, "disrespect": 0.08}
#: How far below the shared band's start a capped student's band may reach, step by step.
DEEPER_STEPS = (0.85, 0.8, 0.75, 0.7, 0.6, 0.5)


def widen_capped(
    cascade: Cascade,
    lo: float,
    hi: float,
    confirmed: Sequence[str],
    log: Callable[[str], None] = print,
) -> tuple[dict[str, float], float]:
    """Each CAPPED student's band start, in turn, lowered a DEEPER_STEPS step at a time until
    its band would read more of val than its budget (beyond what was read before its turn); a
    step is kept where it raises the cascade's mean F1 on pool val over the last kept one and
    does not lower it on the collected New Zealand posts in val. Returns the lowered starts
    (relative to the threshold) and the mean F1."""
    read = cascade.unsure.copy()
    for n in confirmed:
        read |= cascade.fires(n)
    base = cascade.f1s_reading(read)
    deeper: dict[str, float] = {}
    for n, budget in CAPPED.items():
        if n not in cascade.names:
            continue
        before = read.copy()
        j = cascade.names.index(n)
        p, t = cascade.prob[:, j], cascade.thr[j]
        for step in (x for x in DEEPER_STEPS if x < lo):
            more = read | ((p >= t * step) & (p <= t + (1 - t) * hi))
            got = cascade.f1s_reading(more)
            extra = float((more & ~before).mean())
            keep = got[0] > base[0] + 1e-4 and got[1] >= base[1] and extra <= budget
            log(
                f"  {n} band from {step}·t: val {got[0]:.4f}, NZ {got[1]:.4f}, val posts read "
                f"{more.mean():.3f} (+{extra:.3f}){' (kept)' if keep else ''}"
            )
            if extra > budget:
                break
            if keep:
                deeper[n], base, read = step, got, more
    return deeper, base[0]


def everyday_guard() -> list[str]:
    """Everyday posts that must stay quiet: the pool's val texts that annotators gave no label
    at all (TweetEval's emotion and irony tweets, used before, are one in seven political or
    abusive by the codebook's reading, so a cap on them capped real recall)."""
    return [r.text for r in pool.rows("val") if not r.labels]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--no-teacher", action="store_true")
    ap.add_argument(
        "--wide-transfer",
        action="store_true",
        help="the 2026-12-07 experiment: the teacher reads every source set's train side and "
        "each student may learn its confidence (not the shipped students)",
    )
    ap.add_argument(
        "--weigh-val",
        action="store_true",
        help="choose C, targets and thresholds on val rows weighted as in training",
    )
    ap.add_argument(
        "--add-source",
        action="append",
        default=[],
        choices=tuple(MORE_SOURCES),
        help="one more source set for the teacher to read (repeatable; not the shipped students)",
    )
    args = ap.parse_args(argv)
    train(
        use_teacher=not args.no_teacher,
        wide=args.wide_transfer,
        weigh_val=args.weigh_val,
        sources=args.add_source,
    )
    choose_bands()


if __name__ == "__main__":
    main()
