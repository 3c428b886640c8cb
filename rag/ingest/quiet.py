"""What libraries print while an ingest runs: their log records, warnings and progress
bars are kept off standard error, so the ingest's own lines are all it prints; logging that
a program configured itself is left as it is, and everything is as before once it ends."""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet(bars: bool) -> Iterator[None]:
    """Keep what libraries log or warn (pypdf on a damaged PDF, ONNX Runtime's quantizer)
    off standard error while an ingest runs, and their progress bars too unless ``bars``:
    the ingest's own lines are all it prints."""
    with warnings.catch_warnings(), _logging_kept_quiet(), _library_bars(bars):
        warnings.simplefilter("ignore")
        yield


@contextmanager
def _logging_kept_quiet() -> Iterator[None]:
    """Where nothing handles log records (a ``rag`` process), drop them instead of letting
    Python print warnings, or a library's ``logging.basicConfig()`` print them all; logging
    that is configured is left as it is."""
    root, silent = logging.getLogger(), logging.NullHandler()
    if not root.handlers:
        root.addHandler(silent)
    try:
        yield
    finally:
        root.removeHandler(silent)


@contextmanager
def _library_bars(bars: bool) -> Iterator[None]:
    """The Hugging Face libraries' progress bars (loading a model's weights) off, unless
    ``bars``; back on after."""
    import huggingface_hub.utils as hub

    if bars or hub.are_progress_bars_disabled():
        yield
        return
    hub.disable_progress_bars()  # transformers imported from now on starts with them off
    if loaded := sys.modules.get("transformers.utils.logging"):
        loaded.disable_progress_bar()
    try:
        yield
    finally:
        hub.enable_progress_bars()
        if loaded := sys.modules.get("transformers.utils.logging"):
            loaded.enable_progress_bar()
