"""One typed Settings object, read from the environment (prefix ``RAG_``) and passed in."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    embed_batch_size: int = Field(32, ge=1, description="Passages per encoder batch.")
    embed_device: str = Field("cpu", description="torch device for the local embedder.")

    chunk_size: int = Field(200, ge=32, description="Passage size in tokens.")
    chunk_overlap: int = Field(30, ge=0, description="Tokens shared by neighbouring passages.")
    ingest_group: int = Field(
        512, ge=1, description="Passages embedded and written per step of an ingest."
    )
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are skipped.")

    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "RAG_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "RAG_OPENAI_BASE_URL")
    )

    @model_validator(mode="after")
    def _check_chunking(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"RAG_CHUNK_OVERLAP ({self.chunk_overlap}) must be smaller than "
                f"RAG_CHUNK_SIZE ({self.chunk_size})"
            )
        return self

    @property
    def embedding_model(self) -> str:
        """The embedding model name, with the backend's default filled in."""
        if self.embed_model:
            return self.embed_model
        return OPENAI_EMBED_MODEL if self.embed_backend == "openai" else LOCAL_EMBED_MODEL
