"""``rag serve``: the app started from the command line serves its page, with the options
``python app.py`` takes; the other commands never load the app."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request

import pytest

from rag.app.server import parse
from rag.cli import build_parser
from rag.settings import Settings
from tests.support.cli import rag_command
from tests.support.index import index_env
from tests.support.servers import free_port, shell_env


def test_rag_serve_and_app_py_take_the_same_options() -> None:
    served = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "8123"])
    launched = parse(["--host", "0.0.0.0", "--port", "8123"])
    assert (served.host, served.port) == (launched.host, launched.port) == ("0.0.0.0", 8123)
    assert vars(build_parser().parse_args(["serve"])) == {**vars(parse([])), "command": "serve"}


def test_the_command_line_loads_neither_the_app_nor_gradio() -> None:
    code = (
        "import sys\nfrom rag.cli import build_parser\nbuild_parser().parse_args(['serve'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('rag.app', 'gradio'))))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    expected = "['rag.app', 'rag.app.options']"  # the options alone, not the app
    assert (loaded.returncode, loaded.stdout.strip()) == (0, expected), loaded.stderr


@pytest.mark.slow
def test_rag_serve_serves_the_page(seed_index: Settings) -> None:
    port = free_port()
    command = rag_command("serve", "--port", str(port))
    env = shell_env(**index_env(seed_index))
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, status = time.monotonic() + 180, 0
        while status != 200:
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            assert time.monotonic() < deadline, "rag serve did not answer in 180 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:
                    status = page.status
            except OSError:
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    printed = proc.stdout.read().decode() if proc.stdout else ""
    assert f"rag: serving http://127.0.0.1:{port} (this machine only)" in printed
