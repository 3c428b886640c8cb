"""The NumPy encoder gives the sentence-transformers vectors of the bundled model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.embed.base import local_model_path
from rag.embed.factory import create_embedder
from rag.embed.local import LocalEmbedder, NumpyEmbedder
from rag.embed.minilm import supported
from rag.settings import Settings
from tests.support.files import SEEDS

pytestmark = pytest.mark.slow


def test_numpy_vectors_match_sentence_transformers() -> None:
    seed = SEEDS[0].read_text(encoding="utf-8")
    texts = [
        "What leverage does Moscow have over Astana?",
        "",
        "x",
        "Zero\u200bwidth, right-to-left \u202eتست\u202c, emoji 🙂 and “quotes”.",
        seed,  # far past the 256-token window: both truncate the same way
        *seed.split(".")[:40],
    ]
    settings = Settings(embed_runtime="torch")
    light = create_embedder(settings, light=True)
    assert isinstance(light, NumpyEmbedder)
    assert light.name == LocalEmbedder(settings).name == "local:all-MiniLM-L6-v2"
    ours = np.asarray(light.embed(texts))
    reference = np.asarray(LocalEmbedder(settings).embed(texts))
    assert ours.shape == reference.shape == (len(texts), 384)
    assert float((ours * reference).sum(axis=1).min()) >= 0.9999
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_models_it_cannot_run_fall_back_to_sentence_transformers(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(local_model_path("all-MiniLM-L6-v2"), folder)
    assert supported(folder)
    pooling = folder / "1_Pooling" / "config.json"
    cls_pooling = json.loads(pooling.read_text(encoding="utf-8"))
    cls_pooling.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    pooling.write_text(json.dumps(cls_pooling), encoding="utf-8")
    assert not supported(folder)
    embedder = create_embedder(Settings(embed_model=str(folder)), light=True)
    assert isinstance(embedder, LocalEmbedder)  # neither NumPy nor ONNX Runtime
