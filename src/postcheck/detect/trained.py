"""Trained text models shipped in the package, loaded lazily and run with numpy only.

Each model is a logistic regression over the hashed n-grams of `features.py`, stored as int8
weights with a scale (`models/<name>.npz`, a Markdown model card beside it). Scores are
calibrated probabilities (Platt scaling fitted on out-of-fold training scores), and each model
carries the decision threshold chosen on its validation split. Nothing here imports more than
numpy, and nothing loads until a detector first asks.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from postcheck.detect import features
from postcheck.detect.language import mostly_reo

if TYPE_CHECKING:
    from postcheck.detect.base import Doc
    from postcheck.detect.reader import Reader

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


class ModelError(ValueError):
    """A shipped model file is missing, damaged or built for other features."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


@dataclass(frozen=True)
class LinearModel:
    name: str
    version: str
    # Kept 8-bit as shipped and dequantised per gathered feature: eleven float32 copies
    # (and a stacked twelfth) cost 66 MB in every worker process of a scan.
    q: np.ndarray  # int8 (DIM,)
    scale: np.float32
    bias: float
    platt_a: float
    platt_b: float
    threshold: float
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        try:
            with np.load(path, allow_pickle=False) as z:
                q = z["weights"]
                meta = json.loads(str(z["meta"]))
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(f"cannot read model {path.name}: {exc}") from exc
        if meta.get("features") != features.FEATURES_VERSION:
            raise ModelError(
                f"model {path.name} was trained on features {meta.get('features')!r}, "
                f"this build computes {features.FEATURES_VERSION!r}: retrain it"
            )
        if q.shape != (features.DIM,):
            raise ModelError(f"model {path.name} has {q.shape} weights, expected {features.DIM}")
        return cls(
            name=meta["name"],
            version=meta["version"],
            q=q.astype(np.int8, copy=False),
            scale=np.float32(meta["scale"]),
            bias=float(meta["bias"]),
            platt_a=float(meta["platt_a"]),
            platt_b=float(meta["platt_b"]),
            threshold=float(meta["threshold"]),
            meta=meta,
        )

    @property
    def weights(self) -> np.ndarray:
        """Every weight as float32 (a full copy: for inspection, not for scoring)."""
        return self.gather(np.arange(len(self.q)))

    def gather(self, ids: np.ndarray) -> np.ndarray:
        """The float32 weights of features `ids`, exactly as a dequantised copy would hold."""
        return self.q[ids].astype(np.float32) * self.scale

    def decision(self, rows: features.SparseRows) -> np.ndarray:
        contrib = self.gather(rows.indices) * rows.data
        sums = np.add.reduceat(contrib, rows.indptr[:-1]) if len(contrib) else np.zeros(0)
        # reduceat gives garbage for empty rows (start == end): zero them explicitly.
        empty = rows.indptr[:-1] == rows.indptr[1:]
        out = np.zeros(rows.n_rows, dtype=np.float64)
        if len(contrib):
            out[~empty] = sums[~empty]
        return out + self.bias

    def calibrate(self, z: np.ndarray) -> np.ndarray:
        return _sigmoid(self.platt_a * z + self.platt_b)


class TextModel:
    """One signal's model: calibrated probability per text, threshold, explanation."""

    def __init__(self, linear: LinearModel):
        self.linear = linear
        self.name = linear.name
        self.version = linear.version
        self.threshold = linear.threshold
        self.meta = linear.meta

    def score_rows(self, rows: features.SparseRows) -> np.ndarray:
        return self.linear.calibrate(self.linear.decision(rows))

    def score_many(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one per text."""
        if not texts:
            return np.zeros(0)
        return self.score_rows(features.featurise(list(texts)))

    def explain(self, text: str, top_k: int = 3) -> list[tuple[int, int, float]]:
        """Character spans of the words that pushed the score up most, strongest first.

        Every n-gram's weight is shared out over the words it touches; a word's weight is the
        sum of its shares, so the spans returned are whole words the reader can recognise.
        """
        ids, vals, starts, ends = _feature_spans(text)
        if not len(ids):
            return []
        contrib = self.linear.gather(ids) * vals
        words = [(m.start(), m.end()) for m in _WORDS.finditer(text)]
        if not words:
            return []
        w_start = np.array([s for s, _ in words])
        w_end = np.array([e for _, e in words])
        lo = np.searchsorted(w_end, starts, side="right")
        hi = np.searchsorted(w_start, ends, side="left")
        ok = hi > lo
        share = contrib[ok] / (hi[ok] - lo[ok])
        # Spread each n-gram's share over the words it touches with a difference array.
        diff = np.zeros(len(words) + 1)
        np.add.at(diff, lo[ok], share)
        np.add.at(diff, hi[ok], -share)
        score = np.cumsum(diff)[:-1]
        order = np.argsort(-score)
        return [
            (int(w_start[i]), int(w_end[i]), round(float(score[i]), 4))
            for i in order[:top_k]
            if score[i] > 0
        ]


@functools.lru_cache(maxsize=64)
def _feature_spans(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    # Several signals of one post explain themselves from the same n-gram occurrences.
    return features.feature_spans(text)


_WORDS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]+")


@functools.cache
def _available() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in MODELS_DIR.glob("*.npz")))


_load_lock = threading.Lock()


@functools.cache
def _load(signal: str) -> TextModel | None:
    path = MODELS_DIR / f"{signal}.npz"
    if not path.exists():
        return None
    return TextModel(LinearModel.load(path))


def model_for(signal: str) -> TextModel | None:
    """The shipped model for `signal`, loaded once; None when the package has none."""
    with _load_lock:
        return _load(signal)


def forget_models() -> None:
    """Drop every loaded model and cached score (training rewrites models mid-process)."""
    for cached in (_available, _load, _loadable, _stack):
        cached.cache_clear()


@functools.cache
def _loadable(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(n for n in names if model_for(n) is not None)


@functools.cache
def _stack(
    names: tuple[str, ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    models = [m for m in (model_for(n) for n in names) if m is not None]
    w = np.stack([m.linear.q for m in models], axis=1)  # int8 (DIM, k)
    scale = np.array([m.linear.scale for m in models], dtype=np.float32)
    bias = np.array([m.linear.bias for m in models])
    a = np.array([m.linear.platt_a for m in models])
    b = np.array([m.linear.platt_b for m in models])
    return w, scale, bias, a, b


def score_all(texts: Sequence[str], names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Every model's calibrated score for every text, featurising each text once."""
    return {n: r.prob for n, r in score_cascade(texts, names).items()}


@dataclass(frozen=True, slots=True)
class Readings:
    """One signal's scores over a batch of texts, with the threshold each one is judged by."""

    prob: np.ndarray  # calibrated probability
    threshold: np.ndarray  # the n-gram model's threshold, or the cascade's where it read
    stage: np.ndarray  # bool: True where the transformer read the text


def names_abroad(text: str) -> bool:
    """The text names a foreign country, leader or conflict (lexicons/foreign.yaml)."""
    from postcheck.detect.base import Doc
    from postcheck.detect.lexicon import shared_matcher
    from postcheck.shapes import Post

    return any(h.category == "foreign" for h in shared_matcher().find(Doc.of(Post(text=text))))


def disguised(text: str) -> bool:
    """Leetspeak that hides a word the lexicons know ("W0rst Pr1me M1n1ster", "cl0wn").

    The students and the lexicons read the text as written, so in bulk such a post scored
    nothing and was called fine unread; the reader reads it spelled back
    (`encoder_text.for_reader`). Tokens that only look like leetspeak ("covid19nz", "SH1",
    "xa0") spell nothing the lexicons know and cost nothing."""
    from postcheck.detect.base import Doc
    from postcheck.detect.encoder_text import spell_back
    from postcheck.detect.lexicon import shared_matcher
    from postcheck.shapes import Post

    plain = spell_back(text)
    if plain == text:
        return False
    matcher = shared_matcher()
    return len(matcher.find(Doc.of(Post(text=plain)))) > len(matcher.find(Doc.of(Post(text=text))))


#: The students whose "no" an abuse word in the lexicons contradicts.
ABUSE_STUDENTS = ("disrespect", "hate", "threat", "sexual")
#: Lexicon categories of words that are abuse wherever they stand (not profanity, which the
#: codebook does not count as abuse, nor group names, which are only a target).
ABUSE_CATEGORIES = frozenset(
    {"insult", "slur", "threat", "harassment", "sexual", "dehumanise", "coded_hate"}
)


def abuse_words(text: str) -> bool:
    """The lexicons find a word or phrase of abuse in the text."""
    from postcheck.detect.base import Doc
    from postcheck.detect.lexicon import shared_matcher
    from postcheck.shapes import Post

    return any(
        h.category in ABUSE_CATEGORIES for h in shared_matcher().find(Doc.of(Post(text=text)))
    )


#: A post longer than LONG_POST is also scored piece by piece. The students learnt from
#: posts of about a tweet's length and their features are normalised over the whole text,
#: so one insulting sentence after three paragraphs about the weekend scored as almost
#: nothing; a piece is whole sentences up to a tweet's length, and a post takes its highest
#: piece.
LONG_POST = 400
PIECE_CHARS = 280


def pieces(text: str) -> list[tuple[int, int]]:
    """(start, end) of pieces of whole sentences, each at most PIECE_CHARS (a longer
    sentence is cut at whitespace), each starting about halfway into the one before, so
    every sentence is read whole beside its neighbour and the cost stays linear."""
    from postcheck.detect.base import sentences

    sents: list[tuple[int, int]] = []
    for s, e in sentences(text):
        while e - s > PIECE_CHARS:
            cut = text.rfind(" ", s + PIECE_CHARS // 2, s + PIECE_CHARS)
            cut = cut if cut > s else s + PIECE_CHARS
            sents.append((s, cut))
            s = cut
        sents.append((s, e))
    out: list[tuple[int, int]] = []
    i = j = 0
    while True:
        start = sents[i][0]
        j = max(j, i)
        while j + 1 < len(sents) and sents[j + 1][1] - start <= PIECE_CHARS:
            j += 1
        out.append((start, sents[j][1]))
        if j == len(sents) - 1:
            return out
        middle = (start + sents[j][1]) // 2
        k = i + 1
        while k <= j and sents[k][0] < middle:
            k += 1
        i = k


def _student_probs(texts: Sequence[str], students: tuple[str, ...]) -> np.ndarray:
    """Each student's probability for each text: the whole text's, or for a long text the
    highest of the whole and its pieces'."""
    if not students:
        return np.zeros((len(texts), 0))
    spans = [pieces(t) if len(t) > LONG_POST else [] for t in texts]
    if not any(spans):
        return _ngram(texts, students)[1]
    rows = list(texts)
    owner = list(range(len(texts)))
    for i, sp in enumerate(spans):
        rows.extend(texts[i][s:e] for s, e in sp)
        owner.extend([i] * len(sp))
    prob = _ngram(rows, students)[1]
    out = prob[: len(texts)].copy()
    np.maximum.at(out, np.array(owner[len(texts) :], dtype=np.intp), prob[len(texts) :])
    return out


def _ngram(texts: Sequence[str], names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(logits, calibrated probabilities), shape (len(texts), len(names))."""
    rows = features.featurise(list(texts))
    w, scale, bias, a, b = _stack(names)
    contrib = (w[rows.indices].astype(np.float32) * scale) * rows.data[:, None].astype(np.float32)
    z = np.zeros((rows.n_rows, len(names)), dtype=np.float64)
    nonempty = np.flatnonzero(rows.indptr[:-1] < rows.indptr[1:])
    if len(contrib):
        sums = np.add.reduceat(contrib, rows.indptr[:-1][nonempty], axis=0)
        z[nonempty] = sums
    logit = a * (z + bias) + b
    return logit, _sigmoid(logit)


def score_cascade(
    texts: Sequence[str],
    names: Sequence[str] | None = None,
    mode: str | None = None,
    must: Sequence[bool] | None = None,
) -> dict[str, Readings]:
    """Every signal's n-gram student on every text; the multi-label reader (`reader.py`) on
    the texts any student is unsure of ("fast"), or on every text ("thorough"). A text the
    reader reads takes the reader's probability and threshold for every signal it outputs,
    including those no student covers (harassment, jurisdiction). `mode` None: the bulk
    mode ($POSTCHECK_ENCODER, else "fast"). `must` marks texts the reader reads in "fast"
    mode whatever the students say (the engine's context: `Engine.check_many`)."""
    from postcheck.detect.encoder import check_mode, mode_for
    from postcheck.detect.reader import shared_reader

    mode = mode_for() if mode is None else check_mode(mode)
    n = len(texts)
    reader = None if mode == "off" else shared_reader()
    students = _loadable(tuple(names) if names is not None else _available())
    if not n:
        return {k: Readings(np.zeros(0), np.zeros(0), np.zeros(0, dtype=bool)) for k in students}
    prob = _student_probs(texts, students)
    out = _student_readings(prob, students)
    if reader is None:
        return out
    for name in _reader_only(reader, students, names):
        out[name] = Readings(np.zeros(n), np.full(n, 0.5), np.zeros(n, dtype=bool))
    if mode == "thorough":
        pick = np.arange(n)
    else:
        pick = _unsure(texts, students, prob, out, reader)
        if must is not None and any(must):
            pick = np.union1d(pick, np.flatnonzero(np.asarray(must, dtype=bool)))
    if len(pick):
        _take_reader(texts, pick, reader, out)
    return out


def _student_readings(prob: np.ndarray, students: tuple[str, ...]) -> dict[str, Readings]:
    """Each student's column of `prob`, judged by the student's own threshold."""
    n = prob.shape[0]
    out: dict[str, Readings] = {}
    for j, name in enumerate(students):
        model = model_for(name)
        assert model is not None  # _loadable kept only names with a model
        out[name] = Readings(prob[:, j].copy(), np.full(n, model.threshold), np.zeros(n, bool))
    return out


def _reader_only(
    reader: Reader, students: tuple[str, ...], names: Sequence[str] | None
) -> tuple[str, ...]:
    """Signals asked for that only the reader gives (no student covers them)."""
    from postcheck.detect.reader import SIGNAL_LABELS

    return tuple(
        s
        for s, lab in SIGNAL_LABELS.items()
        if s not in students and reader.has(lab) and (names is None or s in names)
    )


def _unsure(
    texts: Sequence[str],
    students: tuple[str, ...],
    prob: np.ndarray,
    out: dict[str, Readings],
    reader: Reader,
) -> np.ndarray:
    """Indices of the texts the reader should read in "fast" mode: those a student is unsure
    of, political opinion that names something abroad, and leetspeak that hides a word."""
    unsure = np.zeros(len(texts), dtype=bool)
    for j, name in enumerate(students):
        band = reader.band(name)
        if band is not None:
            unsure |= (prob[:, j] >= band[0]) & (prob[:, j] <= band[1])
    if "political" in students:
        # Only the reader can say an opinion is about another country (jurisdiction);
        # unread, a US election post counts as New Zealand politics. So a political post
        # that names something abroad is read too.
        j = students.index("political")
        opinion = np.flatnonzero((prob[:, j] > out["political"].threshold) & ~unsure)
        unsure[[int(i) for i in opinion if names_abroad(texts[int(i)])]] = True
    unsure[[i for i in np.flatnonzero(~unsure).tolist() if disguised(texts[i])]] = True
    # An abuse word the students all pass over ("kiddie fiddler", "I know where you work"):
    # the lexicon and the students disagree, and unread the students' "no" pulled the word
    # under the line. The reader settles it.
    quiet = ~unsure
    for name in ABUSE_STUDENTS:
        if name in students:
            quiet &= prob[:, students.index(name)] <= out[name].threshold
    unsure[[i for i in np.flatnonzero(quiet).tolist() if abuse_words(texts[i])]] = True
    return np.flatnonzero(unsure)


def _take_reader(
    texts: Sequence[str], pick: np.ndarray, reader: Reader, out: dict[str, Readings]
) -> None:
    """The reader's probability and threshold, in place, for the picked texts."""
    from postcheck.detect.reader import SIGNAL_LABELS

    read, complete = reader.read([texts[int(i)] for i in pick])
    for name, r in out.items():
        label = SIGNAL_LABELS.get(name)
        if label is None or not reader.has(label):
            continue
        p, t = read[:, reader.column(label)], reader.threshold(label)
        # Where the reader stopped short of a very long post's end, a student that fires on
        # the words it did not read keeps its reading: nothing past the reader's reach is
        # called fine unread.
        keep = ~complete & (r.prob[pick] >= r.threshold[pick]) & (p < t)
        take = pick[~keep]
        r.prob[take] = p[~keep]
        r.threshold[take] = t
        r.stage[take] = True


Scores = dict[str, tuple[float, float, bool]]


def batch_scores(
    texts: Sequence[str], mode: str | None = None, must: Sequence[bool] | None = None
) -> list[Scores]:
    """Every text's readings from one vectorised pass (the bulk path: `Engine.check_many`
    hands each post's readings to its detectors through `Doc.scores`; a Doc made without
    them scores its own text once, `Doc.readings`)."""
    if not texts:
        return []
    readings = score_cascade(texts, mode=mode, must=must)
    return [_unpack(readings, i) for i in range(len(texts))]


def _unpack(readings: dict[str, Readings], i: int) -> Scores:
    return {
        k: (float(r.prob[i]), float(r.threshold[i]), bool(r.stage[i])) for k, r in readings.items()
    }


def recentre(prob: float, threshold: float) -> float:
    """Map a calibrated probability so the model's own threshold lands on 0.5.

    Detectors fire at 0.5; each model's best threshold (chosen on validation) differs. The map
    is monotone and piecewise linear, so ranking and the decision are unchanged.
    """
    if threshold <= 0.0 or threshold >= 1.0:
        return prob
    if prob < threshold:
        return 0.5 * prob / threshold
    return 0.5 + 0.5 * (prob - threshold) / (1.0 - threshold)


@dataclass(frozen=True, slots=True)
class ModelView:
    """What one model says about one text, ready to blend with lexicon evidence."""

    signal: str
    prob: float  # calibrated probability
    score: float  # re-centred: >= 0.5 means the model alone would fire
    version: str
    stage: str = "ngram"  # "ngram", or "cascade" where the transformer read the text

    def spans(self, text: str, top_k: int = 3) -> list[tuple[int, int]]:
        model = model_for(self.signal)
        if model is None:
            return []
        return [(s, e) for s, e, _ in model.explain(text, top_k)]

    @property
    def evidence(self) -> str:
        via = "+encoder" if self.stage == "cascade" else ""
        return f"model:{self.signal}@{self.version}{via}={self.prob:.2f}"


def view(signal: str, doc: Doc) -> ModelView | None:
    """The models' reading of the post for `signal`, or None when nothing reads it: the
    student's (and the reader's where it read the post), or the reader's alone for the
    signals no student covers (harassment, jurisdiction): the readings the Doc carries
    (computed for its whole batch, or for this post alone on first use)."""
    text = doc.text
    if not text.strip() or mostly_reo(text):
        # The models learnt English; on te reo they read only unknown word pieces and say
        # "nothing here", so a post mostly in te reo is left to the lexicons (language.py).
        return None
    model = model_for(signal)
    reading = doc.readings().get(signal)
    if reading is None:
        return None
    prob, threshold, by_encoder = reading
    if model is None and not by_encoder:
        return None
    stage = "cascade" if by_encoder else "ngram"
    version = model.version if model is not None else _reader_version()
    return ModelView(signal, prob, recentre(prob, threshold), version, stage)


def _reader_version() -> str:
    from postcheck.detect.reader import shared_reader

    reader = shared_reader()
    return reader.version if reader is not None else "?"


#: How much a lexicon score keeps when the model is sure the post is not an instance (the
#: model's re-centred score is 0). At a model score of 0.25 or more the lexicon keeps all of
#: it. Lexicon rules are precise about *what* matched but blind to context ("the worst of
#: days" in praise); a confident model tempers them without silencing them.
LEXICON_FLOOR = 0.7
READER_FLOOR = 0.5


def blend(
    lexicon: float,
    model: ModelView | None,
    weight: float = 1.0,
    floor: float | None = None,
    trust_reader: bool = True,
) -> float:
    """One score from lexicon evidence and the model: the stronger, the lexicon tempered."""
    if model is None:
        return lexicon
    m = model.score * weight
    floor = LEXICON_FLOOR if floor is None else floor
    if model.stage == "cascade" and trust_reader:
        # The reader learnt from real posts labelled under the codebook: where it read the
        # post and is sure there is nothing, a lexicon match ("hell of a game", a party name
        # in "Labour and delivery") keeps only part of its weight.
        floor = min(floor, READER_FLOOR)
    keep = floor + (1.0 - floor) * min(1.0, 4.0 * m)
    return max(m, lexicon * keep)
