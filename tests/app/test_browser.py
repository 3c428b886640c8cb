"""The web UI in a real browser: ask, follow citations (also an earlier answer's), export,
upload, see new articles among the filters, start over.

One ``app.py`` server runs for the module on a copy of the seed corpus plus a hostile
article (HTML in its title and body); Debian's headless Chromium drives it through
Playwright. The tests share one page and run in file order.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect, sync_playwright

from rag.evaluate.gold import normalise
from tests.support.browser import launch_chromium, running_app
from tests.support.cli import rag_command
from tests.support.files import SEEDS, write
from tests.support.servers import ON_SERVER, shell_env

pytestmark = pytest.mark.slow

#: Milliseconds any one wait in the page may take (the first answer loads the model).
TIMEOUT_MS = 60_000
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
#: Where the screenshots go: docs/ for `make screenshots`, else a temporary folder.
SHOTS = Path(os.environ.get("RAG_SCREENSHOTS") or tempfile.mkdtemp(prefix="rag-shots-"))

QUESTION = "What leverage does Moscow have over Astana?"
HOSTILE_QUESTION = "What was pledged at the Zarafshan caravan summit?"
HOSTILE_SENTENCE = (
    "The Zarafshan caravan summit ended with a pledge on water sharing between the five republics."
)
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1">Hostile'
HOSTILE = f"""---
title: '{HOSTILE_TITLE}'
outlet: Steppe Courier
date: 2024-05-02
---

<script>window.__pwned=1</script>
{HOSTILE_SENTENCE} Delegates met for two days in a tent city outside Samarkand and agreed to
publish the flow of every canal each month.
"""
UPLOAD_NAME = "aral-ferry.md"
UPLOAD_TITLE = "Aral Sea ferry line reopens after two decades"
UPLOAD_QUESTION = "When did the Aral Sea ferry between Moynaq and Aralsk reopen?"
UPLOAD_OUTLET = "Delta Gazette"
#: How the article is offered among the filters.
UPLOAD_LABEL = f"{UPLOAD_TITLE} — {UPLOAD_OUTLET}, 2024-06-11"
UPLOAD = f"""---
title: {UPLOAD_TITLE}
outlet: {UPLOAD_OUTLET}
date: 2024-06-11
---

The Aral Sea ferry line between Moynaq and Aralsk reopened on Tuesday after twenty years,
carrying forty passengers on its first crossing. The restored northern sea made the route
possible again, the port authority said.
"""
BAD_NAME = "blank.md"
ELSEWHERE_TITLE = "Ili river dam talks resume in Almaty"
ELSEWHERE_LABEL = f"{ELSEWHERE_TITLE} — Ili Herald, 2024-07-01"
ELSEWHERE_SPEAKER = "Aida Nurlanova"
ELSEWHERE = f"""---
title: {ELSEWHERE_TITLE}
outlet: Ili Herald
date: 2024-07-01
---

Engineers from both sides of the Ili river met in Almaty to resume talks on the dam's
summer releases, which downstream farmers say have fallen for three years.

“The releases must rise by a third this summer,” said {ELSEWHERE_SPEAKER}, a hydrologist.
"""

BOT = "#chat [data-testid='bot']"
USER = "#chat [data-testid='user']"
#: The cards of the answer whose sources are shown (each answer's are kept, one group shown).
CARDS = "#sources .answer-sources.current .source-card"


@pytest.fixture(scope="module")
def app_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's folder: ``corpus/`` (the seed corpus plus ``hostile.md``) and ``index/``."""
    root = tmp_path_factory.mktemp("ui")
    corpus = root / "corpus"
    corpus.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, corpus / seed.name)
    write(corpus / "hostile.md", HOSTILE)
    return root


@pytest.fixture(scope="module")
def app_env(app_root: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    """The app's settings, for it and for a `rag ingest` beside it. Set here, not taken from
    the test's environment: the app starts (with the module's first test) before a test's
    own Chroma server and collection are set."""
    env = {"RAG_CORPUS_DIR": str(app_root / "corpus"), "RAG_INDEX_DIR": str(app_root / "index"),
           "RAG_COLLECTION": f"app-{app_root.name}"}  # fmt: skip
    if ON_SERVER:
        env["RAG_CHROMA_URL"] = request.getfixturevalue("chroma_server")
    return env


@pytest.fixture(scope="module")
def app_url(app_root: Path, app_env: dict[str, str]) -> Iterator[str]:
    """The app on a fresh index of ``app_root``'s corpus (built at start)."""
    with running_app(app_root, **app_env) as url:
        yield url


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[Page]:
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.goto(app_url)
            expect(page.locator("#question textarea")).to_be_visible()
            yield page
        finally:
            browser.close()


def ask(page: Page, question: str, *, enter: bool = False) -> Locator:
    """Ask in the Chat tab (button, or Enter in the box); the new answer once it is complete."""
    answers = page.locator(BOT)
    before = answers.count()
    box = page.locator("#question textarea")
    box.fill(question)
    if enter:
        box.press("Enter")
    else:
        page.locator("#ask").click()
    expect(answers).to_have_count(before + 1)
    answer = answers.nth(before)
    expect(answer.locator(".answer-mode, .cannot-answer").first).to_be_visible()
    # The sources panel is rendered with the answer: one card per cited number.
    numbers = cited_numbers(answer)
    expect(page.locator(CARDS)).to_have_count(len(numbers))
    return answer


def latest_answer(page: Page) -> Locator:
    """The last answer in the chat, asking QUESTION first if there is none."""
    page.get_by_role("tab", name="Chat").click()
    answers = page.locator(BOT)
    if answers.count() == 0:
        return ask(page, QUESTION)
    return answers.last


def cited_numbers(answer: Locator) -> list[int]:
    """The source numbers an answer cites, read from its citation links' text ``[n]``."""
    texts = answer.locator("a.cite").all_inner_texts()
    numbers = [re.fullmatch(r"\[(\d+)\]", text.strip()) for text in texts]
    assert all(numbers), f"citation links that are not [n]: {texts}"
    return sorted({int(match.group(1)) for match in numbers if match})


def citation(answer: Locator, n: int) -> Locator:
    return answer.locator("a.cite", has_text=f"[{n}]").first


def card_number(card: Locator) -> int:
    """The source number of a card (its id is aA-sN: source N of the A-th answer)."""
    card_id = card.get_attribute("id") or ""
    match = re.fullmatch(r"a\d+-s(\d+)", card_id)
    assert match, f"source card id {card_id!r} is not aA-sN"
    return int(match.group(1))


def card_of(page: Page, link: Locator) -> Locator:
    """The source card a citation link leads to."""
    target = link.get_attribute("href") or ""
    assert re.fullmatch(r"#a\d+-s\d+", target), f"citation href {target!r} is not #aA-sN"
    return page.locator(f"#sources {target}")


def options(page: Page, dropdown: str) -> list[str]:
    """The choices a dropdown of the (opened) Filters offers."""
    box = page.locator(f"{dropdown} input")
    box.click()
    if box.get_attribute("aria-expanded") != "true":  # the click closed it: open it again
        box.click()
    choices = page.get_by_role("option")
    expect(choices.first).to_be_visible()
    texts = [text.strip() for text in choices.all_inner_texts()]
    box.press("Escape")
    box.blur()
    return texts


def shown_text(locator: Locator) -> str:
    """What the element shows: its rendered text plus the values of its form fields."""
    return str(
        locator.evaluate(
            "e => [e.innerText, ...[...e.querySelectorAll('textarea, input:not([type=file])')]"
            ".map(f => f.value)].join('\\n')"
        )
    )


def eventually(check: Callable[[], str | None], seconds: float = TIMEOUT_MS / 1000) -> None:
    """Poll ``check`` (None when satisfied, else what is wrong) until it passes or time is up."""
    deadline = time.monotonic() + seconds
    while (problem := check()) is not None:
        if time.monotonic() > deadline:
            pytest.fail(problem)
        time.sleep(0.25)


def no_injected_markup(page: Page) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined", "hostile markup ran"
    expect(page.locator('img[src="x"]')).to_have_count(0)


def test_question_gets_a_cited_extractive_answer_and_source_cards(page: Page) -> None:
    answer = ask(page, QUESTION)
    expect(answer.locator(".answer-mode")).to_contain_text("offline extractive answer")
    expect(answer.locator(".cannot-answer")).to_have_count(0)
    links = answer.locator("a.cite")
    expect(links.first).to_be_visible()

    numbers = cited_numbers(answer)
    cards = page.locator(CARDS)
    assert sorted(card_number(card) for card in cards.all()) == numbers
    for card in cards.all():
        expect(card.locator(".source-title")).not_to_be_empty()
        expect(card.locator(".source-meta")).to_be_visible()
        expect(card.locator("mark.support").first).to_be_visible()
        expect(card.locator("details.whole-article")).to_have_count(1)
    from_caliber = cards.filter(has=page.locator(".source-meta", has_text="Caliber.Az"))
    expect(from_caliber).not_to_have_count(0)
    caliber = from_caliber.first
    expect(caliber.locator(".source-title")).to_contain_text("Nazarbayev at the Kremlin")

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "screenshot-chat.png"), full_page=True)

    # The whole article opens under the passage: its last paragraph shows up.
    seed = next(s for s in SEEDS if s.name.startswith("caliber"))
    last = seed.read_text(encoding="utf-8").strip().splitlines()[-1]
    details = caliber.locator("details.whole-article")
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    assert normalise(last[:80]) in normalise(details.inner_text())
    details.locator("summary").click()

    # Each link names its card: text [n], href="#aA-sn" (the chat's sanitiser keeps href).
    for link in links.all():
        n = link.inner_text().strip()[1:-1]
        assert re.fullmatch(rf"#a\d+-s{n}", link.get_attribute("href") or "")
        expect(card_of(page, link)).to_be_visible()


def test_clicking_a_citation_marks_and_shows_only_its_card(page: Page) -> None:
    answer = latest_answer(page)
    numbers = cited_numbers(answer)
    assert numbers, "the answer has no citations"
    # The last card (below the fold when the page is at the top), then [2] or the first.
    order = [numbers[-1]]
    order += [n for n in (2, numbers[0]) if n in numbers and n not in order][:1]
    for n in order:
        page.evaluate("window.scrollTo(0, 0)")
        citation(answer, n).click()
        card = card_of(page, citation(answer, n))
        expect(card).to_have_class(re.compile(r"(^|\s)marked(\s|$)"))
        expect(card).to_be_in_viewport()
        expect(page.locator(f"{CARDS}.marked")).to_have_count(1)
    expect(page.locator(BOT)).not_to_have_count(0)  # a click does not reload the page


def test_export_downloads_the_conversation(page: Page) -> None:
    latest_answer(page)
    with page.expect_download() as markdown:
        page.locator("#export-md").click()
    assert markdown.value.suggested_filename.endswith(".md")
    text = Path(markdown.value.path()).read_text(encoding="utf-8")
    assert QUESTION in text and re.search(r"\[\d+\]", text), text[:500]

    with page.expect_download() as exported:
        page.locator("#export-json").click()
    assert exported.value.suggested_filename.endswith(".json")
    data = json.loads(Path(exported.value.path()).read_text(encoding="utf-8"))
    assert QUESTION in json.dumps(data, ensure_ascii=False)


def test_hostile_markup_in_a_source_is_shown_as_text(page: Page) -> None:
    page.get_by_role("tab", name="Chat").click()
    answer = ask(page, HOSTILE_QUESTION, enter=True)
    expect(answer.locator(".answer-mode")).to_contain_text("offline extractive answer")
    hostile = page.locator(CARDS).filter(has=page.locator(".source-title", has_text="Hostile"))
    expect(hostile).to_have_count(1)
    expect(citation(answer, card_number(hostile))).to_be_visible()
    # The title as plain text (after the card's "[n]", if it shows one).
    title = re.compile(rf"^(\[\d+\]\s*)?{re.escape(HOSTILE_TITLE)}$")
    expect(hostile.locator(".source-title")).to_have_text(title)
    expect(hostile.locator("mark.support").first).to_contain_text("Zarafshan caravan summit")
    sources = page.locator("#sources")
    expect(sources).to_contain_text("<script>window.__pwned=1</script>", use_inner_text=True)
    expect(sources).to_contain_text("<img src=x", use_inner_text=True)
    no_injected_markup(page)


def test_a_citation_in_an_earlier_answer_shows_that_answers_source(page: Page) -> None:
    page.get_by_role("tab", name="Chat").click()
    if page.locator(BOT).count():  # answer numbers start again at 1
        page.locator("#new-chat").click()
        expect(page.locator(BOT)).to_have_count(0)
    first = ask(page, QUESTION)
    first_title = page.locator(CARDS).first.locator(".source-title").inner_text()
    second = ask(page, HOSTILE_QUESTION)
    second_title = page.locator(CARDS).first.locator(".source-title").inner_text()
    assert first_title.startswith("[1]") and second_title.startswith("[1]")
    assert first_title != second_title, "both answers cite the same article first"

    for answer, title, other in ((first, first_title, second), (second, second_title, first)):
        page.evaluate("window.scrollTo(0, 0)")
        citation(answer, 1).click()
        marked = page.locator("#sources .source-card.marked")
        expect(marked).to_have_count(1)
        expect(marked.locator(".source-title")).to_have_text(title)
        expect(marked).to_be_visible()
        expect(marked).to_be_in_viewport()
        # The panel shows the clicked answer's sources, and only those.
        expect(page.locator(CARDS)).to_have_count(len(cited_numbers(answer)))
        expect(page.locator("#sources .source-card:visible")).to_have_count(
            len(cited_numbers(answer))
        )
        expect(card_of(page, citation(other, 1))).to_be_hidden()


def test_library_upload_adds_good_files_and_names_bad_ones(page: Page, tmp_path: Path) -> None:
    good = write(tmp_path / UPLOAD_NAME, UPLOAD)
    bad = write(tmp_path / BAD_NAME, "  \n")
    page.get_by_role("tab", name="Library").click()
    library = page.locator("#library")
    expect(library).to_be_visible()
    eventually(lambda: None if "Nazarbayev at the Kremlin" in shown_text(library) else "no seeds")
    assert HOSTILE_TITLE in shown_text(library)
    assert UPLOAD_TITLE not in shown_text(library)
    speakers = page.locator("#speakers-table")  # who the articles quote, under them
    eventually(lambda: None if "Gaziz Abishev" in shown_text(speakers) else "no speakers")
    assert "political commentator" in shown_text(speakers)
    no_injected_markup(page)

    page.locator("#upload input[type=file]").set_input_files([good, bad])
    for name in (UPLOAD_NAME, BAD_NAME):  # uploaded: the file list links to it
        expect(page.locator(f'#upload a[href$="/{name}"]')).to_have_count(1)
    page.locator("#ingest").click()

    result = page.locator("#upload-result")

    def reported() -> str | None:
        text = shown_text(result)
        lines = text.splitlines()
        good_lines = [ln for ln in lines if UPLOAD_NAME in ln]
        bad_lines = [ln for ln in lines if BAD_NAME in ln]
        if not any("added" in ln for ln in good_lines):
            return f"#upload-result does not say {UPLOAD_NAME} was added: {text!r}"
        if not bad_lines or any("added" in ln for ln in bad_lines):
            return f"#upload-result does not report {BAD_NAME} as failed: {text!r}"
        if not any("empty" in ln.replace(BAD_NAME, "") for ln in bad_lines):
            return f"#upload-result gives no reason for {BAD_NAME}: {text!r}"
        return None

    eventually(reported)
    eventually(lambda: None if UPLOAD_TITLE in shown_text(library) else "library not updated")
    assert BAD_NAME not in shown_text(library)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "screenshot-library.png"), full_page=True)

    # The uploaded article can be chosen among the filters, and is answerable at once.
    page.get_by_role("tab", name="Chat").click()
    page.get_by_text("Filters", exact=True).click()
    assert UPLOAD_LABEL in options(page, "#articles")
    assert UPLOAD_OUTLET in options(page, "#outlets")
    assert "Gaziz Abishev" in options(page, "#speakers")
    page.get_by_text("Filters", exact=True).click()
    ask(page, UPLOAD_QUESTION)
    expect(page.locator(f"{CARDS} .source-title", has_text=UPLOAD_TITLE)).not_to_have_count(0)


def test_articles_ingested_by_another_process_are_offered_on_refresh_and_reload(
    page: Page, app_root: Path, app_env: dict[str, str]
) -> None:
    write(app_root / "corpus" / "elsewhere.md", ELSEWHERE)
    done = subprocess.run(
        rag_command("ingest"),
        cwd=app_root,
        env=shell_env(**app_env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1 added" in done.stdout, done.stdout
    filters = page.get_by_text("Filters", exact=True)
    page.get_by_role("tab", name="Chat").click()
    filters.click()
    assert ELSEWHERE_LABEL not in options(page, "#articles")  # the page was loaded before
    filters.click()

    # "Refresh" in the library reads the index again, for the filters too.
    page.get_by_role("tab", name="Library").click()
    page.locator("#refresh-library").click()
    expect(page.locator("#library")).to_contain_text(ELSEWHERE_TITLE)
    expect(page.locator("#speakers-table")).to_contain_text(ELSEWHERE_SPEAKER)
    page.get_by_role("tab", name="Chat").click()
    filters.click()
    assert ELSEWHERE_LABEL in options(page, "#articles")
    assert "Ili Herald" in options(page, "#outlets")
    assert ELSEWHERE_SPEAKER in options(page, "#speakers")

    # A page loaded afresh offers it too (the choices built at start lack it).
    page.reload()
    expect(page.locator("#question textarea")).to_be_visible()
    filters.click()
    eventually(lambda: None if ELSEWHERE_LABEL in options(page, "#articles") else "not offered")
    filters.click()


def test_new_chat_clears_the_chat_and_the_sources(page: Page) -> None:
    latest_answer(page)
    page.locator("#new-chat").click()
    expect(page.locator(BOT)).to_have_count(0)
    expect(page.locator(USER)).to_have_count(0)
    expect(page.locator(CARDS)).to_have_count(0)
    answer = ask(page, QUESTION)
    expect(page.locator(BOT)).to_have_count(1)
    expect(answer.locator("a.cite").first).to_be_visible()


def test_sources_that_disagree_are_noted_with_a_link_to_each_sides_card(page: Page) -> None:
    answer = ask(page, "Can Moscow influence Kazakhstan's leadership?")
    note = answer.locator(".disagreement")
    expect(note.first).to_contain_text("Sources disagree on")
    expect(note.first).to_contain_text("Gaziz Abishev, Caliber.Az")
    links = note.first.locator("a.cite")
    expect(links).to_have_count(2)
    for link in links.all():
        page.evaluate("window.scrollTo(0, 0)")
        link.click()
        card = card_of(page, link)
        expect(card).to_have_class(re.compile(r"(^|\s)marked(\s|$)"))
        expect(card).to_be_in_viewport()
