"""50 questions at once to the running app's API and to the pipeline: every one answered
with citations as it is when asked alone, none failing (``bench/load.py``, loopback only,
bounded in time)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.support.files import REPO
from tests.support.servers import shell_env

pytestmark = pytest.mark.slow


def test_fifty_concurrent_questions_all_get_cited_answers() -> None:
    run = subprocess.run(
        [sys.executable, str(REPO / "bench" / "load.py"), "--questions", "50", "--json"],
        env=shell_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    results = json.loads(run.stdout)
    assert results["errors"] == []
    assert results["answered_alone"] >= 30  # most seed questions get a cited answer alone
    for path in ("api", "pipeline"):
        assert results[path]["questions"] == 50 and results[path]["errors"] == 0
        assert 0 < results[path]["p50_ms"] <= results[path]["p95_ms"]
