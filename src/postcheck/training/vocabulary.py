"""Cut the reader's WordPiece vocabulary to the pieces real posts use.

The encoder's vocabulary has 30,522 pieces, most of which (CJK, accents, `[unusedN]`) never
occur in English posts, and its 4-bit embedding table is half the shipped file. Keeping every
special, every one-character piece (so WordPiece can still spell anything) and every piece seen
in the training texts keeps the tokenizer total while taking the file under 10 MB.

The cut is made on the quantised ONNX graph itself: the embedding lookup
(`GatherBlockQuantized`, blocks along the hidden axis) stores each piece's row separately, so
keeping rows is exact; no weight is re-quantised. Only texts with a piece no training text had
split differently afterwards (into shorter pieces), which `postcheck evaluate` measures.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from postcheck.training.transformer import encoder_dir, tokenizer

EMBEDDING = "encoder.embeddings.word_embeddings.weight"


def corpus() -> list[str]:
    """Training-side texts only, prepared as the reader reads them: the pool's train split
    and the unlabelled train-split texts the students learn from."""
    from postcheck.detect.encoder_text import PREPARATIONS
    from postcheck.training import multilabel, pool, students

    prepare = PREPARATIONS[multilabel.READS]
    texts = [r.text for r in pool.rows("train")]
    texts += [t for _, t in students.transfer_texts({t.lower() for t in texts})]
    return [prepare(t) for t in texts]


def kept_ids(texts: Sequence[str], min_count: int = 1) -> list[int]:
    """Old ids to keep, ascending: specials, every one-character piece, and pieces seen."""
    tok = tokenizer()
    vocab: dict[str, int] = tok.get_vocab()
    keep = {
        i for t, i in vocab.items() if t.startswith("[") and t.endswith("]") and "unused" not in t
    }
    keep |= {i for t, i in vocab.items() if len(t) == 1 or (t.startswith("##") and len(t) == 3)}
    counts: dict[int, int] = {}
    tok.no_padding()
    tok.no_truncation()
    for i in range(0, len(texts), 2048):
        for enc in tok.encode_batch(list(texts[i : i + 2048])):
            for t in enc.ids:
                counts[t] = counts.get(t, 0) + 1
    keep |= {t for t, c in counts.items() if c >= min_count}
    return sorted(keep)


def tokenizer_json(keep: Sequence[int]) -> dict[str, Any]:
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


def cut(onnx_path: Path, tokenizer_path: Path, keep: Sequence[int]) -> None:
    """Keep only `keep`'s rows of the quantised embedding table, and write the matching
    tokenizer. Both files are rewritten in place."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(onnx_path))
    inits = {i.name: i for i in model.graph.initializer}
    rows = np.asarray(keep, dtype=np.int64)
    data = inits[EMBEDDING + "_Q4"]
    scales = inits[EMBEDDING + "_scales"]
    n_old, hidden = (int(d) for d in data.dims)
    packed = np.frombuffer(data.raw_data, dtype=np.uint8).reshape(n_old, hidden // 2)
    data.raw_data = np.ascontiguousarray(packed[rows]).tobytes()
    data.dims[0] = len(rows)
    scale_values = numpy_helper.to_array(scales)
    scales.CopyFrom(numpy_helper.from_array(scale_values[rows], scales.name))
    onnx.save(model, str(onnx_path))
    tokenizer_path.write_text(json.dumps(tokenizer_json(keep)), encoding="utf-8")
