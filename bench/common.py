"""Shared pieces of the retrieval benchmarks: cached indexes of SciFact, SQuAD and the
news set rtqa-dev, and their queries and gold answers.

Each index is built once through the project's own ``Ingestor`` into a folder under
``bench/results/`` named after the corpus and the settings that shape it (embedder,
chunking), and reused by later runs; ``fresh=True`` rebuilds it.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.embed.base import embedder_name
from rag.index.open import open_index
from rag.index.store import Store
from rag.index.sync import Ingestor
from rag.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
DATA = Path("../shared/bench-data")


@dataclass(frozen=True)
class Query:
    """One benchmark question and the documents that answer it (doc id → grade)."""

    id: str
    text: str
    gold: dict[str, int]


def free_port() -> int:
    """A TCP port free on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def index_key(corpus: str, settings: Settings) -> str:
    """Folder name of a cached index: the corpus and the settings that shape its passages
    and vectors (model and runtime)."""
    embedder = embedder_name(settings).split(":", 1)[1]
    raw = f"{corpus}-{embedder}-c{settings.chunk_size}o{settings.chunk_overlap}"
    return re.sub(r"[^A-Za-z0-9.-]+", "_", raw)


def doc_id(article_id: str) -> str:
    """The benchmark's document id from a jsonl article id (``<source>#<id>``)."""
    return article_id.rsplit("#", 1)[-1]


def cached_store(corpus: str, jsonl: Path, fresh: bool = False) -> tuple[Store, Settings]:
    """The cached index of ``jsonl`` (built now when missing, or when ``fresh``)."""
    if not jsonl.is_file():
        raise SystemExit(f"{jsonl}: no such file (is --data the bench-data folder?)")
    base = Settings()
    folder = RESULTS / index_key(corpus, base)
    settings = base.model_copy(update={"index_dir": folder})
    done = folder / "built.json"
    if fresh or not done.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        report = Ingestor.from_settings(settings, progress=True).run([jsonl])
        done.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    return open_index(settings)


def scifact_store(data: Path, fresh: bool = False) -> tuple[Store, Settings]:
    """SciFact's 5,183 abstracts, one article each (title + text)."""
    return cached_store("scifact", data / "corpus.jsonl", fresh)


def scifact_queries(data: Path) -> list[Query]:
    """The 300 test claims with their relevant abstracts."""
    gold: dict[str, dict[str, int]] = {}
    lines = (data / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()[1:]
    for line in lines:
        qid, did, score = line.split("\t")
        gold.setdefault(qid, {})[did] = int(score)
    queries = []
    for line in (data / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["_id"] in gold:
            queries.append(Query(record["_id"], record["text"], gold[record["_id"]]))
    return queries


def squad_paragraphs(path: Path) -> Iterator[tuple[str, str, str, list[tuple[str, str]]]]:
    """(paragraph id, article title, context, [(question id, question)]) per paragraph."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for a, article in enumerate(data):
        title = article["title"].replace("_", " ")
        for p, para in enumerate(article["paragraphs"]):
            questions = [(qa["id"], qa["question"]) for qa in para["qas"]]
            yield f"{a}-{p}", title, para["context"], questions


def squad_store(data: Path, fresh: bool = False) -> tuple[Store, Settings]:
    """Every SQuAD v1.1 dev paragraph as one article (written to a temporary jsonl)."""
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "squad-dev.jsonl"
        with jsonl.open("w", encoding="utf-8") as out:
            for pid, title, context, _ in squad_paragraphs(data / "dev-v1.1.json"):
                out.write(json.dumps({"id": pid, "title": title, "text": context}) + "\n")
        return cached_store("squad", jsonl, fresh)


def squad_queries(data: Path) -> list[Query]:
    """The 10,570 dev questions; the gold document is the paragraph each was written on."""
    return [
        Query(qid, question, {pid: 1})
        for pid, _, _, questions in squad_paragraphs(data / "dev-v1.1.json")
        for qid, question in questions
    ]


def rtqa_store(data: Path, fresh: bool = False) -> tuple[Store, Settings]:
    """rtqa-dev's 4,717 news entries (snippets and whole articles), one article each."""
    return cached_store("rtqa", data / "corpus.jsonl", fresh)


def rtqa_queries(data: Path) -> list[Query]:
    """The 3,824 news questions; the gold document is the entry whose text is the question's
    gold quote."""
    entries = (json.loads(line) for line in (data / "corpus.jsonl").open(encoding="utf-8"))
    by_text = {entry["text"]: entry["id"] for entry in entries}
    queries = []
    for line in (data / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        gold = {by_text[quote]: 1 for quote in record["gold_quotes"] if quote in by_text}
        if gold:
            queries.append(Query(record["id"], record["question"], gold))
    return queries
