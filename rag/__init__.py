"""Question answering over news and analysis articles, every sentence cited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Pipeline"]

if TYPE_CHECKING:
    from rag.pipeline import Pipeline


def __getattr__(name: str) -> Any:
    """``from rag import Pipeline`` without importing it for ``rag --help``."""
    if name == "Pipeline":
        from rag.pipeline import Pipeline

        return Pipeline
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
