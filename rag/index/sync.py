"""Incremental, crash-safe sync of corpus files into the index.

Each group of articles is written in three steps: records marked pending (and their
files' records dropped, so an unchanged file means a finished one), passages
upserted (ids are content-derived, so repeating a step is harmless) and stale ones
deleted, records marked done. A run killed at any point leaves pending records that
the next run finishes, so no passage is duplicated or orphaned.

The snapshot follows the collection: the stamp is cleared before any change and the
snapshot rebuilt under a new stamp after it, so a run killed midway leaves no stamp and
the next run (or any reader) rebuilds the snapshot.

An article id belongs to one file: the file the index has it from, while that file still
holds it, else the first file (in sorted order) that claims it; another file claiming it
fails with one line naming the owner, and the owner's article is left as it is.

A rebuild writes a new generation of the index and publishes it when it is complete
(``rag/index/generations.py``): until then questions use the index as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.embed.base import Embedder, Vectors
from rag.embed.factory import create_embedder
from rag.errors import disk_full_named
from rag.index.lock import ingest_lock
from rag.index.open import open_index
from rag.index.records import ArticleRecord, SourceRecord
from rag.index.store import Store
from rag.ingest.discover import SUFFIXES, discover, source_name
from rag.ingest.injection import article_warnings
from rag.ingest.prefetch import prefetch
from rag.ingest.quiet import quiet
from rag.ingest.readers import SourceFile, read_file
from rag.ingest.split import Splitter
from rag.settings import Settings
from rag.types import Article, FileError, Passage


@dataclass
class IngestReport:
    """What an ingest did, for the summary line and --json."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[FileError] = field(default_factory=list)
    #: Files left out (of a type not read) and details dropped (a date that is none).
    warnings: list[FileError] = field(default_factory=list)
    passages: int = 0
    embedded: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        """Passages embedded per second of the whole run."""
        return self.embedded / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        """The one-line summary printed at the end of an ingest."""
        rate = f" ({self.rate:.1f} passages/s)" if self.embedded else ""
        return (
            f"articles: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.failed)} failed; passages: {self.passages} in "
            f"index, {self.embedded} embedded in {self.seconds:.1f} s{rate}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        data = dataclasses.asdict(self)
        data["failed"] = [{"path": f.path, "reason": f.reason} for f in self.failed]
        data["passages_per_second"] = round(self.rate, 2)
        return data


@dataclass
class Plan:
    """The work an ingest will do, decided before anything is written."""

    todo: list[tuple[Article, str]] = field(default_factory=list)
    new: set[str] = field(default_factory=set)
    keep: set[str] = field(default_factory=set)
    remove: list[str] = field(default_factory=list)
    gone_sources: list[str] = field(default_factory=list)
    complete_sources: list[SourceRecord] = field(default_factory=list)


#: The version of what ingest reads out of an article besides its words (quotations, who
#: says what, the dates its time expressions name): a new one re-splits every article at the
#: next ingest, so that an index built before it is brought in step.
ANALYSIS = 3


def _read_with(known: SourceRecord | None) -> str | None:
    """The file hash under which a source was read whole by this ``ANALYSIS`` (None when
    it was not, so it is read again)."""
    version, _, sha256 = known.sha256.partition(":") if known else ("", "", "")
    return sha256 if version == str(ANALYSIS) else None


def content_hash(article: Article) -> str:
    """Hash of everything about an article that ends up in its passages."""
    blob = json.dumps(dataclasses.asdict(article), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{ANALYSIS}\n{blob}".encode()).hexdigest()


class Ingestor:
    """Brings the index in step with the given files and folders."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        embedder: Callable[[], Embedder],
        progress: bool | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self._make_embedder = embedder
        self._embedder: Embedder | None = None
        self.progress = progress

    @classmethod
    def from_settings(
        cls, settings: Settings, progress: bool | None = None, rebuild: bool = False
    ) -> Ingestor:
        """An ingestor on the index and embedder that ``settings`` select; with ``rebuild``,
        on a new generation of the index that questions use once the run completes."""
        store, settings = open_index(settings, rebuild)
        return cls(settings, store, lambda: create_embedder(settings), progress)

    @classmethod
    def sync(
        cls,
        settings: Settings,
        paths: Sequence[Path],
        progress: bool | None = None,
        rebuild: bool = False,
        wait: float = 0.0,
    ) -> IngestReport:
        """Ingest ``paths`` into the index of ``settings``, holding it against other ingests
        (waiting up to ``wait`` seconds for one that holds it). A full disk under the index
        is one ``DiskFull`` that names it."""
        full = disk_full_named(settings.index_dir, settings.chroma_url, "rag ingest")
        with full, ingest_lock(settings, wait):
            return cls.from_settings(settings, progress, rebuild).run(paths)

    def run(self, paths: Sequence[Path]) -> IngestReport:
        """Ingest ``paths``; files that vanished from under them are removed from the index.
        A rebuild's new generation of the index is published at the end, whole."""
        with quiet(bars=self._shows_bars()):
            started = time.perf_counter()
            report = IngestReport()
            plan = self.plan(paths, report)
            if plan.todo or plan.remove:
                self.store.change()
            if plan.todo:
                self._apply(plan, report)
            self._remove(plan, report)
            if self.store.stamp() is None:
                self.store.refresh_snapshot()
            self.store.put_sources(plan.complete_sources)
            self.store.publish()
            report.passages = self.store.count()
            report.seconds = time.perf_counter() - started
            return report

    # planning -----------------------------------------------------------------

    def plan(self, paths: Sequence[Path], report: IngestReport) -> Plan:
        """Read the files and decide what to add, update, keep and remove."""
        articles, sources = self.store.load_records()
        files, missing = discover(paths, report.warnings)
        report.failed.extend(missing)
        by_source: dict[str, list[str]] = {}
        for aid, record in articles.items():
            by_source.setdefault(record.source, []).append(aid)
        max_bytes = int(self.settings.max_file_mb * 1e6)
        read = []
        for path in self._bar(files, "reading", "file"):
            known = sources.get(source_name(path))
            read.append(read_file(path, max_bytes, _read_with(known)))
        roots = _roots(paths, files, report)
        owners = _owners(read, articles, by_source, roots)
        plan = Plan()
        for sf in read:
            report.warnings.extend(sf.warnings)
            owned = by_source.get(sf.source, [])
            if sf.unchanged:
                plan.keep.update(owned)
                report.unchanged += len(owned)
                continue
            self._plan_file(sf, articles, owners, plan, report)
            if sf.errors:
                plan.keep.update(owned)
        found = {source_name(p) for p in files}
        plan.remove = [
            aid
            for aid, rec in articles.items()
            if aid not in plan.keep and _under(rec.source, roots)
        ]
        plan.gone_sources = [s for s in sources if s not in found and _under(s, roots)]
        return plan

    def _plan_file(
        self,
        sf: SourceFile,
        records: dict[str, ArticleRecord],
        owners: dict[str, str],
        plan: Plan,
        report: IngestReport,
    ) -> None:
        report.failed.extend(sf.errors)
        for article in sf.articles:
            if owners[article.id] != sf.source:
                reason = (
                    f"article id {article.id!r} is already used by {owners[article.id]}; "
                    "give this article another id"
                )
                sf.errors.append(FileError(sf.source, reason))
                report.failed.append(sf.errors[-1])
                continue
            plan.keep.add(article.id)
            digest = content_hash(article)
            record = records.get(article.id)
            if record and record.done and record.content_hash == digest:
                report.unchanged += 1
                continue
            plan.todo.append((article, digest))
            report.warnings.extend(article_warnings(article))  # its passages are never evidence
            if record is None:
                plan.new.add(article.id)
        if not sf.errors:
            plan.complete_sources.append(SourceRecord(sf.source, f"{ANALYSIS}:{sf.sha256}"))

    # applying -----------------------------------------------------------------

    def _apply(self, plan: Plan, report: IngestReport) -> None:
        """Split, embed and write the articles to do, a group at a time. A worker thread
        splits and embeds the next group while this one writes the last, so the encoder
        does not wait for splitting or for Chroma; writes stay in order, one group at a
        time, so a run stopped anywhere is finished by the next as before."""
        bar = tqdm(
            total=len(plan.todo),
            desc="embedding",
            unit="article",
            disable=self._disabled(len(plan.todo)),
        )
        with bar, prefetch(self._embedded(plan.todo)) as groups:
            for group in groups:
                self._write_group(group)
                report.embedded += len(group.fresh)
                bar.update(len(group.articles))
        report.added += len(plan.new)
        report.updated += len(plan.todo) - len(plan.new)

    def _embedded(self, todo: list[tuple[Article, str]]) -> Iterator[Group]:
        splitter = Splitter(self.settings.chunk_size, self.settings.chunk_overlap)
        split = ((article, digest, splitter.split(article)) for article, digest in todo)
        for items in _groups(split, self.settings.ingest_group):
            passages = [p for _, _, ps in items for p in ps]
            stored = self.store.passage_ids_of(a.id for a, _, _ in items)
            fresh = [p for p in passages if p.id not in stored]
            vectors = self.embedder.embed([p.embedding_text() for p in fresh]) if fresh else []
            yield Group([(a, h) for a, h, _ in items], passages, stored, fresh, vectors)

    def _write_group(self, group: Group) -> None:
        store = self.store
        store.delete_records(sources={a.source for a, _ in group.articles})
        store.put_articles([ArticleRecord(a.id, a.source, h, False) for a, h in group.articles])
        if group.fresh:
            store.upsert(group.fresh, group.vectors)
        store.update_metadata([p for p in group.passages if p.id in group.stored])
        store.delete_passages(group.stored - {p.id for p in group.passages})
        store.put_articles([ArticleRecord(a.id, a.source, h, True) for a, h in group.articles])

    def _remove(self, plan: Plan, report: IngestReport) -> None:
        if plan.remove:
            self.store.delete_passages(self.store.passage_ids_of(plan.remove))
            self.store.delete_records(article_ids=plan.remove)
        self.store.delete_records(sources=plan.gone_sources)
        report.removed = len(plan.remove)

    @property
    def embedder(self) -> Embedder:
        """Created on first use, so an ingest with nothing new never loads a model."""
        if self._embedder is None:
            self._embedder = self._make_embedder()
        return self._embedder

    def _bar(self, items: Sequence[Any], desc: str, unit: str) -> Iterator[Any]:
        yield from tqdm(items, desc=desc, unit=unit, disable=self._disabled(len(items)))

    def _shows_bars(self) -> bool:
        return sys.stderr.isatty() if self.progress is None else self.progress

    def _disabled(self, size: int) -> bool | None:
        if self.progress is None:
            return None if size > 1 else True
        return not self.progress


@dataclass
class Group:
    """Articles written in one step, with their passages and the vectors of new ones."""

    articles: list[tuple[Article, str]]
    passages: list[Passage]
    stored: set[str]
    fresh: list[Passage]
    vectors: Vectors


def _groups(
    items: Iterable[tuple[Article, str, list[Passage]]], size: int
) -> Iterator[list[tuple[Article, str, list[Passage]]]]:
    group: list[tuple[Article, str, list[Passage]]] = []
    count = 0
    for item in items:
        group.append(item)
        count += len(item[2])
        if count >= size:
            yield group
            group, count = [], 0
    if group:
        yield group


def _owners(
    read: Sequence[SourceFile],
    records: dict[str, ArticleRecord],
    by_source: dict[str, list[str]],
    roots: Sequence[str],
) -> dict[str, str]:
    """The file each article id read in this run belongs to: the file the index has it
    from, while that file still holds it; else the first file (in sorted order) with it.

    A file read now holds the ids of its articles, and all it had when it failed or is
    unchanged; a file not read now holds its ids while it is on disk and not under
    ``roots`` (under them it was not found, so its articles are being removed).
    """
    holds = {sf.source: {a.id for a in sf.articles} for sf in read}
    for sf in read:
        if sf.unchanged or sf.errors:
            holds[sf.source].update(by_source.get(sf.source, []))
    owners: dict[str, str] = {}
    for sf in read:
        for article in sf.articles:
            record = records.get(article.id)
            holder = record.source if record else sf.source
            if holder in holds:
                kept = article.id in holds[holder]
            else:
                kept = not _under(holder, roots) and Path(holder).is_file()
            owners.setdefault(article.id, holder if kept else sf.source)
    return owners


def _roots(paths: Sequence[Path], files: Sequence[Path], report: IngestReport) -> list[str]:
    """The sources of the given ``paths`` that exist, under which articles whose file is gone
    are removed (a path that is missing is a failure, and its articles stay); a folder with
    no file to read is named in a warning."""
    for path in paths:
        if path.is_dir() and not any(path in f.parents for f in files):
            kinds = ", ".join(sorted(SUFFIXES))
            reason = f"no files to ingest in this folder (it reads {kinds})"
            report.warnings.append(FileError(source_name(path), reason))
    return [source_name(p) for p in paths if p.exists()]


def _under(source: str, roots: Sequence[str]) -> bool:
    inside = not Path(source).is_absolute()
    return any(
        (root == "." and inside) or root == source or source.startswith(root.rstrip("/") + "/")
        for root in roots
    )
