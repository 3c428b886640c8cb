"""A sentence-transformers BERT model (such as all-MiniLM-L6-v2) run by ONNX Runtime.

The ONNX model is built here, from the weights already on disk, the first time it is
needed, and cached under ``index/models/``: torch exports the transformer with its mean
pooling and normalisation, ONNX Runtime's transformer optimizer fuses attention, GELU
and layer normalisation, and for ``onnx-int8`` its dynamic quantizer stores the weights
of every matrix product as int8 (one scale per output channel). Nothing is downloaded.

In float32 the vectors equal sentence-transformers' (cosine >= 0.99999, see tests) and
come about twice as fast on a laptop CPU (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rag.embed.minilm import Array, length_batches, load_tokenizer
from rag.errors import ConfigError

#: Runtimes this module serves, and whether their weights are int8.
RUNTIMES = {"onnx": False, "onnx-int8": True}
_OPSET = 17


def available() -> bool:
    """Whether ONNX Runtime, with its CPU provider, can run here."""
    try:
        import onnxruntime
    except ImportError:
        return False
    return "CPUExecutionProvider" in onnxruntime.get_available_providers()


def model_file(folder: Path, runtime: str, cache: Path) -> Path:
    """The cached ONNX file of the model in ``folder`` for ``runtime``, built if missing.
    Its name carries a digest of the weights and of the ONNX Runtime version, so a changed
    model or runtime gets a file of its own."""
    import onnxruntime

    weights = folder / "model.safetensors"
    stat = weights.stat()
    key = f"{weights.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{onnxruntime.__version__}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    target = cache / f"{folder.name}-{runtime}-{digest}.onnx"
    if not target.is_file():
        build(folder, target, int8=RUNTIMES[runtime])
    return target


def build(folder: Path, target: Path, int8: bool) -> None:
    """Export, optimise and (with ``int8``) quantize the model into ``target``, atomically:
    two processes building at once each write a whole file, and one of them stays."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        exported, fused = Path(tmp) / "exported.onnx", Path(tmp) / "fused.onnx"
        try:
            _export(folder, exported)
            _optimize(folder, exported, fused)
            if int8:
                _quantize(fused, Path(tmp) / "int8.onnx")
                fused = Path(tmp) / "int8.onnx"
        except Exception as exc:
            reason = (str(exc).strip().splitlines() or [""])[0][:200]
            raise ConfigError(
                f"cannot build an ONNX model from {folder} ({type(exc).__name__}: {reason}); "
                "set RAG_EMBED_RUNTIME=torch"
            ) from None
        os.replace(fused, target)


def _export(folder: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = AutoModel.from_pretrained(str(folder), attn_implementation="eager")

        def forward(self, ids: Any, mask: Any) -> Any:
            hidden = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    ids = torch.ones(2, 16, dtype=torch.long)
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 10:] = 0
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled().eval(),
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["vectors"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes},
            opset_version=_OPSET,
            dynamo=False,
        )


def _optimize(folder: Path, source: Path, target: Path) -> None:
    from onnxruntime.transformers import optimizer

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    model = optimizer.optimize_model(
        str(source),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
    )
    model.save_model_to_file(str(target))


def _quantize(source: Path, target: Path) -> None:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # The fused operators are outside the standard domain; their outputs are float.
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )


class OnnxBert:
    """Mean-pooled, L2-normalised sentence vectors from a built ONNX model.
    ``threads`` 0 uses every core (bulk ingest); 1 suits questions answered side by side."""

    def __init__(self, folder: Path, model: Path, batch_size: int, threads: int = 0) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        if threads == 1:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = load_tokenizer(folder)
        self.batch_size = batch_size
        self.width = int(json.loads((folder / "config.json").read_text())["hidden_size"])

    def encode(self, texts: Sequence[str]) -> Array:
        """One unit-length vector per text, in order."""
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        for chunk, ids, mask in length_batches(self.tokenizer, texts, self.batch_size):
            feed = {"input_ids": ids, "attention_mask": mask.astype(np.int64)}
            out[chunk] = self.session.run(None, feed)[0]
        return out
