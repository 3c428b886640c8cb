"""The ``rag`` command: parse arguments, call the library, print results."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.app.options import SERVE_DESCRIPTION, SERVE_HELP, serve_arguments
from rag.errors import RagError, disk_full_named
from rag.present.terminal import shown
from rag.settings import Settings, load_settings

ASK_HELP = "answer a question with cited passages"
ASK_DESCRIPTION = (
    "Answer QUESTION from the index; every sentence cites the passages it rests on, and the "
    "citations are checked. Offline (extractive) unless OPENAI_API_KEY or OPENAI_BASE_URL is "
    "set; when the LLM fails, the offline answerer stands in and a warning says so."
)
BATCH_HELP = "answer a set of questions into a file"
BATCH_DESCRIPTION = (
    "Answer every question of QUESTIONS (.jsonl, .csv or .txt) into ANSWERS (.jsonl or .csv). "
    "Run it again with the same ANSWERS to finish an interrupted run: questions already "
    "answered are skipped, failed ones are tried again."
)


def build_parser() -> argparse.ArgumentParser:
    """Arguments of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="rag", description="Ask questions of a corpus of articles; answers cite passages."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ingest = commands.add_parser(
        "ingest",
        help="split, embed and index articles",
        description="Bring the index in step with PATHs (default: RAG_CORPUS_DIR): new and "
        "edited articles are embedded, articles whose file is gone are removed.",
    )
    ingest.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders")
    ingest.add_argument("--rebuild", action="store_true", help="delete the index and build it anew")
    ingest.add_argument(
        "--wait", type=float, default=0.0, metavar="SECONDS",
        help="when another ingest is writing the index, wait this long for it (default: 0)",
    )  # fmt: skip
    add_progress(ingest)
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_ask(commands)
    add_batch(commands)
    add_eval(commands)
    serve_arguments(commands.add_parser("serve", help=SERVE_HELP, description=SERVE_DESCRIPTION))
    articles = commands.add_parser(
        "articles",
        help="list the indexed articles with their ids",
        description="Every indexed article: its id (what --article takes), outlet, "
        "publication date, passages and title.",
    )
    articles.add_argument("--json", action="store_true", help="print as JSON")
    speakers = commands.add_parser(
        "speakers",
        help="list who is quoted or reported in the index",
        description="Every speaker the indexed articles quote or report, most spans first: "
        "their role, the kinds of their spans, and the outlets and articles they speak in "
        "(what --speaker takes: the name or the surname).",
    )
    speakers.add_argument("--json", action="store_true", help="print as JSON")
    add_timeline(commands)
    stats = commands.add_parser("stats", help="show what the index holds")
    stats.add_argument("--json", action="store_true", help="print as JSON")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        with disk_full_named(settings.index_dir, settings.chroma_url, f"rag {args.command}"):
            return run_command(settings, args)
    except RagError as exc:
        say(f"error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run the command again to finish", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`rag ask ... | head`)
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 141


def run_command(settings: Settings, args: argparse.Namespace) -> int:
    """Run the sub-command ``args`` name; returns the exit status."""
    if args.command == "ingest":
        return run_ingest(settings, args)
    if args.command == "ask":
        return run_ask(settings, args)
    if args.command == "batch":
        return run_batch(settings, args)
    if args.command == "eval":
        return run_eval(settings, args)
    if args.command == "articles":
        return run_articles(settings, args)
    if args.command == "speakers":
        return run_speakers(settings, args)
    if args.command == "timeline":
        return run_timeline(settings, args)
    if args.command == "serve":
        from rag.app.server import serve  # Gradio and the app only for this command

        return serve(settings, args.host, args.port)
    return run_stats(settings, args)


def say(text: str, err: bool = False, keep: Sequence[str] = (), end: str = "\n") -> None:
    """Print ``text`` with its control characters escaped (``rag/present/terminal.py``): article
    text, titles and file names never act on the reader's terminal."""
    print(shown(text, keep), file=sys.stderr if err else sys.stdout, end=end)


def run_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """``rag ingest``: exit 1 when any file failed, 0 otherwise."""
    from rag.index.sync import Ingestor

    at_least(args.wait, 0, "--wait")
    paths = args.paths or [settings.corpus_dir]
    report = Ingestor.sync(settings, paths, args.progress, args.rebuild, args.wait)
    for warning in report.warnings:
        say(f"warning: {warning}", err=True)
    for failure in report.failed:
        say(f"error: {failure} (skipped)", err=True)
    say(json.dumps(report.to_dict(), indent=2) if args.json else report.line())
    return 1 if report.failed else 0


def at_least(value: float | None, low: float, option: str) -> None:
    """Refuse a number ``option`` was given below ``low`` (None: not given)."""
    if value is not None and value < low:
        raise RagError(f"{option} must be at least {low:g}, not {value:g}")


def add_progress(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress``: force the bars on or off (default: on a terminal)."""
    bars = parser.add_mutually_exclusive_group()
    bars.add_argument(
        "--progress", action="store_true", default=None, help="always show progress bars"
    )
    bars.add_argument("--no-progress", action="store_false", dest="progress", help="never")


def add_ask(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rag ask`` and its filters."""
    ask = commands.add_parser("ask", help=ASK_HELP, description=ASK_DESCRIPTION)
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--k", type=int, metavar="N", help="passages to retrieve (RAG_TOP_K)")
    ask.add_argument("--outlet", action="append", default=[], help="only this outlet (repeat)")
    ask.add_argument("--article", action="append", default=[], help="only this article id")
    ask.add_argument(
        "--speaker", action="append", default=[], metavar="NAME",
        help="only passages quoting or reporting this speaker (name or surname; repeat)",
    )  # fmt: skip
    ask.add_argument("--since", metavar="YYYY-MM-DD", help="articles published on or after")
    ask.add_argument("--until", metavar="YYYY-MM-DD", help="articles published on or before")
    ask.add_argument(
        "--as-of", metavar="YYYY-MM-DD",
        help="ask as on this day: 'last week', 'latest' read against it, nothing published after",
    )  # fmt: skip
    ask.add_argument("--json", action="store_true", help="print the whole answer as JSON")


def run_ask(settings: Settings, args: argparse.Namespace) -> int:
    """``rag ask``: the answer and its sources; exit 0 even when the corpus cannot answer,
    or when the LLM failed and the offline answerer stood in (a warning on standard error)."""
    from rag.pipeline import Pipeline
    from rag.present.render import COLOR_MARKS, render_answer
    from rag.retrieve.request import checked_filters, checked_k

    checked_k(args.k, "--k")
    filters = checked_filters(
        args.outlet, args.article, args.since, args.until, prefix="--", speakers=args.speaker,
        as_of=args.as_of,
    )  # fmt: skip
    pipeline = Pipeline.from_settings(settings, fallback=True)
    answer = pipeline.ask(args.question, filters=filters, k=args.k)
    if answer.fallback:
        say(f"warning: {answer.fallback}", err=True)
    if args.json:
        say(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False))
    else:
        color = sys.stdout.isatty()
        say(render_answer(answer, color=color), keep=COLOR_MARKS if color else ())
    return 0


def add_batch(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rag batch`` and its options."""
    batch = commands.add_parser("batch", help=BATCH_HELP, description=BATCH_DESCRIPTION)
    batch.add_argument("questions", type=Path, metavar="QUESTIONS")
    batch.add_argument("-o", "--output", type=Path, required=True, metavar="ANSWERS")
    batch.add_argument(
        "--workers", type=int, default=4, metavar="N", help="questions at once (LLM answers)"
    )
    add_progress(batch)
    batch.add_argument("--json", action="store_true", help="print the summary as JSON")


def run_batch(settings: Settings, args: argparse.Namespace) -> int:
    """``rag batch``: exit 1 when any question failed (each is named on standard error)."""
    import dataclasses

    from rag.batch import AnswerFile, read_questions
    from rag.batch import run_batch as answer_all
    from rag.pipeline import Pipeline

    at_least(args.workers, 1, "--workers")
    questions = read_questions(args.questions)
    output = AnswerFile(args.output)
    pipeline = Pipeline.from_settings(settings, fallback=True)
    report = answer_all(pipeline, questions, output, args.workers, args.progress)
    for warning in report.warnings:
        say(f"warning: {warning}", err=True)
    for error in report.errors:
        say(f"error: {error}", err=True)
    say(json.dumps(dataclasses.asdict(report)) if args.json else report.line(args.output))
    return 1 if report.failed else 0


def add_eval(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rag eval`` and its options."""
    ev = commands.add_parser(
        "eval",
        help="measure retrieval and citation accuracy on a gold file",
        description="Answer the questions of GOLD (.jsonl: id, question, gold_quotes, "
        "answer_keywords, answerable) and measure retrieval, citations (ALCE recall and "
        "precision), refusals and keywords. Writes OUT/report.json, report.md, report.html "
        "and the answers; run it again to finish an interrupted run.",
    )
    ev.add_argument("gold", type=Path, nargs="?", metavar="GOLD")
    ev.add_argument(
        "-o",
        "--out",
        type=Path,
        metavar="OUT",
        help="folder of the answers and reports (default: eval/results/GOLD-NAME)",
    )
    ev.add_argument(
        "--answers",
        type=Path,
        metavar="ANSWERS",
        help="score this .jsonl answers file instead of answering",
    )
    ev.add_argument(
        "--judge",
        choices=["auto", "llm", "local"],
        default="auto",
        help="who judges entailment: the LLM (auto when one is configured) or the "
        "local support scorer",
    )
    ev.add_argument(
        "--workers",
        type=int,
        default=4,
        metavar="N",
        help="questions at once (LLM answers and LLM judge)",
    )
    ev.add_argument("--fresh", action="store_true", help="answer every question anew")
    ev.add_argument(
        "--compare",
        type=Path,
        nargs=2,
        metavar=("A.json", "B.json"),
        help="show two reports side by side instead",
    )
    add_progress(ev)
    ev.add_argument("--json", action="store_true", help="print the totals as JSON")  # fmt: skip


def run_eval(settings: Settings, args: argparse.Namespace) -> int:
    """``rag eval``: exit 1 when any question could not be answered or judged."""
    from rag.evaluate.report import compare, load_report, text_table
    from rag.evaluate.run import EvalOptions, evaluate

    if args.compare:
        first, second = (load_report(path) for path in args.compare)
        if args.json:
            a, b = first.to_dict(), second.to_dict()
            picked = ("gold", "judge", "totals")
            say(json.dumps({"a": {k: a[k] for k in picked}, "b": {k: b[k] for k in picked}}))
        else:
            say(compare(first, second, [str(path) for path in args.compare]), end="")
        return 0
    if args.gold is None:
        raise RagError("rag eval needs a GOLD file (or --compare A.json B.json)")
    at_least(args.workers, 1, "--workers")
    out = args.out or Path("eval/results") / args.gold.stem
    options = EvalOptions(args.gold, out, args.answers, args.judge, args.workers,
                          args.progress, args.fresh)  # fmt: skip
    report = evaluate(settings, options)
    for row in report.questions:
        if row.error:
            say(f"error: {row.id}: {row.error}", err=True)
    if args.json:
        data, keys = report.to_dict(), ("gold", "answers", "judge", "answerer", "totals")
        say(json.dumps({**{k: data[k] for k in keys}, "reports": str(out)}))
    else:
        say(text_table(report))
        say(f"\nreports: {out / 'report.md'}, {out / 'report.html'}, {out / 'report.json'}")
    return 1 if report.totals.failed else 0


#: What ``rag articles`` shows of each article, in order.
ARTICLE_KEYS = ("id", "outlet", "published", "passages", "title")


def run_articles(settings: Settings, args: argparse.Namespace) -> int:
    """``rag articles``: every indexed article, by id; an empty index lists none."""
    from rag.index import generations
    from rag.index.chroma import has_collection, location, open_client
    from rag.index.library import list_articles
    from rag.index.store import Store

    def read() -> list[Any]:
        client = open_client(settings)
        if not has_collection(client, settings.collection):
            return []
        return list_articles(Store(client, settings.collection, None))

    rows = generations.reading(read)
    found = [{**vars(row), "id": row.article_id} for row in rows]
    articles = [
        {key: row[key] if row[key] != "" else None for key in ARTICLE_KEYS} for row in found
    ]
    articles.sort(key=lambda article: str(article["id"]))
    if args.json:
        say(json.dumps(articles, indent=2, ensure_ascii=False))
    elif articles:
        say(articles_table(articles))
    else:
        empty = f"the index at {location(settings)} holds no articles; run `rag ingest` first"
        say(empty, err=True)
    return 0


def articles_table(articles: Sequence[dict[str, object]]) -> str:
    """One line per article: id, outlet, published, passages and title, in columns."""
    cells = [["-" if article[key] is None else str(article[key]) for key in ARTICLE_KEYS]
             for article in articles]  # fmt: skip
    return columns_table([list(ARTICLE_KEYS), *cells])


def columns_table(rows: Sequence[Sequence[str]]) -> str:
    """``rows`` (the header first) in aligned columns; the last one is not padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in rows
    )


#: The columns of ``rag speakers``, in order.
SPEAKER_KEYS = ("speaker", "role", "kinds", "spans", "outlets", "articles")


def run_speakers(settings: Settings, args: argparse.Namespace) -> int:
    """``rag speakers``: who the indexed articles quote or report, most spans first; an
    empty or missing index is an error (exit 2)."""
    from rag.index import generations
    from rag.index.chroma import has_collection, location, open_client
    from rag.index.library import list_speakers
    from rag.index.open import snapshot_root, store_options
    from rag.index.store import Store

    def read() -> list[dict[str, Any]] | None:
        client = open_client(settings)
        if not has_collection(client, settings.collection):
            return None
        root = snapshot_root(settings)
        store = Store(client, settings.collection, None, root, **store_options(settings))
        return [row.to_dict() for row in list_speakers(store)] if store.count() else None

    found = generations.reading(read)
    if found is None:
        raise RagError(f"the index at {location(settings)} is empty; run `rag ingest` first")
    if args.json:
        say(json.dumps(found, indent=2, ensure_ascii=False))
    elif found:
        say(columns_table([list(SPEAKER_KEYS), *(speaker_cells(row) for row in found)]))
    else:
        say("no indexed article quotes or reports anyone (an index built before speakers "
            "were recorded finds them at its next `rag ingest`)", err=True)  # fmt: skip
    return 0


def speaker_cells(row: dict[str, Any]) -> list[str]:
    """A ``rag speakers --json`` row as the table's cells (``SPEAKER_KEYS``)."""
    articles = ", ".join(article["id"] for article in row["articles"])
    kinds, outlets = ",".join(row["kinds"]), ", ".join(row["outlets"]) or "-"
    return [row["speaker"], row["role"] or "-", kinds, str(row["spans"]), outlets, articles]


def add_timeline(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``rag timeline`` and its options."""
    timeline = commands.add_parser(
        "timeline",
        help="dated events about a subject, in order",
        description="The whole sentences of the passages retrieved for QUERY that are about "
        "it and name a date (stated, or resolved against the article's date), oldest first, "
        "each citing its article.",
    )
    timeline.add_argument("query", help="the subject, in quotes")
    timeline.add_argument("-k", "--k", type=int, metavar="N", help="passages to read (default 30)")
    timeline.add_argument(
        "--since", metavar="YYYY-MM-DD", help="events whose date reaches this day or later"
    )
    timeline.add_argument(
        "--until", metavar="YYYY-MM-DD", help="events whose date reaches this day or earlier"
    )
    timeline.add_argument("--json", action="store_true", help="print query, events and sources")


def run_timeline(settings: Settings, args: argparse.Namespace) -> int:
    """``rag timeline``: the events, then their articles; an empty timeline is said on
    standard error (exit 0), an empty index or a bad date is an error (exit 2)."""
    from rag.embed.factory import create_embedder
    from rag.index.chroma import location
    from rag.index.open import open_index
    from rag.present.timeline import empty_note, timeline_text
    from rag.retrieve.request import checked_filters, checked_k
    from rag.retrieve.retriever import Retriever
    from rag.retrieve.timeline import timeline

    checked_k(args.k, "--k")
    dates = checked_filters(since=args.since, until=args.until, prefix="--")
    store, settings = open_index(settings)
    if store.count() == 0:
        raise RagError(f"the index at {location(settings)} is empty; run `rag ingest` first")
    retriever = Retriever(store, create_embedder(settings, light=True), settings)
    found = timeline(retriever, args.query, args.k, dates.since, dates.until)
    if args.json:
        say(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
    elif found.events:
        say(timeline_text(found))
    if not found.events:
        say(empty_note(found), err=True)
    return 0


def run_stats(settings: Settings, args: argparse.Namespace) -> int:
    """``rag stats``: what the index holds and what built it."""
    from rag.index.stats import index_stats

    stats = index_stats(settings)
    if args.json:
        say(json.dumps(stats, indent=2))
    else:
        for key, value in stats.items():
            say(f"{key + ':':<12} {value}")
    return 0
