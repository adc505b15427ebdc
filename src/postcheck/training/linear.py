"""Logistic regression on hashed n-grams, calibrated and exported as int8 numpy weights.

Training uses scikit-learn; the shipped artefact is plain numpy (`postcheck.detect.trained`
reads it), so the package never imports scikit-learn at run time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from postcheck.detect.features import DIM, FEATURES_VERSION, featurise

SEED = 20261121


@dataclass
class Fitted:
    weights: np.ndarray  # float64 (DIM,)
    bias: float
    platt_a: float
    platt_b: float
    threshold: float
    C: float
    val_scores: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _matrix(texts: Sequence[str]) -> Any:
    return featurise(list(texts)).to_scipy()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def f1_stats(y: np.ndarray, pred: np.ndarray, weight: np.ndarray | None = None) -> dict[str, float]:
    """Precision, recall, F1 and macro-F1; with `weight`, each row counts that many times."""
    w = np.ones(len(y)) if weight is None else weight
    tp = float(np.sum(w * ((pred == 1) & (y == 1))))
    fp = float(np.sum(w * ((pred == 1) & (y == 0))))
    fn = float(np.sum(w * ((pred == 0) & (y == 1))))
    tn = float(np.sum(w * ((pred == 0) & (y == 0))))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    p0 = tn / (tn + fn) if tn + fn else 0.0
    r0 = tn / (tn + fp) if tn + fp else 0.0
    f0 = 2 * p0 * r0 / (p0 + r0) if p0 + r0 else 0.0
    return {"precision": p, "recall": r, "f1": f1, "macro_f1": (f1 + f0) / 2}


def best_threshold(
    y: np.ndarray,
    prob: np.ndarray,
    metric: str,
    guard: tuple[np.ndarray, float] | None = None,
    weight: np.ndarray | None = None,
) -> tuple[float, float]:
    """The threshold maximising `metric` on val (rows weighted by `weight`, if given); `guard`
    is (scores of texts that must stay quiet, the highest share of them that may be flagged)."""
    best = (0.5, -1.0)
    for t in np.round(np.arange(0.05, 0.96, 0.01), 2):
        if guard is not None and len(guard[0]) and float(np.mean(guard[0] >= t)) > guard[1]:
            continue
        s = f1_stats(y, (prob >= t).astype(int), weight)[metric]
        # Prefer the threshold closest to 0.5 among ties: less over-fitted to val.
        if s > best[1] + 1e-9 or (abs(s - best[1]) <= 1e-9 and abs(t - 0.5) < abs(best[0] - 0.5)):
            best = (float(t), s)
    return best


def quantise(w: np.ndarray) -> tuple[np.ndarray, float]:
    scale = float(np.max(np.abs(w))) / 127.0 or 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale


#: Fixed sentences whose training-time probabilities are stored in every artefact, so a test
#: can check that the numpy runtime (int8 weights) reproduces what scikit-learn computed.
PROBES = (
    "Kia ora whānau, great hui today.",
    "The Nats are wrecking the country, vote them out.",
    "Polls close at 7pm tonight.",
    "My manager is useless and the restructure is a joke.",
    "Can't say much but the Budget cuts are massive, not announced yet.",
    "you are a pathetic idiot",
    "Go back to where you came from, we don't want your kind here",
    "Loving the new role, such a supportive team!",
    "",
    "🙂🙂🙂",
    "https://example.org/a/b?c=d @someone #tag",
    "Ko te reo Māori te taonga o tātou",
)


def reference_probs(fitted: Fitted, texts: Sequence[str]) -> list[float]:
    """Probabilities from the float64 weights, as scikit-learn would compute them."""
    x = _matrix(texts)
    return [
        float(p)
        for p in _sigmoid(fitted.platt_a * (x @ fitted.weights + fitted.bias) + fitted.platt_b)
    ]


def save(path: Any, name: str, version: str, fitted: Fitted, meta: dict[str, Any]) -> None:
    q, scale = quantise(fitted.weights)
    if q.shape != (DIM,):
        raise ValueError(f"weights have shape {q.shape}, features have {DIM}")
    meta = dict(meta)
    meta.update(
        name=name,
        version=version,
        kind="linear",
        features=FEATURES_VERSION,
        bias=fitted.bias,
        scale=scale,
        platt_a=fitted.platt_a,
        platt_b=fitted.platt_b,
        threshold=fitted.threshold,
        C=fitted.C,
        probes=list(zip(PROBES, reference_probs(fitted, PROBES), strict=True)),
    )
    np.savez_compressed(path, weights=q, meta=np.array(json.dumps(meta)))
