"""What is shown as a source's words is in that source, whole: sentence boundaries that follow
the text (not its line breaks), extractive sentences that are one span of one passage,
quotations checked word for word by the citation check and by `rag eval`, and the PDF page of
the quoted span."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from rag.answer.extractive import candidates
from rag.check.citations import check_answer
from rag.check.support import SupportScorer
from rag.evaluate.gold import GoldItem, read_gold
from rag.evaluate.judge import LocalJudge
from rag.evaluate.metrics import score_answer
from rag.settings import Settings
from rag.text.sentences import flow, split_sentences
from rag.text.verbatim import NOT_IN_SOURCE, QUOTE_NOT_IN_SOURCE, misquote, occurs_in
from rag.types import Hit, Passage
from tests.support.cli import rag_command
from tests.support.fakes import FakeEmbedder
from tests.support.files import write
from tests.support.servers import shell_env

WRAPPED = """Kessel shelters fill up after the flood

The shelters in Kessel were housing 2,400 people on Thursday, the
Red Cross said in a statement. Volunteers from the Red Crescent arrived
on Friday to help run the shelters and to hand out blankets and food.
A spokesperson for the governor said that more shelters would open in
the coming days if the water kept rising.
"""

PDF_PAGE = """Preliminary report on the Marrow Creek dam failure
Eastland Water Authority, 20 March 2025
The Marrow Creek dam was overtopped at about 23:40 on March 1, 2025. An independent panel led by
Professor Hana Sato of Kessel University will publish a
final report by June. The spillway was damaged, reducing its capacity by an estimated 35
percent. The authority cannot yet say when the repairs will be com-
plete, and well-
known engineers disagree."""

LEDGER = """---
title: Marrow Creek dam bursts, at least 19 dead
outlet: The Daily Ledger
published: 2025-03-04
---
# Marrow Creek dam bursts, at least 19 dead

The Marrow Creek dam burst late on Saturday, flooding the valley below. At least 19 people
were killed and dozens are missing, rescue workers told the newspaper.

## Rescue

"We are doing everything we can. The water is receding," Mayor Tomas Reyes said on Sunday.
Reyes said he has been asked to testify before the independent panel.
"""


# sentence boundaries ----------------------------------------------------------------


def test_a_hard_wrapped_text_is_read_in_sentences_not_lines() -> None:
    assert split_sentences(WRAPPED) == [
        "Kessel shelters fill up after the flood",
        "The shelters in Kessel were housing 2,400 people on Thursday, the Red Cross said in "
        "a statement.",
        "Volunteers from the Red Crescent arrived on Friday to help run the shelters and to "
        "hand out blankets and food.",
        "A spokesperson for the governor said that more shelters would open in the coming "
        "days if the water kept rising.",
    ]


def test_pdf_lines_are_joined_and_titles_bylines_and_hyphens_handled() -> None:
    assert split_sentences(PDF_PAGE) == [
        "Preliminary report on the Marrow Creek dam failure",
        "Eastland Water Authority, 20 March 2025",
        "The Marrow Creek dam was overtopped at about 23:40 on March 1, 2025.",
        "An independent panel led by Professor Hana Sato of Kessel University will publish a "
        "final report by June.",
        "The spillway was damaged, reducing its capacity by an estimated 35 percent.",
        "The authority cannot yet say when the repairs will be complete, and well-known "
        "engineers disagree.",
    ]


def test_headings_stay_out_of_sentences_and_quotes_keep_their_speaker() -> None:
    sentences = split_sentences(LEDGER.split("---\n", 2)[2])
    assert sentences[0] == "# Marrow Creek dam bursts, at least 19 dead"
    assert "## Rescue" in sentences
    assert (
        '"We are doing everything we can. The water is receding," Mayor Tomas Reyes said on '
        "Sunday." in sentences
    )
    assert all("#" not in s for s in sentences if s[0] != "#")


def test_a_paragraph_per_line_text_keeps_each_line_apart() -> None:
    text = "Astana and Moscow\nTalks resumed on Monday.\nNo date was set for the next round."
    assert split_sentences(text) == [
        "Astana and Moscow",
        "Talks resumed on Monday.",
        "No date was set for the next round.",
    ]


# extractive sentences are whole spans of one passage ---------------------------------


def hit(text: str, pid: str = "p", **meta: str) -> Hit:
    return Hit(Passage(pid, pid, 0, text, 0, len(text), f"{pid}.md", metadata=meta), 1.0)


def test_extractive_candidates_are_whole_sentences_found_in_their_passage() -> None:
    hits = [hit(PDF_PAGE, "report"), hit(WRAPPED, "shelters"), hit(LEDGER.split("---\n")[2])]
    found = candidates(hits)
    texts = [c.text for c in found]
    assert "Eastland Water Authority, 20 March 2025" not in " ".join(texts)
    assert not any(t.startswith("#") or "Kessel shelters fill up" in t for t in texts)
    assert "The spillway was damaged, reducing its capacity by an estimated 35 percent." in texts
    for candidate in found:
        passage = hits[candidate.hit].passage.text
        assert flow(passage[candidate.start : candidate.end]) == candidate.text
        assert occurs_in(candidate.text, passage)
        assert candidate.text[-1] in '.!…"”'


def scorer() -> SupportScorer:
    return SupportScorer(FakeEmbedder(Settings(embed_backend="fake")))


def test_a_splice_of_two_passages_is_flagged_as_a_misquote() -> None:
    hits = [hit(PDF_PAGE, "report"), hit(LEDGER.split("---\n")[2], "ledger")]
    splice = (
        "An independent panel led by Professor Hana Sato of Kessel University will publish a "
        "Reyes said he has been asked to testify before the independent panel. [1][2]"
    )
    checked = check_answer(splice, hits, scorer(), 0.5, quoted=True)
    (sentence,) = checked.sentences
    assert not sentence.supported and sentence.support == 0.0
    assert sentence.problem == NOT_IN_SOURCE
    whole = "The spillway was damaged, reducing its capacity by an estimated 35 percent. [1]"
    assert check_answer(whole, hits, scorer(), 0.5, quoted=True).sentences[0].problem == ""


def test_a_made_up_quotation_in_any_answer_is_flagged() -> None:
    hits = [hit(LEDGER.split("---\n")[2], "ledger")]
    made_up = 'Reyes said "the dam was never inspected" after the flood. [1]'
    assert misquote(made_up.removesuffix(" [1]"), [hits[0].passage.text], whole=False)
    checked = check_answer(made_up, hits, scorer(), 0.5)
    assert checked.sentences[0].problem == QUOTE_NOT_IN_SOURCE
    assert not checked.sentences[0].supported
    true = 'Reyes said "the water is receding" on Sunday. [1]'
    assert check_answer(true, hits, scorer(), 0.5).sentences[0].problem == ""


# through the CLI, with the real model ------------------------------------------------


def pdf_report() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)

    def paragraph(text: str) -> None:
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    first, byline, body = PDF_PAGE.split("\n", 2)
    paragraph(first)
    paragraph(byline)
    paragraph(" ".join(body.replace("-\n", "").split()))
    pdf.add_page()
    paragraph(
        "Provincial officials later put the death toll at 15 after counting again. The "
        "authority asked residents downstream to stay away from the river banks."
    )
    return bytes(pdf.output())


@pytest.fixture
def flood(tmp_path: Path) -> dict[str, str]:
    write(tmp_path / "corpus/ledger.md", LEDGER)
    write(tmp_path / "corpus/shelters.txt", WRAPPED)
    write(tmp_path / "corpus/report.pdf", pdf_report())
    env = shell_env(RAG_INDEX_DIR=str(tmp_path / "index"))
    result = subprocess.run(
        rag_command("ingest", "--json"), env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    return env


def ask(env: dict[str, str], question: str) -> dict[str, Any]:
    result = subprocess.run(
        rag_command("ask", question, "--json", "--k", "4"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


QUESTIONS = (
    "Who arrived to help run the shelters?",
    "When will the final report on the dam be published?",
    "By how much was the capacity of the spillway reduced?",
    "What did Mayor Reyes say about the water?",
    "How many people died when the Marrow Creek dam burst?",
    "What was the death toll according to provincial officials?",
)


@pytest.mark.slow
def test_every_extractive_sentence_is_a_whole_sentence_of_the_passage_it_cites(
    flood: dict[str, str],
) -> None:
    answers = {question: ask(flood, question) for question in QUESTIONS}
    for question, answer in answers.items():
        sources = {s["number"]: s["passage"]["text"] for s in answer["sources"]}
        for sentence in answer["sentences"]:
            assert sentence["supported"], (question, sentence)
            (number,) = sentence["citations"]
            assert occurs_in(sentence["text"], sources[number]), (question, sentence)
            assert "#" not in sentence["text"]
            assert "Eastland Water Authority," not in sentence["text"]
    quoting = [s["passage"] for a in answers.values() for s in a["sources"]]
    assert all(p["quotations"] is not None for p in quoting)  # recorded at ingest
    shelters = answers["Who arrived to help run the shelters?"]
    assert shelters["answered"] and "Red Crescent" in shelters["text"]
    toll = answers["What was the death toll according to provincial officials?"]
    (source,) = [s for s in toll["sources"] if s["passage"]["source"].endswith("report.pdf")]
    assert source["passage"]["page"] == 1 and source["pages"] == [2]


@pytest.mark.slow
def test_rag_eval_scores_a_planted_splice_as_unsupported(
    flood: dict[str, str], tmp_path: Path
) -> None:
    question = "When will the final report on the dam be published?"
    answer = ask(flood, question)
    assert answer["sentences"][0]["supported"]
    spliced = dict(answer)
    fragment = "An independent panel led by Professor Hana Sato of Kessel University will publish a"
    splice = f"{fragment} dozens are missing, rescue workers told the newspaper."
    spliced["sentences"] = [{**answer["sentences"][0], "text": splice}]
    spliced["text"] = f"{splice} [1]"
    gold = write(
        tmp_path / "gold.jsonl",
        json.dumps({"id": "report", "question": question, "answerable": True,
                    "gold_quotes": ["will publish a final report by June"]}) + "\n",
    )  # fmt: skip
    for name, record in (("right", answer), ("spliced", spliced)):
        answers = write(tmp_path / f"{name}.jsonl", json.dumps({"id": "report", **record}) + "\n")
        result = subprocess.run(
            rag_command("eval", str(gold), "--answers", str(answers), "--judge", "local",
                        "-o", str(tmp_path / name), "--json"),
            env=flood, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        totals = json.loads(result.stdout)["totals"]
        assert totals["citation_recall"] == (1.0 if name == "right" else 0.0), name


def test_score_answer_uses_the_check_of_quotes_whatever_the_judge(tmp_path: Path) -> None:
    class Yes:
        kind, name, workers = "test", "always yes", 1

        def entails(self, sentence: str, passages: Any, headers: Any = ()) -> bool:
            return True

    gold = write(tmp_path / "g.jsonl", json.dumps({"id": "q", "question": "When?"}) + "\n")
    item: GoldItem = read_gold(gold)[0]
    hits = [hit(PDF_PAGE, "report")]
    splice = "Professor Hana Sato of Kessel University will publish a percent. [1]"
    checked = check_answer(splice, hits, scorer(), 0.5, quoted=True)
    from rag.types import Answer

    answer = Answer("When?", checked.text, checked.sentences, checked.sources, "extractive",
                    "extractive", retrieved=(hits[0].passage,))  # fmt: skip
    result = score_answer(item, answer, Yes())
    assert (result.sentences, result.entailed) == (1, 0)


# the source's own name supports what it is said to report -----------------------------


@pytest.mark.slow
def test_naming_the_outlet_that_reported_a_figure_is_supported() -> None:
    from rag.embed.local import LocalEmbedder

    body = LEDGER.split("---\n")[2]
    meta = {"title": "Marrow Creek dam bursts", "outlet": "The Daily Ledger",
            "published": "2025-03-04"}  # fmt: skip
    later = "Provincial officials later put the death toll at 15 after counting again."
    hits = [hit(body, "ledger", **meta), hit(later, "report", outlet="Eastland Herald")]
    real = SupportScorer(LocalEmbedder(Settings()))

    def support(raw: str) -> float:
        (sentence,) = check_answer(raw, hits, real, 0.5).sentences
        return sentence.support

    assert support("The Daily Ledger reported that 19 people were killed [1].") >= 0.5
    assert support("According to the Daily Ledger, 19 people were killed on 4 March [1].") >= 0.5
    both = (
        "Reports of the death toll differ: the Daily Ledger reported 19 dead, while provincial "
        "officials later put it at 15 [1][2]."
    )
    assert support(both) >= 0.5
    assert support("The Daily Ledger reported that 25 people were killed [1].") < 0.5
    assert support("The Kessel Times reported that 19 people were killed [1].") < 0.5
    judge = LocalJudge(real, 0.5)
    claim = "The Daily Ledger reported that 19 people were killed."
    assert judge.entails(claim, [body], [hits[0].passage.attribution()])
    assert not judge.entails(claim, [body])


def test_an_articles_last_sentence_without_a_full_stop_is_quoted_whole() -> None:
    snippet = (
        "A Twitter spokesperson said the news aggregator, which had more than 400,000 "
        "followers, was banned after violating rules on ‘platform manipulation and spam’"
    )
    last = Passage("s", "s", 0, snippet, 0, len(snippet), "s.jsonl", ends_article=True)
    (found,) = candidates([Hit(last, 1.0)])
    assert found.text == f"{snippet}." and occurs_in(found.text, snippet)
    cut = Passage("c", "c", 0, snippet, 0, len(snippet), "c.md")  # the article goes on
    assert candidates([Hit(cut, 1.0)]) == []


def test_the_splitter_marks_the_passage_that_ends_its_article() -> None:
    from rag.ingest.split import Splitter
    from rag.types import Article

    text = " ".join(f"Sentence number {n} says something about the flood." for n in range(80))
    passages = Splitter(64, 0).split(Article("a", "a.md", text + "\n"))
    assert len(passages) > 2
    assert [p.ends_article for p in passages] == [False] * (len(passages) - 1) + [True]


def test_abbreviations_ellipses_and_speech_verbs_in_lower_case_do_not_end_a_sentence() -> None:
    text = (
        "The river burst its banks at 3 a.m. on Tuesday, flooding the old town. Schools "
        "would reopen on 31 March… if the buildings are declared safe. “Where were the "
        "sirens?” asked Maria Lindqvist, a nurse."
    )
    assert split_sentences(text) == [
        "The river burst its banks at 3 a.m. on Tuesday, flooding the old town.",
        "Schools would reopen on 31 March… if the buildings are declared safe.",
        "“Where were the sirens?” asked Maria Lindqvist, a nurse.",
    ]


GOVERNOR = """Governor Paul Adeyemi read a statement outside the town hall.
“We owe the people of Kellbrook an honest account of what went wrong. The sirens in the \
Lower Mill district did not sound.
“The inquiry will be led by Judge Helena Marsh, who has full powers.
“It will report within 90 days, and its findings will be published in full.”
Opposition leaders said the statement came far too late for the families."""


def test_sentences_inside_a_quotation_over_paragraphs_are_not_quoted_without_their_speaker() -> (
    None
):
    from rag.ingest.split import Splitter
    from rag.text.quotations import quotation_spans
    from rag.types import Article

    (quotation,) = quotation_spans(GOVERNOR)
    assert GOVERNOR[quotation[0] :].startswith("“We owe")
    assert GOVERNOR[: quotation[1]].endswith("published in full.”")
    (passage,) = Splitter(400, 0).split(Article("g", "g.md", GOVERNOR))
    unrecorded = dataclasses.replace(passage, quotations=None)  # worked out from its text
    for source in (passage, unrecorded):
        found = [c.text for c in candidates([Hit(source, 1.0)])]
        assert found == [
            "Governor Paul Adeyemi read a statement outside the town hall.",
            "Opposition leaders said the statement came far too late for the families.",
        ]


def test_a_sentence_over_a_pdf_page_end_is_read_whole(tmp_path: Path) -> None:
    from fpdf import FPDF

    from rag.ingest.readers import read_file

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "The state would pay 60 percent. The remaining 40 percent would fall "
                   "to the province and the town,", new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.add_page()
    pdf.multi_cell(0, 6, "which have asked the state to cover the whole sum.")
    article = read_file(write(tmp_path / "r.pdf", bytes(pdf.output())), 10**7).articles[0]
    sentence = (
        "The remaining 40 percent would fall to the province and the town, which have asked "
        "the state to cover the whole sum."
    )
    assert sentence in split_sentences(article.text)
    assert article.page_at(article.text.index("which have")) == 2
