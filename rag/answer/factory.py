"""Chooses the answerer for the settings: the LLM one when an endpoint is configured, else
the offline extractive one.

This module owns only that choice. It imports the answerers inside the function, so that
answering offline never imports ``openai``; no module of ``rag.answer`` may import it back.
"""

from __future__ import annotations

from rag.answer.base import Answerer, Embed
from rag.settings import Settings


def create_answerer(settings: Settings, embed: Embed) -> Answerer:
    """An LLM answerer when an endpoint is configured, else the extractive one (which
    embeds sentences with ``embed``)."""
    if settings.llm_configured:
        from rag.answer.llm import LLMAnswerer

        return LLMAnswerer(settings)
    from rag.answer.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer(settings, embed)
