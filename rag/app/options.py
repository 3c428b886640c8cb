"""The options of ``rag serve``, which ``python app.py`` takes too: defined once, here.

Owns: argument definitions only. Must not: import the app, Gradio or anything heavy, since
``rag`` builds its parser from this on every command.
"""

from __future__ import annotations

import argparse

SERVE_HELP = "chat with the corpus in a browser"
SERVE_DESCRIPTION = (
    "Chat with the corpus in a browser. Listens on 127.0.0.1 unless told otherwise; "
    "beyond this machine it requires the login in RAG_AUTH (user:password). Builds the "
    "index from RAG_CORPUS_DIR first when it is empty."
)


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``rag serve``, which ``python app.py`` takes too."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=7860, help="port to listen on")
