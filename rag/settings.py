"""One typed Settings object, read from the environment (prefix ``RAG_``) and passed in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.errors import RagError

LOCAL_EMBED_MODEL = "all-MiniLM-L6-v2"
OPENAI_EMBED_MODEL = "text-embedding-3-small"


class Settings(BaseSettings):
    """Everything the tool can be told; each field maps to an environment variable."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="forbid", populate_by_name=True)

    corpus_dir: Path = Field(
        Path("corpus"), description="Folder ingested by default (RAG_CORPUS_DIR)."
    )
    index_dir: Path = Field(Path("index"), description="Folder of the embedded Chroma index.")
    chroma_url: str | None = Field(
        None,
        description="http(s)://host:port of a Chroma server; when set, index_dir is unused.",
    )
    collection: str = Field("passages", description="Chroma collection holding the passages.")

    embed_backend: str = Field("local", description="'local' (bundled MiniLM) or 'openai'.")
    embed_model: str | None = Field(
        None,
        description=f"Embedding model; defaults to {LOCAL_EMBED_MODEL} (local) "
        f"or {OPENAI_EMBED_MODEL} (openai).",
    )
    embed_runtime: Literal["auto", "onnx-int8", "onnx", "torch-bf16", "torch"] = Field(
        "auto",
        description="How the local model runs: 'onnx-int8' (ONNX Runtime, int8 weights), "
        "'onnx' (ONNX Runtime, float32), 'torch-bf16' (sentence-transformers in bfloat16), "
        "'torch' (sentence-transformers, float32), or 'auto': the runtime an existing index "
        "records, else onnx-int8 where the CPU has int8 dot products (VNNI, AMX, Arm "
        "dotprod), else onnx where ONNX Runtime runs, else torch (RAG_EMBED_RUNTIME).",
    )
    model_cache: Path | None = Field(
        None,
        description="Folder of the ONNX models built from the local model "
        "(default: models/ in RAG_INDEX_DIR).",
    )
    embed_batch_size: int | None = Field(
        None,
        ge=1,
        description="Passages per encoder batch; default 8 with ONNX Runtime, 32 with torch.",
    )
    embed_device: str = Field("cpu", description="torch device for the local embedder.")

    chunk_size: int = Field(200, ge=32, description="Passage size in tokens.")
    chunk_overlap: int = Field(30, ge=0, description="Tokens shared by neighbouring passages.")
    ingest_group: int = Field(
        512, ge=1, description="Passages embedded and written per step of an ingest."
    )
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are skipped.")

    top_k: int = Field(6, ge=1, le=50, description="Passages given to the answerer (RAG_TOP_K).")
    candidates: int = Field(
        50, ge=1, description="Passages each retriever (dense, BM25) proposes for fusion."
    )
    fusion: Literal["rrf", "convex"] = Field(
        "convex",
        description="How dense and BM25 results are combined: 'convex' (weighted sum of the "
        "min-max normalised cosine and BM25 scores of every candidate) or 'rrf' (reciprocal "
        "rank fusion) (RAG_FUSION).",
    )
    rrf_k: float = Field(60.0, gt=0, description="Rank constant of reciprocal rank fusion.")
    recheck_seconds: float = Field(
        1.0,
        ge=0,
        description="Longest a process answers from its copy of the index without asking "
        "the index whether an ingest changed it; 0: before every question "
        "(RAG_RECHECK_SECONDS).",
    )
    dense: Literal["auto", "exact", "chroma"] = Field(
        "auto",
        description="Where dense search runs: 'exact' (over the vectors each process keeps "
        "in its copy of the index), 'chroma' (Chroma's HNSW index on the server; the copy "
        "keeps no vectors; needs RAG_CHROMA_URL), or 'auto': 'chroma' on a Chroma server "
        "holding at least RAG_DENSE_CHROMA_FROM passages, else 'exact' (RAG_DENSE).",
    )
    dense_chroma_from: int = Field(
        200_000,
        ge=0,
        description="Passages from which 'auto' dense search runs on the Chroma server "
        "(RAG_DENSE_CHROMA_FROM).",
    )
    delete_grace_seconds: float = Field(
        15.0,
        ge=0,
        description="On a Chroma server, how long the passages an ingest removes stay in "
        "Chroma after it is published, for processes still answering from the copy before it "
        "(RAG_DELETE_GRACE_SECONDS).",
    )
    bm25_weight: float | None = Field(
        None,
        ge=0,
        description="Weight of the BM25 side in fusion (dense has weight 1); unset, the "
        "index's BM25 profile gives it (1.0, or 0.5 for an index mixing short items with "
        "long articles) (RAG_BM25_WEIGHT).",
    )
    duplicate_threshold: float = Field(
        0.8, gt=0, le=1, description="Word-shingle overlap above which passages are duplicates."
    )

    llm_model: str = Field("gpt-4o-mini", description="Model an LLM answer is asked of.")
    llm_timeout: float = Field(
        60.0,
        gt=0,
        description="Seconds the LLM endpoint has to start a reply, all tries together; a "
        "reply that then pauses for the time that was left is cut off (RAG_LLM_TIMEOUT).",
    )
    llm_retries: int = Field(2, ge=0, description="Retries after a timeout, 429 or 5xx.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="Sampling temperature.")
    judge_model: str | None = Field(
        None, description="Model that judges citations in `rag eval` (default: RAG_LLM_MODEL)."
    )

    support_threshold: float = Field(
        0.5, ge=0, le=1, description="Support score below which a sentence is flagged."
    )
    answer_sentences: int = Field(4, ge=1, description="Most sentences in an extractive answer.")
    min_relevance: float = Field(
        0.36,
        ge=0,
        le=1,
        description="Below this relevance of its best sentence, the extractive answerer says "
        "it cannot answer, and no sentence below it is quoted (0.36: at most 5 percent of "
        "answerable news questions refused on rtqa-dev; docs/BENCHMARKS.md).",
    )
    disagreements: bool = Field(
        True,
        description="Find where the sources of an answer disagree (different figures, dates, "
        "claims or judgements on one point) and show both sides (RAG_DISAGREEMENTS=0: off).",
    )

    auth: SecretStr | None = Field(
        None,
        description="user:password the web UI asks for; required when it listens beyond "
        "this machine (RAG_AUTH).",
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Largest file the web UI accepts.")

    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "RAG_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "RAG_OPENAI_BASE_URL")
    )

    @model_validator(mode="after")
    def _check_combinations(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"RAG_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"RAG_CHUNK_SIZE ({self.chunk_size})"
            )
        if self.dense == "chroma" and not self.chroma_url:
            raise ValueError("RAG_DENSE=chroma needs a Chroma server (RAG_CHROMA_URL)")
        return self

    @property
    def llm_configured(self) -> bool:
        """Whether answers come from an LLM (an API key or a base URL is set)."""
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def embedding_model(self) -> str:
        """The embedding model name, with the backend's default filled in."""
        if self.embed_model:
            return self.embed_model
        return OPENAI_EMBED_MODEL if self.embed_backend == "openai" else LOCAL_EMBED_MODEL


def load_settings() -> Settings:
    """Settings from the environment, with validation problems as one RagError."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"RAG_{'_'.join(str(p) for p in err['loc']).upper() or 'SETTINGS'}: {err['msg']}"
            for err in exc.errors()
        )
        raise RagError(f"invalid settings: {problems}") from None
