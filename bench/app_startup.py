"""Time from ``python app.py`` to a page that answers, with the index already built.

Usage: python bench/app_startup.py [--runs 3]

Each run starts the app on a free port over an index of the seed corpus, then, in a
headless Chromium started beforehand, loads the page as soon as the server answers, asks
"What leverage does Moscow have over Astana?" and waits for the first citation. Reported:
seconds to the page (HTTP 200) and to the cited answer, per run and median.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from common import free_port

from rag.index.sync import Ingestor
from rag.settings import Settings

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def wait_for_page(url: str, deadline: float) -> None:
    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer") from None
            time.sleep(0.05)


def one_run(browser: Any, index: Path) -> dict[str, float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "RAG_INDEX_DIR": str(index), "RAG_CORPUS_DIR": str(REPO / "corpus")}
    started = time.monotonic()
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port)]
    app = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_page(url, started + 120)
        served = time.monotonic() - started
        page = browser.new_page()
        page.goto(url)
        page.fill("#question textarea", "What leverage does Moscow have over Astana?")
        page.click("#ask")
        page.wait_for_selector("#chat a.cite", timeout=120_000)
        answered = time.monotonic() - started
        page.close()
    finally:
        app.terminate()
        app.wait(timeout=30)
    return {"page_s": round(served, 2), "answer_s": round(answered, 2)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        settings = Settings(index_dir=Path(tmp) / "index")
        Ingestor.from_settings(settings).run([REPO / "corpus"])
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM)
        runs = [one_run(browser, settings.index_dir) for _ in range(args.runs)]
        browser.close()
    median = {key: round(statistics.median(r[key] for r in runs), 2) for key in runs[0]}
    print(json.dumps({"runs": runs, "median": median}, indent=2))


if __name__ == "__main__":
    main()
