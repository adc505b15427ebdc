"""Fine-tuned transformer classifiers, run with onnxruntime + tokenizers (no torch).

They are the accurate half of a cascade: the n-gram model scores every post, and only the
posts it is unsure about (its probability inside a band chosen on validation) are read by the
transformer. The band is what keeps the detector set at n-gram speed on ordinary posts.

A model is three files in `models/`: `<signal>.encoder.onnx` (4-bit weights),
`<signal>.encoder.tokenizer.json` (a pruned WordPiece vocabulary) and
`<signal>.encoder.json` (version, and per mode: band, blend, calibration, threshold).
onnxruntime is imported and the session built on first use only, so a run that never meets
an unsure post never pays for them.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.detect.encoder_text import PREPARATIONS
from postcheck.detect.trained import MODELS_DIR, ModelError

#: How much of the work the transformer does. "fast" reads only the posts the n-gram model is
#: unsure of (the band), "thorough" reads every post (about ten times slower per post), "off"
#: never loads it.
MODES = ("fast", "thorough", "off")

#: The mode when $POSTCHECK_ENCODER does not say: bulk work (a history scan, a batch file, the
#: batch API) is throughput-bound and runs "fast"; one draft checked while its author waits
#: costs a few milliseconds more to read properly, so single-post checks run "thorough".
BULK_DEFAULT = "fast"
SINGLE_POST_DEFAULT = "thorough"


_mode: str | None = None
_scoped: ContextVar[str | None] = ContextVar("postcheck_encoder_mode", default=None)


def _env_mode() -> str | None:
    raw = os.environ.get("POSTCHECK_ENCODER", "").strip().lower()
    if not raw:
        return None
    if raw not in MODES:
        raise ModelError(f"POSTCHECK_ENCODER must be one of {', '.join(MODES)}, not {raw!r}")
    return raw


def current_mode() -> str:
    """The mode for this call: one set by `reading()` around it, else $POSTCHECK_ENCODER, else
    the bulk default. The environment is read once per process (every post's detectors ask,
    and it is slow to read); `reset_mode()` re-reads it."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    global _mode
    if _mode is None:
        _mode = _env_mode() or BULK_DEFAULT
    return _mode


def reset_mode() -> None:
    """Forget the mode read from the environment (after changing $POSTCHECK_ENCODER)."""
    global _mode
    _mode = None


def single_post_mode() -> str:
    """The mode for checking one draft: $POSTCHECK_ENCODER when set, else "thorough"."""
    return _env_mode() or SINGLE_POST_DEFAULT


def one_draft() -> AbstractContextManager[None]:
    """Around the check of one draft its author waits for (`postcheck check TEXT`,
    `postcheck.check()`, `POST /api/check`): read it in `single_post_mode()`."""
    return reading(single_post_mode())


@contextmanager
def reading(mode: str) -> Iterator[None]:
    """Run the enclosed checks in `mode` (this thread or task only: a web server's other
    requests keep theirs)."""
    if mode not in MODES:
        raise ModelError(f"encoder mode must be one of {', '.join(MODES)}, not {mode!r}")
    token = _scoped.set(mode)
    try:
        yield
    finally:
        _scoped.reset(token)


@dataclass(frozen=True)
class OperatingPoint:
    """Where the transformer reads, and how its logit joins the n-gram model's."""

    band: tuple[float, float]  # n-gram probabilities in [lo, hi] go to the transformer
    weight: float  # the transformer's share of the combined logit
    platt_a: float
    platt_b: float
    threshold: float  # decision threshold of the combined probability
    scores: dict[str, float]  # validation figures at this point (for the card)

    @classmethod
    def of(cls, d: dict[str, Any]) -> OperatingPoint:
        lo, hi = (float(x) for x in d["band"])
        if not 0.0 <= lo <= hi <= 1.0:
            raise ValueError(f"bad band {d['band']!r}")
        return cls(
            (lo, hi),
            float(d["weight"]),
            float(d["platt_a"]),
            float(d["platt_b"]),
            float(d["threshold"]),
            {k: float(v) for k, v in d.get("scores", {}).items()},
        )


@dataclass(frozen=True)
class EncoderMeta:
    name: str
    version: str
    max_len: int
    points: dict[str, OperatingPoint]  # "fast" and "thorough"
    meta: dict[str, Any]

    @property
    def reads(self) -> str:
        """How the text is prepared before tokenising: "raw", or "for_encoder/1" (emoji
        spelled out, mention runs collapsed; see `encoder_text`). Cards before it say nothing."""
        return str(self.meta.get("reads", "raw"))

    @classmethod
    def load(cls, path: Path) -> EncoderMeta:
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            points = {m: OperatingPoint.of(meta["modes"][m]) for m in ("fast", "thorough")}
            loaded = cls(meta["name"], meta["version"], int(meta["max_len"]), points, meta)
            if loaded.reads not in PREPARATIONS:
                raise ValueError(f"unknown text preparation {loaded.reads!r}")
            return loaded
        except (OSError, KeyError, ValueError, TypeError, IndexError) as exc:
            raise ModelError(f"cannot read encoder card {path.name}: {exc}") from exc


def _threads() -> int:
    # One thread per process: the batch path already runs one process per core.
    try:
        return max(1, int(os.environ.get("POSTCHECK_ENCODER_THREADS", "1")))
    except ValueError:
        return 1


class EncoderModel:
    def __init__(
        self, meta: EncoderMeta, onnx_path: Path, tokenizer_path: Path, threads: int | None = None
    ):
        self.meta = meta
        self._threads = threads
        self._onnx_path = onnx_path
        self._tokenizer_path = tokenizer_path
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _ready(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                try:
                    import onnxruntime as ort
                    from tokenizers import Tokenizer
                except ImportError as exc:  # pragma: no cover - both are install requirements
                    raise ModelError(f"the {self.meta.name} encoder needs {exc.name}") from exc
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self._threads or _threads()
                opts.inter_op_num_threads = 1
                opts.log_severity_level = 3
                try:
                    tok = Tokenizer.from_file(str(self._tokenizer_path))
                    session = ort.InferenceSession(
                        str(self._onnx_path), opts, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # onnxruntime raises its own untyped errors
                    raise ModelError(f"cannot load encoder {self._onnx_path.name}: {exc}") from exc
                tok.enable_truncation(self.meta.max_len)
                tok.no_padding()
                self._tokenizer, self._session = tok, session
            return self._session, self._tokenizer

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits, one per text.

        Each text is run on its own: the model quantises activations to int8 with scales per
        call, so a text's score would otherwise depend on the other texts (and padding) in
        its batch, and the same post could get a different verdict in a scan than alone.
        Batches of one cost about 13% in speed and need no padding.
        """
        if not texts:
            return np.zeros(0)
        session, tok = self._ready()
        prepare = PREPARATIONS[self.meta.reads]
        texts = [prepare(t) for t in texts]
        out = np.zeros(len(texts), dtype=np.float64)
        for i, enc in enumerate(tok.encode_batch(list(texts))):
            ids = np.array([enc.ids], dtype=np.int64)
            mask = np.ones_like(ids)
            (logit,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[i] = float(np.asarray(logit).reshape(-1)[0])
        return out

    def point(self, mode: str) -> OperatingPoint:
        return self.meta.points[mode]

    def in_band(self, ngram_prob: np.ndarray, mode: str = "fast") -> np.ndarray:
        lo, hi = self.point(mode).band
        return (ngram_prob >= lo) & (ngram_prob <= hi)

    def combine(
        self, ngram_logit: np.ndarray, encoder_logit: np.ndarray, mode: str = "fast"
    ) -> np.ndarray:
        """Calibrated probability from both models' logits (weights chosen on validation)."""
        pt = self.point(mode)
        z = pt.weight * encoder_logit + (1.0 - pt.weight) * ngram_logit
        return 1.0 / (1.0 + np.exp(-np.clip(pt.platt_a * z + pt.platt_b, -40, 40)))


_lock = threading.Lock()


def load_encoder(signal: str, threads: int | None = None) -> EncoderModel | None:
    """The transformer the package ships for `signal` (None if none), whatever the mode says:
    a new, unshared instance (training uses it as a teacher with its own thread count)."""
    card = MODELS_DIR / f"{signal}.encoder.json"
    if not card.exists():
        return None
    onnx_path = MODELS_DIR / f"{signal}.encoder.onnx"
    tok_path = MODELS_DIR / f"{signal}.encoder.tokenizer.json"
    for p in (onnx_path, tok_path):
        if not p.exists():
            raise ModelError(f"encoder for {signal} is missing {p.name}")
    return EncoderModel(EncoderMeta.load(card), onnx_path, tok_path, threads=threads)


@functools.cache
def _load(signal: str) -> EncoderModel | None:
    return load_encoder(signal)


def encoder_for(signal: str) -> EncoderModel | None:
    """The cascade's transformer for `signal`, or None when the package ships none or the
    mode is "off"."""
    if current_mode() == "off":
        return None
    with _lock:
        return _load(signal)
