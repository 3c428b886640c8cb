"""What an ingest prints when standard error is not a terminal: its own lines only, no
progress bars (its own or a library's) and no library warnings (pypdf on a damaged PDF)."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import pytest

from rag.index.open import open_index
from rag.settings import Settings
from tests.support.cli import rag_command
from tests.support.files import write
from tests.support.index import ingest
from tests.support.servers import shell_env

PDF_TEXT = "Oil exports through the Caspian pipeline rose in March."


def damaged_pdf(text: str) -> bytes:
    """A one-page PDF whose ``startxref`` points at the wrong byte: pypdf warns, and still
    reads it by scanning the file."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 10, text)
    data = bytes(pdf.output())
    found = re.search(rb"startxref\s+(\d+)", data)
    assert found is not None
    wrong = str(int(found.group(1)) + 7).encode()
    return data[: found.start(1)] + wrong + data[found.end(1) :]


def test_pypdf_warns_about_the_damaged_pdf(caplog: pytest.LogCaptureFixture) -> None:
    """The file really is damaged: read on its own, pypdf logs a warning about it."""
    import io

    from pypdf import PdfReader

    with caplog.at_level(logging.WARNING):
        text = PdfReader(io.BytesIO(damaged_pdf(PDF_TEXT))).pages[0].extract_text()
    assert "Caspian pipeline" in text
    assert any(record.name.startswith("pypdf") for record in caplog.records)


@pytest.mark.slow
def test_rag_ingest_prints_only_its_summary_when_stderr_is_piped(tmp_path: Path) -> None:
    write(Path("corpus/report.pdf"), damaged_pdf(PDF_TEXT * 12))
    write(Path("corpus/note.md"), "# Astana\n\nTalks on the pipeline resumed in Astana.\n")
    # A model cache of its own, so the ONNX model is built here, as on a first run.
    env = shell_env(RAG_MODEL_CACHE=str(tmp_path / "models"))
    run = subprocess.run(
        rag_command("ingest"), env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert run.stdout.startswith("articles: 2 added, 0 updated, 0 unchanged, 0 removed, 0 failed")
    assert len(run.stdout.splitlines()) == 1
    passages = [p for p, _ in open_index(Settings(index_dir=tmp_path / "index"))[0].scan()]
    assert any("Caspian pipeline" in p.text and p.page == 1 for p in passages)


def test_an_ingest_keeps_library_warnings_off_stderr_and_leaves_logging_as_it_was(
    settings: Settings, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(Path("corpus/report.pdf"), damaged_pdf(PDF_TEXT))
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in a fresh `rag` process
    report = ingest(settings)
    assert (report.added, report.failed) == (1, [])
    assert capfd.readouterr().err == ""
    assert logging.getLogger().handlers == []
    logging.getLogger("pypdf").warning("after the ingest")  # library warnings show again
    assert capfd.readouterr().err == "after the ingest\n"
