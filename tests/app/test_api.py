"""The app's HTTP API as a client sees it: only /ask is offered, and it checks what it is
given as `rag ask` does. The app runs in this process on 127.0.0.1."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from rag.settings import Settings
from tests.support.servers import launched_app

pytestmark = pytest.mark.slow

QUESTION = "What leverage does Moscow have over Astana?"


@pytest.fixture(scope="module")
def url(seed_index: Settings) -> Iterator[str]:
    with launched_app(seed_index) as served:
        yield served


def test_only_ask_and_timeline_are_listed(url: str) -> None:
    from gradio_client import Client

    with urllib.request.urlopen(f"{url}/gradio_api/info", timeout=30) as response:
        info = json.load(response)
    endpoints = ["/ask", "/timeline"]
    assert sorted(info["named_endpoints"]) == endpoints and info["unnamed_endpoints"] == {}
    listed = Client(url, verbose=False).view_api(print_info=False, return_format="dict")
    assert isinstance(listed, dict) and sorted(listed["named_endpoints"]) == endpoints


def test_ask_refuses_a_bad_k_and_takes_one_outlet_as_a_string(url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from rag.retrieve.request import MAX_K

    client = Client(url, verbose=False)
    for k in (0, "abc"):
        with pytest.raises(AppError, match=f"k must be at least 1 and at most {MAX_K}, not"):
            client.predict(question=QUESTION, k=k, api_name="/ask")
    got = client.predict(question=QUESTION, outlets="Caliber.Az", k=2, api_name="/ask")
    assert got["sources"] and len(got["retrieved"]) <= 2
    assert {p["metadata"]["outlet"] for p in got["retrieved"]} == {"Caliber.Az"}


def test_ask_takes_speakers_as_a_name_or_a_list_and_names_an_unknown_one(url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(url, verbose=False)
    with pytest.raises(AppError, match="no article quotes or reports speaker 'Abishv' \\(did"):
        client.predict(question=QUESTION, speakers="Abishv", api_name="/ask")
    both = {"Gaziz Abishev", "Kazbek Beisebayev"}
    for given, wanted in (("Abishev", {"Gaziz Abishev"}), (["Beisebayev", "Abishev"], both)):
        got = client.predict(question=QUESTION, speakers=given, api_name="/ask")
        assert got["sources"] and got["retrieved"]
        for passage in got["retrieved"]:
            assert wanted & {a["speaker"] for a in passage["attributions"]}
