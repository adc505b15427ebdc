"""Fine-tuned transformer classifiers, run with onnxruntime + tokenizers (no torch).

They are the accurate half of a cascade: the n-gram model scores every post, and only the
posts it is unsure about (its probability inside a band chosen on validation) are read by the
transformer. The band is what keeps the detector set at n-gram speed on ordinary posts.

A model is three files in `models/`: `<signal>.encoder.onnx` (int8 weights),
`<signal>.encoder.tokenizer.json` (a pruned WordPiece vocabulary) and
`<signal>.encoder.json` (version, band, calibration, threshold). onnxruntime is imported
and the session built on first use only, so a run that never meets an unsure post never pays
for them.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.detect.trained import MODELS_DIR, ModelError


@dataclass(frozen=True)
class EncoderMeta:
    name: str
    version: str
    max_len: int
    band: tuple[float, float]  # n-gram probabilities in [lo, hi] go to the encoder
    platt_a: float
    platt_b: float
    weight: float  # the encoder's share of the combined logit, chosen on validation
    threshold: float  # decision threshold of the cascade's combined probability
    meta: dict[str, Any]

    @classmethod
    def load(cls, path: Path) -> EncoderMeta:
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                name=meta["name"],
                version=meta["version"],
                max_len=int(meta["max_len"]),
                band=(float(meta["band"][0]), float(meta["band"][1])),
                platt_a=float(meta["platt_a"]),
                platt_b=float(meta["platt_b"]),
                weight=float(meta["weight"]),
                threshold=float(meta["threshold"]),
                meta=meta,
            )
        except (OSError, KeyError, ValueError, TypeError, IndexError) as exc:
            raise ModelError(f"cannot read encoder card {path.name}: {exc}") from exc


def _threads() -> int:
    # One thread per process: the batch path already runs one process per core.
    try:
        return max(1, int(os.environ.get("POSTCHECK_ENCODER_THREADS", "1")))
    except ValueError:
        return 1


class EncoderModel:
    def __init__(self, meta: EncoderMeta, onnx_path: Path, tokenizer_path: Path):
        self.meta = meta
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
                opts.intra_op_num_threads = _threads()
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
                tok.enable_padding(pad_id=0, pad_token="[PAD]")
                self._tokenizer, self._session = tok, session
            return self._session, self._tokenizer

    def logits(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        """Raw logits, one per text. Texts are sorted by length so batches pad little."""
        if not texts:
            return np.zeros(0)
        session, tok = self._ready()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros(len(texts), dtype=np.float64)
        for s in range(0, len(order), batch):
            idx = order[s : s + batch]
            encs = tok.encode_batch([texts[i] for i in idx])
            ids = np.array([e.ids for e in encs], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
            (logit,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[idx] = np.asarray(logit, dtype=np.float64).reshape(-1)
        return out

    def in_band(self, ngram_prob: np.ndarray) -> np.ndarray:
        lo, hi = self.meta.band
        return (ngram_prob >= lo) & (ngram_prob <= hi)

    def combine(self, ngram_logit: np.ndarray, encoder_logit: np.ndarray) -> np.ndarray:
        """Calibrated probability from both models' logits (weights chosen on validation)."""
        w = self.meta.weight
        z = w * encoder_logit + (1.0 - w) * ngram_logit
        return 1.0 / (1.0 + np.exp(-np.clip(self.meta.platt_a * z + self.meta.platt_b, -40, 40)))


_lock = threading.Lock()


@functools.cache
def _load(signal: str) -> EncoderModel | None:
    card = MODELS_DIR / f"{signal}.encoder.json"
    if not card.exists():
        return None
    onnx_path = MODELS_DIR / f"{signal}.encoder.onnx"
    tok_path = MODELS_DIR / f"{signal}.encoder.tokenizer.json"
    for p in (onnx_path, tok_path):
        if not p.exists():
            raise ModelError(f"encoder for {signal} is missing {p.name}")
    return EncoderModel(EncoderMeta.load(card), onnx_path, tok_path)


def encoder_for(signal: str) -> EncoderModel | None:
    """The cascade's transformer for `signal`, or None when the package ships none."""
    if os.environ.get("POSTCHECK_NO_ENCODER"):
        return None
    with _lock:
        return _load(signal)
