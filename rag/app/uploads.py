"""The library tab's uploads: files copied into the corpus, ingested, and reported on one
line each; a file that fails (to be copied, read or ingested) is removed again, since every
later ingest of the corpus would fail on it too.

It owns that sequence and its report; the checks on a file are ``rag.ingest.uploads``' and
the ingest is ``rag.index.sync``'s. It must not open the pipeline (it only asks the
``ChatApp`` to refresh an open one) nor render anything beyond its report lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.errors import RagError, StoreError
from rag.index.sync import Ingestor
from rag.ingest.discover import source_name
from rag.ingest.uploads import accept_upload, failures_of, problem_line, upload_problem

if TYPE_CHECKING:
    from rag.app.chat import ChatApp
    from rag.settings import Settings

#: Where uploaded files go, inside the corpus folder.
UPLOADS = "uploads"
#: Seconds an upload waits for another ingest to finish before it is refused.
UPLOAD_WAIT = 30.0


def add_uploads(app: ChatApp, files: Sequence[Any] | None) -> tuple[str, list[list[Any]]]:
    """Copy uploads into the corpus, ingest them, and report on every file, one line
    each; with the library's rows after."""
    lines, accepted = accept(app.settings, files or [])
    if accepted:
        lines += ingest(app, accepted)
    return "\n".join(lines) or "No files chosen.", app.library()


def accept(settings: Settings, files: Sequence[Any]) -> tuple[list[str], list[Path]]:
    """The uploads copied into the corpus whose every part reads, and a line for each
    refused one (removed again when it was copied)."""
    lines, accepted = [], []
    folder = settings.corpus_dir / UPLOADS
    limit = int(settings.max_upload_mb * 1e6)
    for upload in files:
        path = Path(getattr(upload, "name", upload))
        name = getattr(upload, "orig_name", None) or path.name
        try:
            kept = accept_upload(path, name, folder, limit)
        except RagError as exc:
            lines.append(f"✗ {exc}")
            continue
        problem = upload_problem(kept, int(settings.max_file_mb * 1e6))
        if problem:
            kept.unlink(missing_ok=True)
            lines.append(f"✗ {kept.name}: {problem}")
        else:
            accepted.append(kept)
    return lines, accepted


def ingest(app: ChatApp, accepted: Sequence[Path]) -> list[str]:
    """Ingest the accepted uploads; a line for each, and those the ingest names as
    failed removed."""
    settings = app.settings
    try:
        report = Ingestor.sync(settings, accepted, progress=True, wait=UPLOAD_WAIT)
    except StoreError as exc:
        folder = settings.corpus_dir / UPLOADS
        return [f"✗ {exc}; the files stay in {folder} for the next ingest"]
    lines = []
    for path in accepted:
        failed = failures_of(source_name(path), report.failed)
        if failed:
            path.unlink(missing_ok=True)
            lines.append(f"✗ {path.name}: {problem_line(source_name(path), failed)}")
        else:
            lines.append(f"✓ {path.name}: added")
    app.refresh()
    return lines
