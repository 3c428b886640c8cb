"""The local model's runtimes: their vectors, the automatic choice, its record in the index,
and the refusal to mix vectors of two runtimes in one index."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from rag.embed import base, onnx_model
from rag.embed.base import best_runtime, local_model_path
from rag.embed.factory import create_embedder
from rag.embed.local import LocalEmbedder, NumpyEmbedder, OnnxEmbedder
from rag.errors import ConfigError, IndexMismatch
from rag.index.open import open_index
from rag.pipeline import Pipeline
from rag.settings import Settings
from tests.support.cli import rag_command
from tests.support.files import REPO, SEEDS
from tests.support.index import ingest
from tests.support.servers import shell_env

pytestmark = pytest.mark.slow

TEXTS = [
    "What leverage does Moscow have over Astana?",
    "",
    "x",
    "Zero\u200bwidth, right-to-left \u202eتست\u202c, emoji 🙂 and “quotes”.",
    SEEDS[0].read_text(encoding="utf-8"),  # past the 256-token window: truncated alike
    *SEEDS[0].read_text(encoding="utf-8").split(".")[:30],
]
MEANING = [
    "Moscow is putting pressure on Astana.",
    "Russia pressures the government of Kazakhstan.",
    "Knead the dough and let the bread rise overnight.",
]


@pytest.fixture(scope="module")
def float32() -> np.ndarray:
    return np.asarray(LocalEmbedder(Settings(embed_runtime="torch")).embed(TEXTS))


def cosines(runtime: str, reference: np.ndarray, light: bool = False) -> np.ndarray:
    embedder = create_embedder(Settings(embed_runtime=runtime), light=light)
    vectors = np.asarray(embedder.embed(TEXTS))
    assert vectors.shape == reference.shape
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    return np.asarray((vectors * reference).sum(axis=1))


def test_onnx_float32_gives_the_sentence_transformers_vectors(float32: np.ndarray) -> None:
    assert cosines("onnx", float32).min() >= 0.9999
    assert cosines("onnx", float32, light=True).min() >= 0.9999
    assert create_embedder(Settings(embed_runtime="onnx")).name == "local:all-MiniLM-L6-v2@onnx"


@pytest.mark.parametrize(("runtime", "floor"), [("torch-bf16", 0.99), ("onnx-int8", 0.97)])
def test_reduced_precision_stays_close_to_float32_and_tracks_meaning(
    float32: np.ndarray, runtime: str, floor: float
) -> None:
    found = cosines(runtime, float32)
    assert found.min() >= floor and found.mean() >= 0.99
    embedder = create_embedder(Settings(embed_runtime=runtime))
    assert embedder.name == f"local:all-MiniLM-L6-v2@{runtime}"
    vectors = np.asarray(embedder.embed(MEANING))
    assert vectors[0] @ vectors[1] > 0.5 > vectors[0] @ vectors[2]


def test_bf16_runs_the_model_in_bfloat16() -> None:
    import torch

    embedder = create_embedder(Settings(embed_runtime="torch-bf16"))
    assert isinstance(embedder, LocalEmbedder)
    assert next(embedder.model.parameters()).dtype == torch.bfloat16


@pytest.mark.parametrize(
    ("flags", "runtime"),
    [
        ({"avx2", "avx512f", "avx512_vnni"}, "onnx-int8"),
        ({"avx2", "avx_vnni"}, "onnx-int8"),
        ({"amx_int8", "amx_tile"}, "onnx-int8"),
        ({"fp", "asimd", "asimddp"}, "onnx-int8"),
        ({"avx2", "avx512f", "avx512_bf16"}, "onnx"),  # no int8 dot products: float32
        (set(), "onnx"),
    ],
)
def test_auto_takes_int8_where_the_cpu_has_int8_dot_products(
    monkeypatch: pytest.MonkeyPatch, flags: set[str], runtime: str
) -> None:
    monkeypatch.setattr(base, "cpu_flags", lambda: flags)
    assert best_runtime(Settings()) == runtime
    assert best_runtime(Settings(embed_device="cuda")) == "torch"
    monkeypatch.setattr(onnx_model, "available", lambda: False)
    assert best_runtime(Settings()) == "torch"


def test_the_cpu_flags_are_read_from_this_machine() -> None:
    flags = base.cpu_flags()
    if Path("/proc/cpuinfo").is_file():
        assert flags and all(flag == flag.strip() for flag in flags)


def test_without_int8_dot_products_the_float32_vectors_are_made(
    monkeypatch: pytest.MonkeyPatch, float32: np.ndarray
) -> None:
    monkeypatch.setattr(base, "cpu_flags", lambda: {"avx2", "avx512f"})
    embedder = create_embedder(Settings())
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder.name == "local:all-MiniLM-L6-v2@onnx"
    vectors = np.asarray(embedder.embed(TEXTS))
    assert float((vectors * float32).sum(axis=1).min()) >= 0.9999


def test_without_onnx_runtime_the_torch_float32_path_is_used(
    monkeypatch: pytest.MonkeyPatch, float32: np.ndarray
) -> None:
    import torch

    monkeypatch.setattr(base, "cpu_flags", lambda: {"avx512_vnni"})
    monkeypatch.setattr(onnx_model, "available", lambda: False)
    embedder = create_embedder(Settings())
    assert isinstance(embedder, LocalEmbedder)
    assert next(embedder.model.parameters()).dtype == torch.float32
    assert embedder.name == "local:all-MiniLM-L6-v2"
    assert isinstance(create_embedder(Settings(), light=True), NumpyEmbedder)
    with pytest.raises(ConfigError, match="RAG_EMBED_RUNTIME=onnx needs onnxruntime"):
        create_embedder(Settings(embed_runtime="onnx"))


def test_the_index_records_its_runtime_and_auto_keeps_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(index_dir=tmp_path / "index", embed_runtime="torch")
    ingest(settings, SEEDS[0])
    assert open_index(settings)[0].fingerprint()["rag:embedder"] == "local:all-MiniLM-L6-v2"
    monkeypatch.setattr(base, "cpu_flags", lambda: {"avx512_vnni"})  # auto: int8 here
    auto = Settings(index_dir=tmp_path / "index")
    assert open_index(auto)[1].embed_runtime == "torch"
    report = ingest(auto, *SEEDS)
    assert report.added == 1 and report.embedded > 0
    store = open_index(auto)[0]
    got = store.passages.get(include=["embeddings", "documents", "metadatas"])
    texts = [
        f"{m['title']}\n\n{d}" for d, m in zip(got["documents"], got["metadatas"], strict=True)
    ]
    again = np.asarray(LocalEmbedder(Settings(embed_runtime="torch")).embed(texts))
    assert float((np.asarray(got["embeddings"]) * again).sum(axis=1).min()) >= 0.9999
    pipeline = Pipeline.from_settings(auto)
    assert isinstance(pipeline.retriever.embedder, NumpyEmbedder)  # float32 questions too


@pytest.mark.parametrize("runtime", ["onnx", "onnx-int8", "torch-bf16"])
def test_questions_are_embedded_by_the_runtime_that_built_the_index(
    tmp_path: Path, runtime: str
) -> None:
    settings = Settings(index_dir=tmp_path / "index", embed_runtime=runtime)
    ingest(settings, SEEDS[0])
    pipeline = Pipeline.from_settings(Settings(index_dir=tmp_path / "index"))
    assert pipeline.retriever.embedder.name == f"local:all-MiniLM-L6-v2@{runtime}"
    assert pipeline.scorer.embedder is pipeline.retriever.embedder  # and the answer check
    answer = pipeline.ask("What leverage does Moscow have over Astana?")
    assert answer.sources and "Astana" in answer.text


def test_another_runtime_is_refused_until_the_index_is_rebuilt(tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", embed_runtime="onnx")
    ingest(settings, SEEDS[0])
    float32 = settings.model_copy(update={"embed_runtime": "torch"})
    with pytest.raises(IndexMismatch, match=r"embedder local:all-MiniLM-L6-v2@onnx.*--rebuild"):
        open_index(float32)[0]
    env = shell_env(RAG_INDEX_DIR=str(settings.index_dir), RAG_EMBED_RUNTIME="torch")
    refused = subprocess.run(
        rag_command("ingest", str(SEEDS[0])), env=env, capture_output=True, text=True
    )
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0
    assert "was built with embedder local:all-MiniLM-L6-v2@onnx" in refused.stderr
    rebuilt = subprocess.run(
        rag_command("ingest", "--rebuild", "--json", str(SEEDS[0])),
        env=env,
        capture_output=True,
        text=True,
    )
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["added"] == 1
    stats = subprocess.run(
        rag_command("stats", "--json"), env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(stats.stdout)["embedder"] == "local:all-MiniLM-L6-v2"


@pytest.mark.embedded_only
def test_the_onnx_model_is_built_once_under_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAG_MODEL_CACHE")
    settings = Settings(index_dir=tmp_path / "index", embed_runtime="onnx")
    create_embedder(settings)
    built = list((tmp_path / "index" / "models").glob("*-onnx-*.onnx"))
    assert len(built) == 1
    stamp = built[0].stat().st_mtime_ns
    create_embedder(settings, light=True)
    assert list((tmp_path / "index" / "models").iterdir()) == built
    assert built[0].stat().st_mtime_ns == stamp


def test_onnx_refuses_a_model_it_cannot_run(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(local_model_path("all-MiniLM-L6-v2"), folder)
    pooling = folder / "1_Pooling" / "config.json"
    cls_pooling = json.loads(pooling.read_text(encoding="utf-8"))
    cls_pooling.update(pooling_mode_cls_token=True, pooling_mode_mean_tokens=False)
    pooling.write_text(json.dumps(cls_pooling), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"runs BERT models with mean pooling.*=torch"):
        create_embedder(Settings(embed_model=str(folder), embed_runtime="onnx"))
    assert best_runtime(Settings(embed_model=str(folder))) in ("torch", "torch-bf16")


def test_a_failed_build_is_one_line_naming_the_way_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(folder: Path, target: Path) -> None:
        raise RuntimeError("exporter crashed\nwith a long second line")

    monkeypatch.setattr(onnx_model, "_export", broken)
    with pytest.raises(ConfigError) as caught:
        onnx_model.build(REPO, tmp_path / "m.onnx", int8=False)
    assert str(caught.value).count("\n") == 0
    assert "exporter crashed" in str(caught.value) and "RAG_EMBED_RUNTIME=torch" in str(
        caught.value
    )
    assert not (tmp_path / "m.onnx").exists()
