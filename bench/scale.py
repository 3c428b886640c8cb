"""Retrieval at scale: latency, dense recall, memory and how fast a change reaches askers.

For each size N and each Chroma mode (a local ``chroma run`` server, embedded) it builds a
collection of N passages and measures:

1. hybrid retrieval p50/p95 (``Retriever.retrieve(q, k=10)``) inside an asking process,
   over ``--queries`` real questions after one warm-up question;
2. dense recall@50: the ids of ``Retriever.dense_scored(q, 50)`` against the exact top 50
   by cosine over all N vectors, computed here with NumPy from the vectors generated;
3. the asking process's VmRSS and VmHWM (/proc/self/status) after the queries;
4. catch-up: a third process ingests 1,000 new articles (one passage each) through the
   real ``Ingestor.run``; each of ``--askers`` asking processes polls a probe question
   that only the new passages answer (a made-up word for BM25, and vectors near the
   probe's) and reports when it first gets a new passage; the time from the end of
   ``run`` to that answer is reported (negative when an asker sees the change before
   ``run`` has returned);
5. the bytes each asker reads meanwhile: on a server, server→asker bytes through a
   counting TCP proxy in front of Chroma (one per asker; what the proxy adds to one
   request is measured and shown); embedded, the asker's /proc/self/io ``rchar`` (reads
   of files and sockets; pages of mmap-ed files are not in it, so VmRSS and RssFile
   before and after the catch-up are shown too). Given from the end of the ingest (as
   asked) and from its start, per poll before the ingest and per poll during it, and
   next to the size of the change itself (the new passages' text plus 1,000 × 384
   float32 vectors). On a server the number of HTTP requests per poll is counted too.

The data is made, honestly: the passages of the cached benchmark indexes (rtqa-dev news,
SciFact, SQuAD; ``bench/common.py``'s ``cached_store``, real text with the real MiniLM
vectors the project computed) are cycled through. Copy i of a base passage is its text
lightly perturbed (one sentence dropped, or two swapped, plus a copy tag) and a vector
that is the base's real MiniLM vector plus Gaussian noise, normalised, so that its cosine
to the base is about ``--cosine`` (0.9; the measured mean is printed). Each copy has its
own id, article id, an outlet from a short list and a date spread over three years. The
1,000 ingested passages are real passage text with a made-up word added, and vectors that
are the probe question's real MiniLM vector plus the same noise. The questions are real:
rtqa-dev, SciFact and SQuAD dev questions, embedded by the asker with the project's
embedder. Server askers stand for separate machines: each has its own proxy and its own
local folder (so its own snapshot cache); embedded askers share the index folder.

Usage: python bench/scale.py [--sizes 100000] [--chroma server|embedded|both]
       [--queries 200] [--askers 2] [--work DIR] [--keep] [--json]
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
from common import DATA, cached_store, free_port, squad_paragraphs, squad_store
from tqdm import tqdm

from rag.index.open import open_index
from rag.index.store import Store
from rag.settings import Settings
from rag.types import Passage

HERE = Path(__file__).resolve().parent
WORKER = HERE / "scale_worker.py"
DIMS = 384
OUTLETS = ("Reuters", "Caliber.Az", "The Guardian", "Interfax", "Al Jazeera")
START_DAY = dt.date(2022, 1, 1)
DAYS = 3 * 365
NEW_PASSAGES = 1000
METHODS = {b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"HEAD"}
#: The made-up word only the ingested passages hold; the probe question asks for it.
PROBE_WORD = "quorvexal"
PROBE = f"What is known about the {PROBE_WORD} agreement?"
BASES = {
    "rtqa": "rtqa-dev/corpus.jsonl",
    "scifact": "scifact/corpus.jsonl",
    "squad": "squad",
}


class BenchError(Exception):
    """A failure named in one line."""


# the base passages and questions ------------------------------------------------------------


@dataclass
class Base:
    """Real passages with their real vectors (unit length)."""

    passages: list[Passage] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, DIMS), np.float32))


def cached(name: str, data: Path) -> Store:
    """The cached index of one benchmark corpus (built once when missing)."""
    if name == "squad":
        return squad_store(data / "squad")[0]
    return cached_store(name, data / BASES[name])[0]


def load_base(names: list[str], data: Path) -> Base:
    """Every passage and vector of the named cached indexes, interleaved by corpus."""
    per: list[list[tuple[Passage, Any]]] = [list(cached(n, data).scan()) for n in names]
    rows = [row for group in _interleave(per) for row in group]
    vectors = np.asarray([v for _, v in rows], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Base([p for p, _ in rows], vectors)


def _interleave(groups: list[list[Any]]) -> Iterator[list[Any]]:
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        yield [g[i] for g in groups if i < len(g)]


def load_questions(data: Path, n: int) -> list[str]:
    """``n`` real questions, taken in turn from rtqa-dev, SciFact and SQuAD dev."""
    rtqa = [
        json.loads(line)["question"]
        for line in (data / "rtqa-dev/questions.jsonl").open(encoding="utf-8")
    ]
    scifact = [
        json.loads(line)["text"] for line in (data / "scifact/queries.jsonl").open(encoding="utf-8")
    ]
    squad = [q for *_, qs in squad_paragraphs(data / "squad/dev-v1.1.json") for _, q in qs]
    mixed = [q for group in _interleave([rtqa, scifact, squad]) for q in group]
    if len(mixed) < n:
        raise BenchError(f"only {len(mixed)} questions in {data}, {n} asked for")
    return mixed[:n]


# the copies ---------------------------------------------------------------------------------

SENTENCE = re.compile(r"(?<=[.!?])\s+")


def perturbed(text: str, i: int, round_: int) -> str:
    """The base text with one sentence dropped (or two swapped), tagged with copy ``i``."""
    parts = SENTENCE.split(text.strip())
    if len(parts) >= 3:
        del parts[round_ % len(parts)]
    elif len(parts) == 2 and round_ % 2:
        parts.reverse()
    return f"{' '.join(parts)} [copy {i:07d}]"


def copy_passage(base: Passage, i: int, round_: int) -> Passage:
    """Copy ``i`` of a base passage: its own ids, outlet and date."""
    text = perturbed(base.text, i, round_)
    day = START_DAY + dt.timedelta(days=(i * 7919) % DAYS)
    meta = {"outlet": OUTLETS[i % len(OUTLETS)], "published": day.isoformat()}
    if base.metadata.get("title"):
        meta["title"] = base.metadata["title"]
    return Passage(
        id=f"scale-{i:07d}",
        article_id=f"scale.jsonl#{i:07d}",
        ordinal=0,
        text=text,
        start=0,
        end=len(text),
        source="scale.jsonl",
        metadata=meta,
        ends_article=True,
        quotations=(),
        attributions=(),
        dates=(),
    )


def sigma_for(cosine: float) -> float:
    """Noise per dimension that leaves a unit vector at about ``cosine`` to itself."""
    return float(np.sqrt((1 / cosine**2 - 1) / DIMS))


@dataclass
class Generated:
    """All N vectors (for the exact search) and the mean cosine of copy to base."""

    vectors: np.ndarray
    cosine_sum: float = 0.0

    @property
    def mean_cosine(self) -> float:
        return self.cosine_sum / max(len(self.vectors), 1)


def copies(
    base: Base, out: Generated, sigma: float, batch: int, seed: int = 0
) -> Iterator[tuple[list[Passage], np.ndarray]]:
    """The N copies in batches, deterministic; their vectors are also kept in ``out``."""
    n, size = len(out.vectors), len(base.passages)
    for start in range(0, n, batch):
        idx = np.arange(start, min(start + batch, n))
        rng = np.random.default_rng([seed, start])
        noise = rng.standard_normal((len(idx), DIMS)).astype(np.float32)
        vecs = base.vectors[idx % size] + sigma * noise
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        out.vectors[idx] = vecs
        out.cosine_sum += float(np.einsum("ij,ij->", vecs, base.vectors[idx % size]))
        passages = [copy_passage(base.passages[i % size], int(i), int(i) // size) for i in idx]
        yield passages, vecs


def publish_base(store: Store, batches: Iterator[tuple[list[Passage], np.ndarray]]) -> None:
    """Write the collection and publish it as an ingest does at its end today. Every call
    that builds or publishes the collection is here."""
    for passages, vectors in batches:
        store.upsert(passages, vectors)
    store.refresh_snapshot()


# exact search -------------------------------------------------------------------------------


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int = 50) -> np.ndarray:
    """Row numbers of the ``k`` most cosine-similar vectors to each query (unit vectors)."""
    best_s = np.full((len(queries), 0), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 0), np.int64)
    for start in range(0, len(vectors), 200_000):
        sims = queries @ vectors[start : start + 200_000].T
        top = np.argpartition(-sims, min(k, sims.shape[1] - 1), axis=1)[:, :k]
        best_s = np.concatenate([best_s, np.take_along_axis(sims, top, 1)], axis=1)
        best_i = np.concatenate([best_i, top + start], axis=1)
        keep = np.argsort(-best_s, axis=1)[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, 1), np.take_along_axis(best_i, keep, 1)
    return best_i


def recall_at_50(vectors: np.ndarray, dump: Path) -> float:
    """Mean share of the exact top 50 that the asker's dense top 50 holds."""
    found: list[list[str]] = json.loads(dump.read_text(encoding="utf-8"))
    queries = np.load(dump.with_suffix(".npy")).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    exact = exact_top(vectors, queries)
    shares = []
    for ids, rows in zip(found, exact, strict=True):
        got = {int(pid.rsplit("-", 1)[1]) for pid in ids if pid.startswith("scale-")}
        shares.append(len(got & set(rows.tolist())) / len(rows))
    return float(np.mean(shares))


# the Chroma server and the counting proxies -------------------------------------------------


@contextlib.contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """``chroma run`` on ``path`` at a free 127.0.0.1 port until the block ends."""
    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    cmd = [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    log = (path.parent / "chroma.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_heartbeat(url, proc, path.parent / "chroma.log")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_heartbeat(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise BenchError(f"the Chroma server did not start at {url} (see {log})") from None
            time.sleep(0.2)


class CountingProxy:
    """A TCP proxy on a free 127.0.0.1 port in front of ``target``, counting the bytes it
    passes from the server to the client, with when (``times``, ``totals``: wall time,
    running total), and when each HTTP request from the client starts (``requests``)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self.total = 0
        self.times: list[float] = [0.0]
        self.totals: list[int] = [0]
        self.requests: list[float] = []
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            for sock in (client, server):  # pass each write on at once, as without a proxy
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, count: bool) -> None:
        with contextlib.suppress(OSError):
            while chunk := src.recv(262144):
                if not count and chunk[:8].split(b" ")[0] in METHODS:
                    self.requests.append(time.time())
                if count:
                    with self.lock:
                        self.total += len(chunk)
                        self.times.append(time.time())
                        self.totals.append(self.total)
                dst.sendall(chunk)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def at(self, when: float) -> int:
        """Bytes passed to the client up to wall time ``when``."""
        with self.lock:
            return self.totals[bisect.bisect_right(self.times, when) - 1]

    def requests_between(self, start: float, end: float) -> int:
        """HTTP requests the client started between two wall times."""
        return sum(1 for t in self.requests if start <= t <= end)

    def close(self) -> None:
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


def round_trip_ms(url: str, times: int = 20) -> float:
    """Median milliseconds of a heartbeat request to ``url`` (new connection each)."""
    took = []
    for _ in range(times):
        started = time.perf_counter()
        urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=5).read()
        took.append((time.perf_counter() - started) * 1000)
    return float(np.median(took))


def proxy_cost_ms(url: str) -> float:
    """What one request's round trip gains through a counting proxy (median, ms)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    proxy = CountingProxy((host, int(port)))
    try:
        return round_trip_ms(f"http://127.0.0.1:{proxy.port}") - round_trip_ms(url)
    finally:
        proxy.close()


# the worker processes -----------------------------------------------------------------------


def worker_env(settings: Settings) -> dict[str, str]:
    """The environment that points a worker at ``settings``'s index."""
    env = {k: v for k, v in os.environ.items() if k not in ("RAG_CHROMA_URL", "RAG_INDEX_DIR")}
    env.update(
        RAG_INDEX_DIR=str(settings.index_dir),
        RAG_COLLECTION=settings.collection,
        HF_HUB_OFFLINE="1",
        PYTHONUNBUFFERED="1",
    )
    if settings.chroma_url:
        env["RAG_CHROMA_URL"] = settings.chroma_url
    return env


class Worker:
    """A bench/scale_worker.py process, read in ``@@ `` JSON lines."""

    def __init__(self, args: list[str], settings: Settings, log: Path) -> None:
        self.log = log
        self.ready: dict[str, Any] = {}
        self.stderr = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), *args],
            env=worker_env(settings),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )

    def message(self, key: str) -> Any:
        """The next message, which must be ``key``'s."""
        out: IO[str] | None = self.proc.stdout
        for line in out or ():
            if line.startswith("@@ "):
                found = json.loads(line[3:])
                if key in found:
                    return found[key]
        raise BenchError(f"a worker exited before '{key}' ({self._last_error()})")

    def _last_error(self) -> str:
        self.proc.wait(timeout=30)
        lines = self.log.read_text(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit {self.proc.returncode}, see {self.log}"

    def go(self) -> None:
        """Let an asker start polling."""
        if self.proc.stdin is not None:
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)
        self.stderr.close()


# one size in one mode -----------------------------------------------------------------------


@dataclass
class Case:
    """One size in one mode: where its collection lives and what it uses."""

    size: int
    mode: str
    folder: Path
    url: str | None
    args: argparse.Namespace

    def settings(self, folder: Path | None = None, url: str | None = None) -> Settings:
        name = f"scale-{self.size}" if self.mode == "server" else "passages"
        return Settings(
            index_dir=folder or self.folder, chroma_url=url or self.url, collection=name
        )


def build(case: Case, base: Base) -> tuple[Generated, float, Settings]:
    """Generate the N copies and publish them; the vectors and the seconds it took."""
    store, settings = open_index(case.settings())
    if store.count():
        raise BenchError(f"the collection for {case.size} ({case.mode}) is not empty")
    out = Generated(np.empty((case.size, DIMS), np.float32))
    sigma = sigma_for(case.args.cosine)
    bar = tqdm(
        total=case.size,
        desc=f"build {case.size} {case.mode}",
        unit="passage",
        disable=True if case.args.json else None,  # none when not on a terminal
    )
    started = time.perf_counter()
    with bar:
        publish_base(store, _counted(copies(base, out, sigma, store.batch), bar))
    return out, time.perf_counter() - started, settings


def _counted(
    batches: Iterator[tuple[list[Passage], np.ndarray]], bar: tqdm[Any]
) -> Iterator[tuple[list[Passage], np.ndarray]]:
    for passages, vectors in batches:
        yield passages, vectors
        bar.update(len(passages))


def new_articles(base: Base, path: Path) -> int:
    """1,000 short articles (one passage each) holding the probe word; their text's bytes."""
    total = 0
    with path.open("w", encoding="utf-8") as out:
        for j in range(NEW_PASSAGES):
            words = base.passages[(j * 13) % len(base.passages)].text.split()[:60]
            text = f"The {PROBE_WORD} agreement, update {j}: {' '.join(words)}"
            total += len(text.encode("utf-8"))
            day = (START_DAY + dt.timedelta(days=DAYS + j % 7)).isoformat()
            record = {
                "id": f"new-{j:04d}",
                "title": f"{PROBE_WORD.title()} update {j}",
                "text": text,
                "outlet": OUTLETS[j % len(OUTLETS)],
                "published": day,
            }
            out.write(json.dumps(record) + "\n")
    return total


def start_askers(case: Case, stack: contextlib.ExitStack) -> tuple[list[Worker], list[Any]]:
    """The askers, last first so the measuring one (0) runs its queries alone."""
    questions = case.folder / "questions.json"
    askers: list[Worker | None] = [None] * case.args.askers
    proxies: list[CountingProxy | None] = [None] * case.args.askers
    for k in reversed(range(case.args.askers)):
        settings, proxies[k] = asker_settings(case, k, stack)
        flags = ["--measure", "--dump", str(case.folder / "dense.json")] if k == 0 else []
        argv = [
            "asker",
            "--questions",
            str(questions),
            "--probe",
            PROBE,
            "--poll-ms",
            str(case.args.poll_ms),
            *flags,
        ]
        worker = Worker(argv, settings, case.folder / f"asker-{k}.log")
        stack.callback(worker.close)
        askers[k] = worker
        worker.ready = worker.message("ready")
    return [a for a in askers if a], proxies


def asker_settings(
    case: Case, k: int, stack: contextlib.ExitStack
) -> tuple[Settings, CountingProxy | None]:
    """An asker's settings: on a server, its own proxy and its own local folder."""
    if case.url is None:
        return case.settings(), None
    host, port = case.url.rsplit(":", 1)
    proxy = CountingProxy((host.removeprefix("http://"), int(port)))
    stack.callback(proxy.close)
    url = f"http://127.0.0.1:{proxy.port}"
    return case.settings(case.folder / f"asker-{k}", url), proxy


def run_ingest(case: Case, probe_vector: list[float]) -> dict[str, Any]:
    """The third process: ``Ingestor.run`` on the 1,000 new articles."""
    vector_file = case.folder / "probe.npy"
    np.save(vector_file, np.asarray(probe_vector, np.float32))
    settings = case.settings(case.folder / "ingester") if case.url else case.settings()
    argv = [
        "ingest",
        "--jsonl",
        str(case.folder / "new.jsonl"),
        "--probe-vector",
        str(vector_file),
        "--sigma",
        str(sigma_for(case.args.cosine)),
    ]
    worker = Worker(argv, settings, case.folder / "ingest.log")
    try:
        return dict(worker.message("ingested"))
    finally:
        worker.close()


def catch_up(
    ingest: dict[str, Any], found: dict[str, Any], proxy: CountingProxy | None
) -> dict[str, Any]:
    """One asker's catch-up: seconds from the ingest's end to its first new answer, and
    what it read (from the server through its proxy; ``rchar``, which counts socket and
    file reads but not pages of mapped files) after the ingest's end, after its start,
    per poll before the ingest (idle) and per poll while it ran (busy)."""
    first, start, end = found["first_new"], ingest["started"], ingest["ended"]
    if first is None:
        raise BenchError("an asker never saw the new passages (raise --limit?)")
    if found["probe_new_before"]:
        raise BenchError("the probe found a new passage before the ingest (probe not unique)")
    times = [t for t, _ in found["samples"]]
    window = (times, first, start, end)
    rchar = counter([r for _, r in found["samples"]], found["rchar_at"], *window)
    net = requests = None
    if proxy is not None:
        net = counter([proxy.at(t) for t in times], proxy.at(first), *window)
        made = [proxy.requests_between(0, t) for t in times]
        requests = counter(made, proxy.requests_between(0, first), *window)
    return {
        "seconds": first - end,
        "bytes_after_end": (net or rchar)["after_end"],
        "net": net,
        "rchar": rchar,
        "requests": requests,
        "polls": found["polls"],
        "rss_before": found["before"],
        "rss_after": found["after"],
    }


def counter(
    readings: list[int], at_first: int, times: list[float], first: float, start: float, end: float
) -> dict[str, float | None]:
    """A counter read at each poll's start: its growth from the last poll that started
    before the ingest's end (and start) to the first new answer, and per poll before the
    ingest and during it (None without two polls there)."""

    def last_before(when: float) -> int:
        return readings[max(bisect.bisect_right(times, when) - 1, 0)]

    def per_poll(points: list[int]) -> float | None:
        return (points[-1] - points[0]) / (len(points) - 1) if len(points) > 1 else None

    idle = [r for t, r in zip(times, readings, strict=True) if t <= start]
    busy = [r for t, r in zip(times, readings, strict=True) if start <= t <= end]
    return {
        "after_end": at_first - last_before(end),
        "from_start": at_first - last_before(start),
        "per_idle_poll": per_poll(idle),
        "per_busy_poll": per_poll(busy),
    }


def measure(case: Case, base: Base) -> dict[str, Any]:
    """Every figure of one size in one mode."""
    generated, build_s, _ = build(case, base)
    phases = {"build_s": build_s}
    (case.folder / "questions.json").write_text(json.dumps(case.args.questions_list))
    change_text = new_articles(base, case.folder / "new.jsonl")
    with contextlib.ExitStack() as stack:
        started = time.perf_counter()
        askers, proxies = start_askers(case, stack)
        phases["askers_s"] = time.perf_counter() - started
        ready = askers[0].ready
        for asker in askers:
            asker.go()
        time.sleep(case.args.idle_s)
        ingest = run_ingest(case, ready["probe_vector"])
        found = [{**asker.message("caught_up"), **asker.ready} for asker in askers]
        caught = [catch_up(ingest, f, p) for f, p in zip(found, proxies, strict=True)]
        phases["catch_up_s"] = max(f["first_new"] for f in found) - ingest["started"]
    proxy_ms = proxy_cost_ms(case.url) if case.url else 0.0
    started = time.perf_counter()
    recall = recall_at_50(generated.vectors, case.folder / "dense.json")
    phases["recall_s"] = time.perf_counter() - started
    row = summary(case, generated, ready, ingest, caught, recall, change_text, phases)
    return {**row, "proxy_ms_per_request": proxy_ms}


def summary(
    case: Case,
    generated: Generated,
    ready: dict[str, Any],
    ingest: dict[str, Any],
    caught: list[dict[str, Any]],
    recall: float,
    change_text: int,
    phases: dict[str, float],
) -> dict[str, Any]:
    """The JSON record of one size in one mode."""
    latencies = np.asarray(ready["latencies_ms"])
    return {
        "size": case.size,
        "mode": case.mode,
        "mean_copy_cosine": generated.mean_cosine,
        "p50_ms": float(np.percentile(latencies, 50)),
        "p95_ms": float(np.percentile(latencies, 95)),
        "recall_at_50": recall,
        "rss": ready["VmRSS"],
        "hwm": ready["VmHWM"],
        "warm_s": ready["warm_s"],
        "ingest_s": ingest["ended"] - ingest["started"],
        "ingest_report": ingest["report"],
        "change_bytes": change_text + NEW_PASSAGES * DIMS * 4,
        "askers": caught,
        "phases_s": phases,
    }


# output -------------------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def table(row: dict[str, Any]) -> str:
    """A readable block for one size in one mode."""
    lines = [
        f"== {row['size']:,} passages, {row['mode']} (copy-to-base cosine "
        f"{row['mean_copy_cosine']:.3f}) ==",
        f"retrieve k=10      p50 {row['p50_ms']:.1f} ms   p95 {row['p95_ms']:.1f} ms",
        f"dense recall@50    {row['recall_at_50']:.3f}",
        f"asker memory       VmRSS {mib(row['rss'])}   VmHWM {mib(row['hwm'])}",
        f"ingest of {NEW_PASSAGES:,}   {row['ingest_s']:.1f} s; the change is "
        f"{mib(row['change_bytes'])} (text + vectors)",
    ]
    if row["mode"] == "server":
        lines.append(f"proxy cost         +{row['proxy_ms_per_request']:.2f} ms a request")
    lines += [line for k, a in enumerate(row["askers"]) for line in asker_lines(k, a, row)]
    phases = ", ".join(f"{k} {v:.1f}" for k, v in row["phases_s"].items())
    lines.append(f"phases (s)         {phases}")
    return "\n".join(lines)


def asker_lines(k: int, a: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """Three lines on one asker's catch-up."""
    main = a["net"] or a["rchar"]
    how = "from the server" if a["net"] else "rchar"
    ratio = main["after_end"] / row["change_bytes"]
    before, after = a["rss_before"], a["rss_after"]
    lines = [
        f"asker {k}            new answer {a['seconds']:+.2f} s after the ingest's end; read "
        f"({how}) {mib(main['after_end'])} after its end ({ratio:.1f}x the change), "
        f"{mib(main['from_start'])} after its start",
        f"                   per poll {_b(main['per_idle_poll'])} idle, "
        f"{_b(main['per_busy_poll'])} during the ingest",
    ]
    if a["requests"]:
        lines[-1] += (
            f"; requests per poll {_n(a['requests']['per_idle_poll'])} idle, "
            f"{_n(a['requests']['per_busy_poll'])} busy; rchar {mib(a['rchar']['after_end'])} "
            f"after the end, {_b(a['rchar']['per_busy_poll'])} per busy poll"
        )
    lines.append(
        f"                   VmRSS {mib(before['VmRSS'])} -> {mib(after['VmRSS'])}, RssFile "
        f"{mib(before['RssFile'])} -> {mib(after['RssFile'])} (before -> after the catch-up)"
    )
    return lines


def _b(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f} B"


def _n(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


# main ---------------------------------------------------------------------------------------


def check_fits(size: int, work: Path) -> None:
    """Refuse a size whose vectors or collection cannot fit here."""
    vectors = size * DIMS * 4
    available = _meminfo("MemAvailable")
    if 3 * vectors > available:
        raise BenchError(
            f"size {size:,} does not fit: 3 x {mib(vectors)} of vectors, "
            f"{mib(available)} of memory available"
        )
    disk = shutil.disk_usage(work).free
    if size * 6000 > disk:
        raise BenchError(
            f"size {size:,} does not fit: about {mib(size * 6000)} of disk "
            f"needed, {mib(disk)} free under {work}"
        )


def _meminfo(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated passage counts")
    parser.add_argument("--chroma", choices=("server", "embedded", "both"), default="both")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--askers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=None, help="default: a temp dir")
    parser.add_argument("--keep", action="store_true", help="keep what the run wrote")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--base", default="rtqa,scifact,squad", help="cached indexes to copy")
    parser.add_argument("--cosine", type=float, default=0.9, help="copy-to-base cosine")
    parser.add_argument("--poll-ms", type=float, default=100.0, help="askers' pause")
    parser.add_argument("--idle-s", type=float, default=2.0, help="polls before the ingest")
    args = parser.parse_args(argv)
    args.size_list = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    args.modes = ["server", "embedded"] if args.chroma == "both" else [args.chroma]
    return args


def run_all(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    """Every size in every mode."""
    for size in args.size_list:
        check_fits(size, work)
    args.questions_list = load_questions(args.data, args.queries)
    base = load_base(args.base.split(","), args.data)
    rows = []
    with contextlib.ExitStack() as stack:
        url = None
        if "server" in args.modes:
            (work / "server").mkdir(parents=True, exist_ok=True)
            url = stack.enter_context(chroma_server(work / "server" / "data"))
        for size in args.size_list:
            for mode in args.modes:
                folder = work / f"{mode}-{size}"
                folder.mkdir(parents=True, exist_ok=False)
                case = Case(size, mode, folder, url if mode == "server" else None, args)
                rows.append(measure(case, base))
                if not args.json:
                    print(table(rows[-1]), flush=True)
    return rows


def clean(work: Path, kept: set[Path] | None) -> None:
    """Remove the work folder (or, in a folder given, only what this run added)."""
    if kept is None:
        shutil.rmtree(work, ignore_errors=True)
        return
    for path in set(work.iterdir()) - kept:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = args.work or Path(tempfile.mkdtemp(prefix="rag-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    ours = set(work.iterdir()) if args.work else None  # a given --work: only what we add
    try:
        rows = run_all(args, work)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # one line naming the cause, not a traceback
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    finally:
        if not args.keep:
            clean(work, ours)
    if args.json:
        print(json.dumps({"runs": rows, "work": str(work) if args.keep else None}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
