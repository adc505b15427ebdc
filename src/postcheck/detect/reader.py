"""The multi-label reader: one fine-tuned transformer that reads a post for every text signal.

It is the accurate half of each signal's cascade. The n-gram student of every signal scores
every post; a post goes to the reader when any student is unsure of it (its probability inside
that signal's band, chosen on validation), and every post is read when one draft is checked
("thorough"). One reading gives every signal's probability at once, so a post is read at most
once however many students were unsure.

Three files in `models/`: `signals.encoder.onnx` (4-bit weights), its tokenizer and
`signals.encoder.json` (outputs, thresholds and bands chosen on the pool's val split).
onnxruntime loads on first use only.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.detect.encoder_text import PREPARATIONS
from postcheck.detect.trained import MODELS_DIR, ModelError

NAME = "signals"

#: Windows read per post at most: 32 windows of 96 tokens cover about 12,000 characters, all
#: but the rarest long posts, and keep a 100,000-character post under a second. Beyond that
#: the n-gram students, which read every word, decide (`read` says where).
MAX_WINDOWS = 32

#: Tokens each window repeats from the one before, so a phrase cut at a window's edge is
#: whole in the next one.
WINDOW_OVERLAP = 16

#: Signal name (the public contract) -> the codebook label the reader outputs for it.
SIGNAL_LABELS: dict[str, str] = {
    "political": "political_opinion",
    "political_mention": "political_mention",
    "persuasion": "persuasion",
    "disrespect": "disrespect",
    "profanity": "profanity",
    "hate": "hate",
    "threat": "threat",
    "harassment": "harassment",
    "sexual": "sexual",
    "grievance": "grievance",
    "work_link": "work_link",
    "confidential": "confidential",
    "privacy": "privacy",
    "jurisdiction_nz": "jurisdiction_nz",
    "jurisdiction_foreign": "jurisdiction_foreign",
}


class Reader:
    def __init__(self, card: dict[str, Any], onnx_path: Path, tok_path: Path, threads: int = 1):
        self.card = card
        self.outputs: tuple[str, ...] = tuple(card["outputs"])
        self._col = {name: i for i, name in enumerate(self.outputs)}
        self._thresholds = {k: float(v) for k, v in card["thresholds"].items()}
        self._bands = {k: (float(v[0]), float(v[1])) for k, v in card.get("bands", {}).items()}
        self.max_len = int(card["max_len"])
        self.version = str(card["version"])
        reads = str(card.get("reads", "raw"))
        if reads not in PREPARATIONS:
            raise ModelError(f"reader card names an unknown text preparation {reads!r}")
        self._prepare = PREPARATIONS[reads]
        self._onnx_path, self._tok_path, self._threads = onnx_path, tok_path, threads
        self._session: Any = None
        self._tok: Any = None
        self._lock = threading.Lock()

    # what it knows -------------------------------------------------------------------------
    def has(self, label: str) -> bool:
        return label in self._col

    def column(self, label: str) -> int:
        return self._col[label]

    def threshold(self, label: str) -> float:
        return self._thresholds.get(label, 0.5)

    def band(self, signal: str) -> tuple[float, float] | None:
        """Student probabilities in [lo, hi] send a post to the reader (bulk reading)."""
        return self._bands.get(signal)

    # reading --------------------------------------------------------------------------------
    def _ready(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self._threads
                opts.inter_op_num_threads = 1
                opts.log_severity_level = 3
                # onnxruntime fuses the graph on every start (~30 ms of a cold check). A graph
                # fused once and shipped is not portable: onnxruntime 1.32 saves MatMulNBits
                # weights in its kernels' prepacked layout, with attributes that 1.20-1.23
                # refuse to load (tried 2026-12-07), so the shipped file stays unfused.
                try:
                    tok = Tokenizer.from_file(str(self._tok_path))
                    session = ort.InferenceSession(
                        str(self._onnx_path), opts, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # onnxruntime raises its own untyped errors
                    raise ModelError(
                        f"cannot load the reader {self._onnx_path.name}: {exc}"
                    ) from exc
                tok.enable_truncation(self.max_len, stride=WINDOW_OVERLAP)
                tok.no_padding()
                self._tok, self._session = tok, session
            return self._session, self._tok

    def probs(
        self, texts: Sequence[str], progress: Callable[[str], None] | None = None
    ) -> np.ndarray:
        """Probabilities, shape (len(texts), len(outputs)): `read` without its coverage."""
        return self.read(texts, progress)[0]

    def read(
        self, texts: Sequence[str], progress: Callable[[str], None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities, shape (len(texts), len(outputs)), and whether each text was read
        to its end.

        The reader was trained on windows of `max_len` tokens, so a longer post is read in
        overlapping windows and each output takes its highest window: an insult after three
        paragraphs about the weekend is still an insult (reading only the first window
        called such posts fine). Past MAX_WINDOWS the rest is left to the n-gram students,
        which read every word; the second array says where that happened.

        Each window runs on its own: the 4-bit kernels quantise activations per call, so in
        a batch one post's score would depend on its neighbours and the same post could get
        a different verdict in a scan than alone.
        """
        out = np.zeros((len(texts), len(self.outputs)), dtype=np.float64)
        complete = np.ones(len(texts), dtype=bool)
        if not texts:
            return out, complete
        session, tok = self._ready()
        encs = tok.encode_batch([self._prepare(t) for t in texts])
        for i, enc in enumerate(encs):
            windows = [enc, *enc.overflowing[: MAX_WINDOWS - 1]]
            complete[i] = len(enc.overflowing) < MAX_WINDOWS
            best = np.full(len(self.outputs), -np.inf)
            for w in windows:
                ids = np.array([w.ids], dtype=np.int64)
                feed = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
                (logit,) = session.run(None, feed)
                best = np.maximum(best, np.asarray(logit, dtype=np.float64).reshape(-1))
            out[i] = best
            if progress is not None and i and i % 2000 == 0:
                progress(f"  read {i}/{len(texts)}")
        return 1.0 / (1.0 + np.exp(-np.clip(out, -40.0, 40.0))), complete

    def windows(self, text: str) -> int:
        """How many windows of `max_len` tokens it takes to read `text` to its end."""
        _, tok = self._ready()
        return 1 + len(tok.encode(self._prepare(text)).overflowing)


def load_reader(threads: int = 1, models_dir: Path = MODELS_DIR) -> Reader | None:
    """The reader the package ships (None if it ships none): a new, unshared instance."""
    card_path = models_dir / f"{NAME}.encoder.json"
    if not card_path.exists():
        return None
    onnx_path = models_dir / f"{NAME}.encoder.onnx"
    tok_path = models_dir / f"{NAME}.encoder.tokenizer.json"
    for p in (onnx_path, tok_path):
        if not p.exists():
            raise ModelError(f"the reader is missing {p.name}")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
        return Reader(card, onnx_path, tok_path, threads)
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"cannot read {card_path.name}: {exc}") from exc


_lock = threading.Lock()


@functools.cache
def _shared() -> Reader | None:
    from postcheck.detect.encoder import _threads

    return load_reader(threads=_threads())


def shared_reader() -> Reader | None:
    """The process's reader (None when the package ships none). Callers in mode "off" never
    ask, so a run that reads nothing never loads it."""
    with _lock:
        return _shared()
