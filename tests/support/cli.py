"""The ``rag`` command in tests: ``rag`` runs it as a person does, in its own process with
the environment of a fresh shell; ``run_cli`` calls ``rag.cli.main`` in this process (quick,
and what it prints is captured), with environment variables set for the call only."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from tests.support.servers import shell_env


def rag_command(*args: str) -> list[str]:
    """The command line that runs ``rag`` with ``args`` in this virtual environment."""
    return [sys.executable, "-m", "rag", *args]


def rag(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``rag`` with ``args`` in a fresh shell's environment plus ``env``; output captured."""
    return subprocess.run(
        rag_command(*args), env=shell_env(**env), capture_output=True, text=True, timeout=300
    )


@dataclass(frozen=True)
class CliRun:
    """What one in-process ``rag`` command returned and printed."""

    code: int
    out: str
    err: str


def run_cli(*args: str, env: Mapping[str, str | None] | None = None) -> CliRun:
    """``rag.cli.main(list(args))`` in this process, with ``env`` set (``None``: unset) for
    the call only; its exit status (``SystemExit`` included, as argparse raises) and output."""
    from rag.cli import main

    out, err = io.StringIO(), io.StringIO()
    with environment(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    return CliRun(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def environment(changes: Mapping[str, str | None]) -> Iterator[None]:
    """Set (or, for ``None``, unset) environment variables until the block ends."""
    saved = {key: os.environ.get(key) for key in changes}
    try:
        for key, value in changes.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
