"""Question answering over news and analysis articles, every sentence cited."""

__version__ = "0.1.0"
