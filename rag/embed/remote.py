"""Embeddings from an OpenAI-compatible API (``OpenAIEmbedder``); the ``openai`` package is
imported only when one is made. Nothing here decides which embedder an index uses."""

from __future__ import annotations

from collections.abc import Sequence

from rag.embed.base import Vectors, embedder_name
from rag.errors import ConfigError, RagError
from rag.settings import Settings


class OpenAIEmbedder:
    """Embeddings from any OpenAI-compatible ``/v1/embeddings`` endpoint."""

    max_inputs = 256

    def __init__(self, settings: Settings) -> None:
        import openai

        if settings.openai_api_key is None:
            raise ConfigError("RAG_EMBED_BACKEND=openai needs OPENAI_API_KEY to be set")
        self.name = embedder_name(settings)
        self.model = settings.embedding_model
        self.client = openai.OpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            max_retries=3,
        )

    def embed(self, texts: Sequence[str]) -> Vectors:
        import openai

        vectors: list[list[float]] = []
        for i in range(0, len(texts), self.max_inputs):
            try:
                reply = self.client.embeddings.create(
                    model=self.model, input=list(texts[i : i + self.max_inputs])
                )
            except openai.OpenAIError as exc:
                raise RagError(f"embedding request to the OpenAI API failed: {exc}") from None
            vectors.extend(item.embedding for item in sorted(reply.data, key=lambda d: d.index))
        return vectors
