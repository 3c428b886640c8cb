"""Launch the web UI: ``rag serve [--host HOST] [--port PORT]`` (or ``python app.py``, the
same options, defined once in ``rag.app.options``).

Listens on 127.0.0.1 unless told otherwise; beyond this machine it requires the login
in RAG_AUTH (user:password), whose wrong guesses lock their address out for a while
(``rag/app/login.py``). Builds the index from RAG_CORPUS_DIR first when it is empty.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from rag.app.options import SERVE_DESCRIPTION, serve_arguments
from rag.errors import RagError
from rag.present.html import CITATION_SCRIPT, CSS
from rag.settings import Settings, load_settings

LOCAL = ("127.0.0.1", "localhost", "::1")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=SERVE_DESCRIPTION)
    serve_arguments(parser)
    return parser.parse_args(argv)


def login(settings: Settings, host: str) -> tuple[str, str] | None:
    """The login the app asks for; refuses to listen beyond this machine without one."""
    if settings.auth is None:
        if host not in LOCAL:
            raise RagError(f"--host {host} exposes the app: set RAG_AUTH=user:password first")
        return None
    user, sep, password = settings.auth.get_secret_value().partition(":")
    if not sep or not user or not password:
        raise RagError("RAG_AUTH must be user:password")
    return user, password


def launch_options(settings: Settings, auth: tuple[str, str] | None) -> dict[str, Any]:
    """What ``Blocks.launch`` is given besides the address: the login (refusing guessers
    at once), the upload limit, the page's script and style, threads for every answer."""
    from rag.app.layout import THREADS

    options: dict[str, Any] = {
        "auth": auth,
        "max_file_size": f"{settings.max_upload_mb:g}mb",
        "head": CITATION_SCRIPT,
        "css": CSS,
        "footer_links": [],
        "quiet": True,
        "max_threads": THREADS,
    }
    if auth:
        from starlette.middleware import Middleware

        from rag.app.login import LoginGuard, notice

        options["auth_message"] = notice()
        options["app_kwargs"] = {"middleware": [Middleware(LoginGuard)]}
    return options


def ensure_index(settings: Settings) -> None:
    """Ingest the corpus folder when the index holds nothing yet."""
    from rag.index.open import open_index
    from rag.index.sync import Ingestor

    if open_index(settings)[0].count() == 0 and settings.corpus_dir.is_dir():
        print(f"building the index from {settings.corpus_dir}/ …", flush=True)
        print(Ingestor.sync(settings, [settings.corpus_dir]).line(), flush=True)


def main(argv: list[str] | None = None) -> int:
    """``python app.py``: exit 2 when the settings or the index refuse to serve."""
    args = parse(argv)
    try:
        return serve(load_settings(), args.host, args.port)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def serve(settings: Settings, host: str, port: int) -> int:
    """Serve the app on ``host``:``port`` until stopped (``rag serve``, ``python app.py``);
    RagError, before it listens, when it may not or cannot."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    auth = login(settings, host)
    ensure_index(settings)
    from rag.app.layout import create_app

    say_updates()
    blocks = create_app(settings)
    where = f"http://{host}:{port}"
    guard = "; login required (RAG_AUTH)" if auth else " (this machine only)"
    print(f"rag: serving {where}{guard}", flush=True)
    blocks.launch(server_name=host, server_port=port, **launch_options(settings, auth))
    return 0


def say_updates() -> None:
    """Print a line whenever the app brings its copy of the index up to date (from the
    change log, or by reading every passage), as the other lines: "rag: …"."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("rag: %(message)s"))
    logger = logging.getLogger("rag.index")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


if __name__ == "__main__":
    sys.exit(main())
