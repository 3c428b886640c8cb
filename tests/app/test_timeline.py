"""The Timeline tab and the /timeline API on the seed corpus, with the real pipeline: the
events as escaped HTML, one error line for a bad date, and the JSON a client gets."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from rag.app.chat import ChatApp
from rag.app.timeline import timeline_view
from rag.present.timeline import timeline_html
from rag.retrieve.timeline import Event, Timeline
from rag.settings import Settings
from tests.support.servers import launched_app

pytestmark = pytest.mark.slow

QUERY = "Nazarbayev Putin meeting"


@pytest.fixture(scope="module")
def app(seed_index: Settings) -> ChatApp:
    return ChatApp(seed_index)


@pytest.fixture(scope="module")
def url(seed_index: Settings) -> Iterator[str]:
    with launched_app(seed_index) as served:
        yield served


def test_the_tab_lists_each_event_with_its_date_sentence_article_and_citation(
    app: ChatApp,
) -> None:
    shown = timeline_view(app, QUERY)
    meeting = next(item for item in shown.split('<div class="event">') if "2025-12-27" in item)
    assert '<span class="how">(stated)</span>' in meeting
    assert "took place <mark>on December 27, 2025</mark>." in meeting
    assert "The meeting between Vladimir Putin and Nursultan Nazarbayev" in meeting
    assert '<span class="where">Caliber.Az</span>' in meeting and ">[1]</a>" in meeting
    assert '<div id="timeline-s1">[1] Nazarbayev at the Kremlin' in shown
    later = timeline_view(app, QUERY, since="2025-12-28")
    assert "2025-12-27" not in later


def test_a_bad_date_is_one_error_line_and_an_empty_timeline_says_so(app: ChatApp) -> None:
    assert timeline_view(app, QUERY, since="27/12/2025") == (
        '<p class="error">since &#x27;27/12/2025&#x27; is not a date like 2025-12-27</p>'
    )
    empty = timeline_view(app, QUERY, until="1900-12-31")
    assert "no dated events about" in empty and 'class="event"' not in empty


def test_article_text_and_metadata_are_escaped() -> None:
    text = "On 4 March 2025 <script>alert(1)</script> happened."
    event = Event("2025-03-04", "stated", text, "On 4 March 2025", "p", 0, len(text), 0, 15, 1,
                  "a", "<b>Wire</b>", "2025-03-05", "<img src=x onerror=alert(1)>", "a.md",
                  0.9)  # fmt: skip
    shown = timeline_html(Timeline("q", (event,)))
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "<b>Wire" not in shown and "<img" not in shown
    assert "<mark>On 4 March 2025</mark> &lt;script&gt;" in shown


def test_the_api_gives_the_timeline_as_json_and_names_bad_input(url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with urllib.request.urlopen(f"{url}/gradio_api/info", timeout=30) as response:
        assert list(json.load(response)["named_endpoints"]) == ["/ask", "/timeline"]
    client = Client(url, verbose=False)
    got = client.predict(query=QUERY, api_name="/timeline")
    assert got["query"] == QUERY and set(got) == {"query", "events", "sources"}
    assert "2025-12-27" in [event["date"] for event in got["events"]]
    bounded = client.predict(query=QUERY, since="2025-12-28", k=10, api_name="/timeline")
    assert "2025-12-27" not in [event["date"] for event in bounded["events"]]
    with pytest.raises(AppError, match="since '2025-12' is not a date like 2025-12-27"):
        client.predict(query=QUERY, since="2025-12", api_name="/timeline")
    with pytest.raises(AppError, match="k must be at least 1 and at most 50, not"):
        client.predict(query=QUERY, k=0, api_name="/timeline")
