"""A conversation exported as a file (Markdown or JSON) for the chat's download buttons.

It owns where the file is made (Gradio's file cache, which the app clears); what the file
says is ``rag.present.html``'s. It must not answer, open the index or keep state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from rag.present.html import Turn, conversation_json, conversation_markdown


def export_conversation(turns: Sequence[Turn], kind: str) -> str:
    """The conversation and its sources as a file (``md`` or ``json``), made when asked
    for, in Gradio's file cache (a folder named by its content, as Gradio keeps files;
    the app clears them with the cache)."""
    from gradio.utils import get_upload_folder

    text = conversation_markdown(turns) if kind == "md" else conversation_json(turns)
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    folder = Path(get_upload_folder()) / "rag-conversations" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"conversation.{kind}"
    path.write_text(text, encoding="utf-8")
    return str(path)
