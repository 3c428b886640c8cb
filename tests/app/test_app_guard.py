"""The app as an outsider and a crowd meet it: the page before login holds nothing of the
corpus, wrong passwords lock their address out for a while, an upload that fails is never
kept, questions whose LLM hangs leave room for healthy ones, and the index is opened
safely by threads at once. Servers run in this process on 127.0.0.1, on the fake embedder.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag.app.chat import ChatApp
from rag.app.server import ensure_index, launch_options
from rag.app.uploads import add_uploads
from rag.settings import Settings
from tests.support.files import make_corpus, write
from tests.support.index import copy_index, ingest
from tests.support.servers import free_port

QUESTION = "Which ferry line reopened across the Caspian?"
LOGIN = ("ana", "s3cret")
#: Titles, outlets and file names no page may show before login.
ARTICLES = {
    "vault-memo.md": ("Quarterly vault memo names the Aktau harbour buyers", "Hidden Ledger"),
    "ferry.md": ("Caspian ferry line reopens after the port upgrade", "Steppe Courier"),
}
UPLOADED = "zq-private-upload.md"


def article(title: str, outlet: str) -> str:
    return (
        f"---\ntitle: {title}\noutlet: {outlet}\npublished: 2025-03-04\n---\n\n"
        "The Caspian ferry line between Aktau and Baku reopened this spring after the port "
        "upgrade, carrying trucks and passengers twice a week.\n"
    )


@pytest.fixture
def indexed(settings: Settings, tmp_path: Path) -> Settings:
    """An index (fake embedder) of two articles and an upload, with distinctive names."""
    corpus = tmp_path / "corpus"
    for name, (title, outlet) in ARTICLES.items():
        write(corpus / name, article(title, outlet))
    write(corpus / "uploads" / UPLOADED, article("Private upload on grain tariffs", "Own Notes"))
    settings = settings.model_copy(update={"corpus_dir": corpus})
    assert not ingest(settings).failed
    return settings


def secrets_of(settings: Settings) -> list[str]:
    """What the index tells of its articles: ids (their paths), titles, outlets, uploads."""
    rows = ChatApp(settings).library()
    assert len(rows) == 3
    return [str(field) for row in rows for field in (row[0], row[1], row[4])] + [UPLOADED]


@contextlib.contextmanager
def served(settings: Settings, auth: tuple[str, str] | None = None) -> Iterator[str]:
    """The app of ``settings`` launched as ``app.py`` launches it, on a free local port."""
    from rag.app.layout import create_app

    port = free_port()
    blocks = create_app(settings)
    options = launch_options(settings, auth)
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, **options)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        blocks.close()


# nothing of the corpus before login ---------------------------------------------------


def test_the_page_as_built_holds_nothing_of_the_corpus(indexed: Settings) -> None:
    from rag.app.layout import create_app

    config = json.dumps(create_app(indexed).get_config_file(), default=str)
    assert [s for s in secrets_of(indexed) if s in config] == []


@pytest.mark.slow
def test_before_login_no_page_or_route_names_an_article(indexed: Settings) -> None:
    from playwright.sync_api import expect, sync_playwright

    from tests.support.browser import launch_chromium

    secrets = secrets_of(indexed)
    with served(indexed, LOGIN) as url:
        assert "auth_required" in httpx.get(url, timeout=30).text  # the login form
        for path in ("/", "/config", "/gradio_api/info", "/gradio_api/info?all_endpoints=1"):
            body = httpx.get(url + path, timeout=30).text
            assert [s for s in secrets if s in body] == [], path
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            page = browser.new_page()
            page.goto(url)
            page.get_by_label("username").fill(LOGIN[0])
            page.get_by_label("password").fill(LOGIN[1])
            page.get_by_role("button", name="Login").click()
            expect(page.locator("#examples")).to_contain_text("Caspian ferry line", timeout=30_000)
            page.locator("#examples button").first.click()
            expect(page.locator("#question textarea")).to_have_value(
                "What does the Steppe Courier article “Caspian ferry line reopens after the "
                "port upgrade” say?"
            )
            page.get_by_role("button", name="Filters").click()
            page.locator("#outlets input").click()
            expect(page.get_by_role("option", name="Hidden Ledger")).to_be_visible()
            page.locator("#outlets input").press("Escape")
            page.get_by_role("tab", name="Library").click()
            expect(page.locator("#library")).to_contain_text(UPLOADED)
            expect(page.locator("#library")).to_contain_text("Hidden Ledger")
            browser.close()


# login throttling --------------------------------------------------------------------


def post_login(url: str, password: str, source: str = "127.0.0.1") -> httpx.Response:
    """A login from the loopback address ``source`` (Linux answers on all of 127/8)."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.post(f"{url}/login", data={"username": LOGIN[0], "password": password})


@pytest.mark.slow
def test_wrong_passwords_lock_their_address_out_for_a_while(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.app import login

    window = 6.0
    monkeypatch.setattr(login, "WINDOW", window)
    with served(indexed, LOGIN) as url:
        assert post_login(url, "guess").status_code == 400
        counted_by = time.monotonic()  # the first failure was counted before its answer
        assert [post_login(url, "guess").status_code for _ in range(4)] == [400] * 4
        for password in ("guess", LOGIN[1]):  # refused at once, the right one too
            asked = time.monotonic()
            refused = post_login(url, password)
            assert time.monotonic() - asked < 1.0  # nothing slept
            assert refused.status_code == 429
            assert "Too many failed logins; try again in" in refused.json()["detail"]
            assert 1 <= int(refused.headers["retry-after"]) <= window
        assert post_login(url, LOGIN[1], source="127.0.0.2").status_code == 200  # another
        time.sleep(max(0.0, counted_by + window + 0.2 - time.monotonic()))
        assert post_login(url, LOGIN[1]).status_code == 200
        assert post_login(url, "guess").status_code == 400  # a success forgot the failures


@pytest.mark.slow
def test_wrong_passwords_from_many_addresses_lock_everyone_out(
    indexed: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.app import login

    monkeypatch.setattr(login, "OVERALL_LIMIT", 4)
    with served(indexed, LOGIN) as url:
        for n in range(2, 6):
            assert post_login(url, "guess", source=f"127.0.0.{n}").status_code == 400
        assert post_login(url, LOGIN[1], source="127.0.0.9").status_code == 429


def test_a_burst_of_tries_at_once_is_limited_as_one_by_one() -> None:
    from rag.app.login import CLIENT_LIMIT, Failures

    now = [100.0]
    failures = Failures(clock=lambda: now[0])
    assert [failures.attempt("a") for _ in range(CLIENT_LIMIT)] == [0.0] * CLIENT_LIMIT
    assert failures.attempt("a") == pytest.approx(60.0) and failures.attempt("b") == 0.0
    now[0] += 61
    assert failures.attempt("a") == 0.0
    failures.succeeded("a")
    assert all(failures.attempt("a") == 0.0 for _ in range(CLIENT_LIMIT))


# uploads that fail are not kept --------------------------------------------------------


def bad_uploads(folder: Path) -> dict[str, Path]:
    """Files that fail to read, by the reason each should be named with."""
    files: dict[str, tuple[str, str | bytes]] = {
        "yaml.md": ("broken front matter (line 2)", "---\ntitle: [open\n---\n\nText.\n"),
        "broken.pdf": ("unreadable PDF", b"%PDF-1.4\n garbage\n"),
        "junk.html": ("binary file (contains NUL bytes), not HTML", bytes(range(256))),
        "nul.md": (
            "binary file (contains NUL bytes, the first at offset 26), not text",
            "---\ntitle: Nul\n---\n\nHello \x00 world text.\n",
        ),
        "half.jsonl": (
            "line 2: invalid JSON",  # its first line reads, but it is not kept in part
            '{"text": "Ferries sail again.", "title": "One"}\nnot json\n',
        ),
        "none.jsonl": (
            "line 1: invalid JSON: Expecting value (and 1 more problem)",
            "not json\nnor this\n",
        ),
    }
    return {reason: write(folder / name, data) for name, (reason, data) in files.items()}


def test_an_upload_that_fails_is_named_and_never_kept(indexed: Settings, tmp_path: Path) -> None:
    from rag.index.sync import Ingestor

    app = ChatApp(indexed)
    bad = bad_uploads(tmp_path / "in")
    good = write(tmp_path / "in" / "good.md", article("Grain barges return to Astrakhan", "Volga"))
    report, rows = add_uploads(app, [str(good), *map(str, bad.values())])
    lines = report.splitlines()
    assert lines[-1] == "✓ good.md: added" and len(lines) == len(bad) + 1
    for reason, path in bad.items():
        assert any(line.startswith(f"✗ {path.name}: {reason}") for line in lines), "\n".join(lines)
    uploads = indexed.corpus_dir / "uploads"
    assert sorted(p.name for p in uploads.iterdir()) == ["good.md", UPLOADED]
    assert "Grain barges return to Astrakhan" in [row[0] for row in rows]
    assert not any("half.jsonl" in str(row[4]) for row in rows)  # nothing of it was added
    assert Ingestor.sync(indexed, [indexed.corpus_dir]).failed == []  # a later ingest
    fresh = indexed.model_copy(update={"index_dir": tmp_path / "fresh"})
    ensure_index(fresh)  # as app.py starts on an empty index
    assert len(ChatApp(fresh).library()) == 4


def test_an_upload_the_ingest_refuses_is_removed_too(indexed: Settings, tmp_path: Path) -> None:
    app = ChatApp(indexed)
    text = "---\nid: shared-id\ntitle: {}\n---\n\nThe same id in two files.\n"
    first = write(tmp_path / "in" / "a.md", text.format("First"))
    second = write(tmp_path / "in" / "b.md", text.format("Second"))
    report, _ = add_uploads(app, [str(first), str(second)])
    added, refused = report.splitlines()
    assert added == "✓ a.md: added" and refused.startswith("✗ b.md: article id 'shared-id' ")
    assert "used by corpus/uploads/a.md" in refused
    assert not (indexed.corpus_dir / "uploads" / "b.md").exists()


# a hung LLM does not hold up the others --------------------------------------------------


@pytest.mark.slow
def test_questions_whose_llm_hangs_leave_room_for_a_healthy_one(indexed: Settings) -> None:
    from gradio_client import Client

    from tests.support.fake_openai import fake_openai

    hung = 8  # twice the answers the app wrote at once before
    with fake_openai() as server:
        server.enqueue_hang(seconds=60, times=hung)
        server.responder = lambda messages: "The Aktau–Baku ferry line reopened [1]."
        update = {"openai_base_url": server.url, "llm_timeout": 10.0, "llm_retries": 0}
        with served(indexed.model_copy(update=update)) as url:
            client = Client(url, verbose=False)
            jobs = [client.submit(question=QUESTION, api_name="/ask") for _ in range(hung)]
            waited = time.monotonic() + 8.0  # less than the deadline: none has given up
            while len(server.chats) < hung and time.monotonic() < waited:
                time.sleep(0.1)
            assert len(server.chats) == hung  # all hung at once, none queued behind others
            started = time.monotonic()
            answer = client.predict(question=QUESTION, api_name="/ask")
            elapsed = time.monotonic() - started
            assert answer["mode"] == "llm" and answer["warning"] == ""
            assert elapsed < 5.0, elapsed  # not behind the hung ones' 10 s deadline
            server.stopping.set()  # the hung calls end; they are answered offline
            assert all("answered offline" in job.result(timeout=60)["warning"] for job in jobs)


# the index opened by threads at once ---------------------------------------------------


@pytest.fixture
def seed(settings: Settings, tmp_path: Path) -> Settings:
    make_corpus(tmp_path / "corpus", 3, paragraphs=2)
    settings = settings.model_copy(update={"corpus_dir": tmp_path / "corpus"})
    ingest(settings)
    return settings


def load_handler(blocks: Any) -> Any:
    """What the page runs when it loads: reads the library and the filters' choices."""
    for fn in blocks.fns.values():
        if any(event == "load" for _, event in fn.targets):
            return fn.fn
    raise AssertionError("no load event")


def test_an_app_is_used_at_once_while_it_warms_up(
    seed: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rag.app.layout import create_app

    crashed: list[BaseException | None] = []

    def hook(args: Any) -> None:
        if args.thread is not None and args.thread.name == "warm-up":
            crashed.append(args.exc_value)

    monkeypatch.setattr(threading, "excepthook", hook)
    speakers = ChatApp(seed).speakers()  # read alone, nothing opening the index beside it
    for run in range(10):  # each a fresh index folder: Chroma's client not yet made
        copy = copy_index(seed, tmp_path / f"index-{run}")
        refresh = load_handler(create_app(copy))
        with ThreadPoolExecutor(4) as pool:
            loaded = [pool.submit(refresh) for _ in range(4)]
        for thread in threading.enumerate():
            if thread.name == "warm-up":
                thread.join(timeout=60)
        assert all(len(job.result()[-2]) == 3 for job in loaded)  # the library's articles
        assert all(job.result()[-1] == speakers for job in loaded)
    assert crashed == []


@pytest.mark.embedded_only  # a server's clients are one per connection, by design
def test_threads_opening_a_new_index_at_once_share_one_client(
    seed: Settings, tmp_path: Path
) -> None:
    copy = copy_index(seed, tmp_path / "index-copy")
    gate = threading.Barrier(6)

    def open_it(_: int) -> Any:
        gate.wait()
        return ChatApp(copy).store()

    with ThreadPoolExecutor(6) as pool:
        stores = list(pool.map(open_it, range(6)))
    assert len({id(store.client._system) for store in stores}) == 1
    assert {store.count() for store in stores} == {ChatApp(seed).store().count()}
