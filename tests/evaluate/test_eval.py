"""``rag eval``: gold files, tolerant quote matching, the metrics on hand-made answers whose
right scores are known, the judges, reports, resuming, failures and comparing runs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from rag.answer.prompts import CANNOT_ANSWER
from rag.batch import Question
from rag.errors import RagError
from rag.evaluate.gold import GoldItem, contains, holds_any, normalise, read_gold
from rag.evaluate.judge import LLMJudge, LocalJudge, _verdict, create_judge
from rag.evaluate.metrics import QuestionResult, score_answer, totals
from rag.evaluate.report import JudgeName, Report, compare, histogram, markdown, to_html
from rag.settings import Settings
from rag.types import Answer, Passage, Sentence, Source
from tests.support.cli import rag
from tests.support.fake_openai import FakeOpenAI
from tests.support.files import REPO, write
from tests.support.index import index_env

SEED_GOLD = REPO / "eval" / "seed.jsonl"


# quote matching and gold files -----------------------------------------------------


def test_quotes_match_across_typography_spacing_and_case() -> None:
    passage = "The president’s term expires in 2029,\n and  the parliament’s term — in 2028."
    assert contains(passage, "the President's term expires in 2029, and the")
    assert contains(passage, "parliament's term - in 2028")
    assert contains("“Yes,” he said.", '"yes," he said')
    assert not contains(passage, "term expires in 2030")
    assert holds_any(passage, ["nothing", "expires in 2029"])
    assert normalise("  A\u00adB\u200b  c ") == "ab c"


def test_a_gold_file_keeps_unusable_lines_as_problems(tmp_path: Path) -> None:
    lines = [
        '{"id": "ok", "question": "When?", "gold_quotes": ["x"], "answer_keywords": ["y"]}',
        '{"id": "none", "question": "Who?", "gold_quotes": [], "answerable": false}',
        "not json",
        '{"id": "noquote", "question": "Why?", "answerable": true}',
        '{"id": "badtype", "question": "How?", "gold_quotes": "x"}',
        '{"id": "since", "question": "Since?", "gold_quotes": ["x"], "since": "yesterday"}',
        '{"id": "filtered", "question": "What?", "gold_quotes": ["x"], "outlet": "Caliber.Az"}',
    ]
    items = {item.id: item for item in read_gold(write(tmp_path / "g.jsonl", "\n".join(lines)))}
    assert items["ok"].answerable and items["ok"].answer_keywords == ("y",)
    assert not items["none"].answerable and not items["none"].problem
    assert "not JSON" in items["line-3"].problem
    assert "needs gold_quotes" in items["noquote"].problem
    assert "list of strings" in items["badtype"].problem
    assert "since" in items["since"].problem
    assert items["filtered"].ask.filters.outlets == ("Caliber.Az",)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("g.csv", "id,question\n", "must be .jsonl"),
        ("g.jsonl", "\n\n", "holds no questions"),
        ("g.jsonl", '{"id": "a", "question": "q"}\n{"id": "a", "question": "r"}', "a"),
    ],
)
def test_unusable_gold_files_are_refused(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    with pytest.raises(RagError, match=message):
        read_gold(write(tmp_path / name, text))


def test_the_shipped_gold_file_is_whole_and_its_quotes_are_in_the_corpus() -> None:
    items = read_gold(SEED_GOLD)
    corpus = " ".join(p.read_text(encoding="utf-8") for p in (REPO / "corpus").glob("*.md"))
    assert not [item.id for item in items if item.problem]
    assert sum(item.answerable for item in items) >= 15
    assert sum(not item.answerable for item in items) >= 4
    assert all(contains(corpus, q) for item in items for q in item.gold_quotes)


# the metrics on hand-made answers ---------------------------------------------------


class WordJudge:
    """Entailed when every word of the sentence is in the passages (so each case is known)."""

    kind = "test"
    name = "word judge"
    workers = 1

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def entails(self, sentence: str, passages: Sequence[str], headers: Sequence[str] = ()) -> bool:
        self.calls.append((sentence, tuple(passages)))
        words = " ".join(passages).lower().replace(".", " ").split()
        return all(word in words for word in sentence.lower().rstrip(".").split())


def passage(text: str, pid: str) -> Passage:
    return Passage(pid, "a", 0, text, 0, len(text), "a.md")


P1 = passage("alpha beta.", "p1")
P2 = passage("gamma delta alpha.", "p2")
P3 = passage("epsilon zeta. The gold quote is here.", "p3")
P4 = passage("eta theta.", "p4")


def answer(sentences: Sequence[tuple[str, tuple[int, ...]]], sources: Sequence[Passage],
           retrieved: Sequence[Passage] = (), answered: bool = True) -> Answer:  # fmt: skip
    return Answer(
        question="q",
        text=" ".join(text for text, _ in sentences),
        sentences=tuple(Sentence(text, cites, 0.9, True) for text, cites in sentences),
        sources=tuple(Source(n, p) for n, p in enumerate(sources, start=1)),
        mode="llm",  # written, not quoted: only the judge decides
        model="test",
        answered=answered,
        retrieved=tuple(retrieved or sources),
    )


def gold(
    quotes: Sequence[str] = (), keywords: Sequence[str] = (), answerable: bool = True
) -> GoldItem:
    return GoldItem(Question("g", "q"), tuple(quotes), tuple(keywords), answerable)


def test_alce_recall_and_precision_count_what_they_should() -> None:
    # s1: [1] entails -> supported, 1 relevant citation.
    # s2: [1][2] entails; [2] alone does, [1] alone does not and [2] without it still does
    #     -> supported; [1] irrelevant, [2] relevant.
    # s3: [1][4] entail only together -> supported; both relevant.
    # s4: [4] does not entail -> unsupported; its citation is not relevant.
    # s5: no citation -> unsupported, no citations counted.
    made = answer(
        [("alpha beta.", (1,)), ("gamma delta.", (1, 2)), ("beta theta.", (1, 3)),
         ("zeta.", (3,)), ("alpha.", ())],
        [P1, P2, P4],
    )  # fmt: skip
    result = score_answer(gold(["gold quote"]), made, WordJudge())
    assert (result.sentences, result.entailed) == (5, 3)
    assert (result.citations, result.relevant) == (6, 4)
    assert result.citation_recall == pytest.approx(3 / 5)
    assert result.citation_precision == pytest.approx(4 / 6)
    assert "2 of 5 sentences not supported by their citations" in result.problems


def test_an_irrelevant_citation_is_a_problem_even_when_every_sentence_is_supported() -> None:
    made = answer([("gamma delta.", (1, 2))], [P1, P2])
    result = score_answer(gold(["gamma"]), made, WordJudge())
    assert (result.entailed, result.relevant, result.citations) == (1, 1, 2)
    assert "1 irrelevant citation" in result.problems


def test_retrieval_rank_recall_gold_citation_and_keywords() -> None:
    made = answer([("epsilon zeta.", (1,))], [P3], retrieved=[P1, P4, P3, P2])
    item = gold(["The gold quote is here", "not anywhere"], keywords=["Zeta", "omega"])
    result = score_answer(item, made, WordJudge())
    assert result.gold_rank == 3 and (result.quotes_retrieved, result.quotes) == (1, 2)
    assert result.cites_gold is True
    assert (result.keywords_found, result.missing_keywords) == (1, ["omega"])
    assert "1 of 2 gold quotes not retrieved" in result.problems
    assert "missing keywords: omega" in result.problems
    wrong = score_answer(item, answer([("eta theta.", (1,))], [P4], [P3, P4]), WordJudge())
    assert wrong.cites_gold is False and wrong.gold_rank == 1
    assert "cites no passage holding a gold quote" in wrong.problems


def test_refusals_are_counted_and_not_judged() -> None:
    refusal = answer([(CANNOT_ANSWER, ())], [], [P1], answered=False)
    judge = WordJudge()
    right = score_answer(gold(answerable=False), refusal, judge)
    wrong = score_answer(gold(["alpha beta"]), refusal, judge)
    assert right.refused and not right.problems and not judge.calls
    assert right.citation_recall is None and right.citation_precision is None
    assert "refused an answerable question" in wrong.problems
    answered = score_answer(gold(answerable=False), answer([("alpha.", (1,))], [P1]), judge)
    assert "answered a question the corpus cannot answer" in answered.problems


def test_a_sentinel_sentence_inside_an_answer_is_not_judged() -> None:
    made = answer([("alpha beta.", (1,)), (CANNOT_ANSWER, ())], [P1])
    result = score_answer(gold(["alpha"]), made, WordJudge())
    assert (result.sentences, result.entailed) == (1, 1)


def test_totals_average_where_each_metric_applies() -> None:
    judge = WordJudge()
    good = score_answer(gold(["alpha beta"], ["alpha"]), answer([("alpha.", (1,))], [P1]), judge)
    half = score_answer(
        gold(["gamma delta"]),
        answer([("alpha.", (1,)), ("zeta.", (1,))], [P2], retrieved=[P1, P2]),
        judge,
    )
    refused = score_answer(gold(answerable=False), answer([], [], [P1], answered=False), judge)
    failed = QuestionResult("x", "q", True, error="boom")
    t = totals([good, half, refused, failed])
    assert (t.questions, t.answerable, t.unanswerable, t.failed) == (4, 3, 1, 1)
    assert t.recall_at_k == 1.0 and t.mrr == pytest.approx((1 + 0.5) / 2)
    assert t.citation_recall == pytest.approx((1 + 0.5) / 2)
    assert t.citation_precision == pytest.approx((1 + 0.5) / 2)
    assert t.citation_correct == 1.0 and t.keyword_accuracy == 1.0
    assert t.unanswerable_refused == 1.0 and t.answerable_refused == 0.0
    assert totals([failed]).citation_recall is None


# reports ---------------------------------------------------------------------------


def report_of(results: Sequence[QuestionResult], judge: str = "word judge") -> Report:
    return Report(
        gold="g.jsonl",
        answers="a.jsonl",
        created="2026-01-01T00:00:00+00:00",
        judge=JudgeName("test", judge),
        totals=totals(results),
        questions=list(results),
        support_threshold=0.5,
        answerer=["extractive"],
    )


def sample_report() -> Report:
    judge = WordJudge()
    ok = score_answer(gold(["alpha"]), answer([("alpha.", (1,))], [P1]), judge)
    bad = score_answer(gold(["alpha"]), answer([("<b>zeta</b>.", (1,))], [P1]), judge)
    bad.support = [0.2]
    failed = QuestionResult("broken|id", "q", True, error="the LLM endpoint failed")
    return report_of([ok, bad, failed])


def test_reports_put_failures_first_and_escape_text() -> None:
    report = sample_report()
    md = markdown(report, "support.svg")
    rows = [line for line in md.splitlines() if line.startswith("| ") and "|---" not in line]
    question_rows = rows[rows.index(next(r for r in rows if r.startswith("| id |"))) + 1 :]
    assert question_rows[0].startswith("| broken\\|id | failed: the LLM endpoint failed")
    assert "not supported" in question_rows[1] and "| ok |" in question_rows[2]
    page = to_html(report)
    assert "<b>zeta</b>" not in page and "&lt;b&gt;zeta&lt;/b&gt;" in page
    parser = HTMLParser()
    parser.feed(page)
    assert page.index("broken|id") < page.index("&lt;b&gt;zeta")


def test_the_histogram_is_svg_with_a_bar_per_bin() -> None:
    svg = ET.fromstring(histogram(sample_report()))
    bars = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert len(bars) == 20
    titles = [bar.find("{http://www.w3.org/2000/svg}title").text or "" for bar in bars]  # type: ignore[union-attr]
    assert titles[4].endswith(": 1") and titles[18].endswith(": 1")  # 0.2, and 0.9


def test_compare_shows_both_runs_and_what_changed() -> None:
    judge = WordJudge()
    a = report_of([score_answer(gold(["alpha"]), answer([("zeta.", (1,))], [P1]), judge)])
    b = report_of([score_answer(gold(["alpha"]), answer([("alpha.", (1,))], [P1]), judge)])
    text = compare(a, b, ["a.json", "b.json"])
    assert "| Citation recall (ALCE) | 0.000 | 1.000 | +1.000 |" in text
    assert "| g | 1 of 1 sentences not supported by their citations | ok |" in text


# judges ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [("Yes", True), ("yes.", True), ("**No**", False), ("No, the premise says 2029.", False),
     ("'yes'", True), ("Maybe", None), ("", None)],
)  # fmt: skip
def test_judge_replies_are_read_as_yes_or_no(reply: str, verdict: bool | None) -> None:
    assert _verdict(reply) is verdict


def test_the_judge_is_the_llm_when_one_is_configured() -> None:
    with pytest.raises(RagError, match="--judge llm needs OPENAI_API_KEY"):
        create_judge(Settings(), "llm", None)
    llm = Settings(openai_base_url="http://127.0.0.1:9/v1", judge_model="judge-x")
    judge = create_judge(llm, "auto", None)
    assert isinstance(judge, LLMJudge) and judge.name == "LLM judge-x at http://127.0.0.1:9/v1"


def test_the_llm_judge_asks_about_the_premise_and_reads_the_verdict(server: FakeOpenAI) -> None:
    judge = LLMJudge(Settings(openai_base_url=server.url, llm_retries=0), workers=2)
    server.enqueue("Yes.")
    server.enqueue("No")
    server.enqueue("It depends")
    assert judge.entails("Putin met Nazarbayev.", ["Putin met </premise> Nazarbayev."])
    assert not judge.entails("Putin met Tokayev.", ["Putin met Nazarbayev."])
    with pytest.raises(RagError, match="answered neither yes nor no: 'It depends'"):
        judge.entails("Tokayev won.", ["Tokayev won the election."])
    assert judge.entails("Putin met Nazarbayev.", ["Putin met </premise> Nazarbayev."])
    assert len(server.chats) == 3  # the repeated question came from the cache
    prompt = server.chats[0]["messages"][0]["content"]
    assert "Claim: Putin met Nazarbayev." in prompt and prompt.count("</premise>") == 1


# the command, on the seed corpus ---------------------------------------------------


def read(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def eval_env(index: Settings, **extra: str) -> dict[str, str]:
    return {**index_env(index), **extra}


@pytest.mark.slow
def test_rag_eval_measures_the_seed_gold_set_offline(seed_index: Settings, tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = rag("eval", str(SEED_GOLD), "-o", str(out), **eval_env(seed_index))
    assert done.returncode == 0, done.stderr
    assert "judge: local support scorer (threshold 0.5)" in done.stdout
    report = read(out / "report.json")
    t = report["totals"]
    assert (t["questions"], t["failed"], t["k"]) == (21, 0, 6)
    # Two answerable questions are answered only inside experts' quotations that run over
    # several paragraphs; their sentences are not quoted without the speaker, so one is
    # refused and the other answered from other passages. The refusal threshold, set so
    # that few answerable news questions are refused, lets one of the four unanswerable
    # ones ("the population of Kazakhstan") be answered with the nearest sentences.
    assert t["recall_at_k"] >= 0.9 and t["mrr"] >= 0.8 and t["citation_correct"] >= 0.75
    assert t["citation_recall"] >= 0.9 and t["citation_precision"] >= 0.9
    assert t["unanswerable_refused"] >= 0.75 and t["answerable_refused"] <= 1 / 17
    assert report["judge"]["kind"] == "local" and report["answerer"] == ["extractive"]
    assert {p.name for p in out.iterdir()} >= {"answers.jsonl", "report.md", "report.html",
                                               "support.svg", "run.json"}  # fmt: skip
    assert "| Citation recall (ALCE) |" in (out / "report.md").read_text(encoding="utf-8")
    ET.fromstring((out / "support.svg").read_text(encoding="utf-8"))
    scripted = rag("eval", str(SEED_GOLD), "-o", str(out), "--json", **eval_env(seed_index))
    assert json.loads(scripted.stdout)["totals"] == t


@pytest.mark.slow
def test_an_interrupted_eval_resumes_and_changed_settings_answer_anew(
    seed_index: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    assert rag("eval", str(SEED_GOLD), "-o", str(out), **eval_env(seed_index)).returncode == 0
    answers = out / "answers.jsonl"
    lines = answers.read_text(encoding="utf-8").splitlines()
    kept = {json.loads(line)["id"]: json.loads(line)["timings"] for line in lines[:5]}
    answers.write_text("\n".join(lines[:5]) + "\n" + lines[5][:40], encoding="utf-8")  # killed
    again = rag("eval", str(SEED_GOLD), "-o", str(out), **eval_env(seed_index))
    assert again.returncode == 0, again.stderr
    records = [json.loads(line) for line in answers.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 21 and read(out / "report.json")["totals"]["failed"] == 0
    assert all(r["timings"] == kept[r["id"]] for r in records if r["id"] in kept)
    fewer = rag("eval", str(SEED_GOLD), "-o", str(out), **eval_env(seed_index, RAG_TOP_K="3"))
    assert "answering anew: the settings or the index changed" in fewer.stderr
    assert read(out / "report.json")["totals"]["k"] == 3


@pytest.mark.slow
def test_failures_are_reported_and_the_rest_is_measured(
    seed_index: Settings, tmp_path: Path
) -> None:
    lines = SEED_GOLD.read_text(encoding="utf-8").splitlines()[:3]
    gold_file = write(tmp_path / "g.jsonl", "\n".join([*lines, "{broken", '{"id": "empty"}']))
    done = rag("eval", str(gold_file), "-o", str(tmp_path / "run"), **eval_env(seed_index))
    assert done.returncode == 1
    assert "error: line-4: line 4 is not JSON" in done.stderr
    report = read(tmp_path / "run" / "report.json")
    assert report["totals"]["failed"] == 2 and report["totals"]["questions"] == 5
    assert [q["id"] for q in report["questions"] if not q["error"]] == [
        json.loads(line)["id"] for line in lines
    ]


@pytest.mark.slow
def test_an_answers_file_is_scored_without_answering(seed_index: Settings, tmp_path: Path) -> None:
    questions = write(tmp_path / "q.jsonl", "\n".join(SEED_GOLD.read_text().splitlines()[:4]))
    batch = rag("batch", str(questions), "-o", str(tmp_path / "a.jsonl"), **eval_env(seed_index))
    assert batch.returncode == 0, batch.stderr
    env = {"RAG_INDEX_DIR": str(tmp_path / "no-index")}  # scoring needs no index
    scored = rag("eval", str(questions), "--answers", str(tmp_path / "a.jsonl"),
                 "-o", str(tmp_path / "run"), "--json", **env)  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["totals"]["questions"] == 4
    assert not (tmp_path / "run" / "answers.jsonl").exists()
    missing = rag("eval", str(SEED_GOLD), "--answers", str(tmp_path / "a.jsonl"),
                  "-o", str(tmp_path / "run2"), **env)  # fmt: skip
    assert missing.returncode == 1 and f"no answer in {tmp_path / 'a.jsonl'}" in missing.stderr
    rag("batch", str(questions), "-o", str(tmp_path / "a.csv"), **eval_env(seed_index))
    csv = rag("eval", str(questions), "--answers", str(tmp_path / "a.csv"), **env)
    assert csv.returncode == 2 and "needs a .jsonl file" in csv.stderr


@pytest.mark.slow
def test_compare_on_the_command_line(tmp_path: Path) -> None:
    judge = WordJudge()
    for name, text in (("a", "zeta."), ("b", "alpha.")):
        result = score_answer(gold(["alpha"]), answer([(text, (1,))], [P1]), judge)
        write(tmp_path / f"{name}.json", json.dumps(report_of([result]).to_dict()))
    done = rag("eval", "--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"))
    assert (
        done.returncode == 0
        and "| Citation recall (ALCE) | 0.000 | 1.000 | +1.000 |" in done.stdout
    )
    bad = rag("eval", "--compare", str(tmp_path / "a.json"), str(write(tmp_path / "x.json", "[]")))
    assert bad.returncode == 2 and "x.json: not a report written by rag eval" in bad.stderr


@pytest.mark.slow
def test_eval_with_an_llm_answering_and_judging(
    seed_index: Settings, server: FakeOpenAI, tmp_path: Path
) -> None:
    rows = [json.loads(line) for line in SEED_GOLD.read_text().splitlines()]
    picked = [rows[1], rows[-1]]  # the meeting date; an unanswerable question
    gold_file = write(tmp_path / "g.jsonl", "\n".join(json.dumps(r) for r in picked))
    server.enqueue("Putin and Nazarbayev met on December 27, 2025 [1]. They met in Moscow [1].")
    server.enqueue(CANNOT_ANSWER)
    server.enqueue("yes")  # the first sentence
    server.enqueue("no")  # the second
    env = eval_env(seed_index, OPENAI_BASE_URL=server.url, RAG_LLM_RETRIES="0")
    done = rag("eval", str(gold_file), "-o", str(tmp_path / "run"), "--workers", "1", **env)
    assert done.returncode == 0, done.stderr
    report = read(tmp_path / "run" / "report.json")
    assert report["judge"]["kind"] == "llm" and report["answerer"][0].startswith("llm ")
    first = report["questions"][0]
    assert (first["sentences"], first["entailed"], first["citation_recall"]) == (2, 1, 0.5)
    assert report["totals"]["unanswerable_refused"] == 1.0
    judged = [c["messages"][0]["content"] for c in server.chats[2:]]
    assert "Claim: They met in Moscow." in judged[1] and "<premise>" in judged[1]
    server.enqueue_status(500, times=1)
    failed = rag("eval", str(gold_file), "--answers", str(tmp_path / "run" / "answers.jsonl"),
                 "-o", str(tmp_path / "run2"), "--workers", "1", **env)  # fmt: skip
    assert failed.returncode == 1 and "judge: the LLM endpoint" in failed.stderr


# the local judge, checked ------------------------------------------------------------


def test_the_labelled_judge_pairs_are_well_formed() -> None:
    rows = [json.loads(line) for line in (REPO / "eval" / "judge_pairs.jsonl").open()]
    corpus = [p.read_text(encoding="utf-8") for p in (REPO / "corpus").glob("*.md")]
    assert len({row["id"] for row in rows}) == len(rows) >= 50
    assert {row["label"] for row in rows} == {"supported", "unsupported", "contradicted"}
    assert all(any(p in text for text in corpus) for row in rows for p in row["passages"])


@pytest.mark.slow
def test_a_planted_wrong_citation_and_unsupported_sentence_are_caught(
    seed_index: Settings,
) -> None:
    from rag.pipeline import Pipeline

    pipeline = Pipeline.from_settings(seed_index)
    judge = LocalJudge(pipeline.scorer, 0.5)
    item = next(i for i in read_gold(SEED_GOLD) if i.id == "meeting-date")
    hits = pipeline.retriever.retrieve(item.ask.question)
    date = next(n for n, h in enumerate(hits, 1) if "December 27, 2025" in h.passage.text)
    other = next(n for n, h in enumerate(hits, 1) if "2025" not in h.passage.text)
    sentence = "The meeting between Vladimir Putin and Nursultan Nazarbayev took place on "
    right = f"{sentence}December 27, 2025 [{date}]."
    planted = (
        f"{sentence}December 27, 2025 [{other}]. "
        f"Nazarbayev said he would stand for president again in 2029 [{date}]."
    )
    question = item.ask.question
    good = score_answer(item, pipeline.check(question, question, right, hits), judge)
    bad = score_answer(item, pipeline.check(question, question, planted, hits), judge)
    assert (good.sentences, good.entailed, good.relevant) == (1, 1, 1)
    assert (bad.sentences, bad.entailed, bad.relevant) == (2, 0, 0)
    assert "2 of 2 sentences not supported by their citations" in bad.problems
