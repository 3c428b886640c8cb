"""Errors the tool reports to a person as one line."""


class RagError(Exception):
    """Base class: the message is shown as it is, prefixed with 'error: '."""


class ConfigError(RagError):
    """A setting is missing or wrong."""


class StoreError(RagError):
    """The Chroma index cannot be opened or written."""


class IndexMismatch(StoreError):
    """The index was built with other embedder or chunking settings."""


class ReadError(RagError):
    """A corpus file cannot be read as an article."""


class LLMError(RagError):
    """The LLM endpoint refused, failed or answered with something unusable."""
