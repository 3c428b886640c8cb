"""Helpers for the browser tests: run ``app.py`` as a server and drive Debian's Chromium."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

from tests.support.files import REPO
from tests.support.servers import free_port, shell_env

APP = REPO / "app.py"
#: The system Chromium (``make test`` installs it); Playwright's own browsers are never used.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # No crash handler: it outlives the browser as a zombie where PID 1 does not reap.
    "--disable-crash-reporter",
    "--disable-breakpad",
]
#: Seconds for the app to answer its first request (it may build the index first).
START_TIMEOUT = 180.0
#: Seconds between SIGTERM and SIGKILL when stopping the app.
STOP_GRACE = 10.0


def log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def running_app(workdir: Path, **env: str) -> Iterator[str]:
    """``python app.py`` on a free port of 127.0.0.1, run in ``workdir`` with ``env`` added;
    yields its URL once ``GET /`` answers 200 and the URL was printed; stopped afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = workdir / "app.log"
    command = [sys.executable, str(APP), "--host", "127.0.0.1", "--port", str(port)]
    # Uploads land in the test's folder, not in the shared /tmp/gradio.
    env = {"GRADIO_TEMP_DIR": str(workdir / "gradio-uploads"), **env}
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=workdir, env=shell_env(**env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_until_ready(proc, url, log)
        yield url
    finally:
        stop(proc)


def wait_until_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None:
            pytest.fail(f"app.py exited with status {proc.returncode}:\n{log_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:  # refused, timed out, or an HTTP error status
            pass
        if time.monotonic() > deadline:
            pytest.fail(
                f"app.py did not answer on {url} in {START_TIMEOUT:.0f} s:\n{log_tail(log)}"
            )
        time.sleep(0.5)
    # The URL line comes with or just after the server starting to answer.
    deadline = time.monotonic() + 10
    while url not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            pytest.fail(f"app.py answers but never printed {url}:\n{log_tail(log)}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL after ``STOP_GRACE`` seconds."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's headless Chromium (never a downloaded one)."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (make test installs it as root)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
