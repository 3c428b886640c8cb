"""What the app and `rag ask` show, built from plain answers: citation links per answer,
"also in" names, article labels and example questions."""

from __future__ import annotations

import re

from rag.app.library import article_choices, example_questions
from rag.present.html import Turn, answer_html, conversation_markdown, source_card, sources_html
from rag.present.render import render_answer
from rag.types import Answer, Filters, Passage, Sentence, Source


def passage(article: str, title: str, outlet: str = "", published: str = "") -> Passage:
    meta = {k: v for k, v in (("title", title), ("outlet", outlet), ("published", published)) if v}
    text = f"{title} was reported in detail."
    return Passage(f"{article}#0", article, 0, text, 0, len(text), f"{article}.md", None, meta)


def answer(question: str, *sources: Passage) -> Answer:
    numbered = tuple(Source(n, p, ((0, 5),)) for n, p in enumerate(sources, start=1))
    sentences = tuple(Sentence(f"Claim {n}.", (n,), 0.9, True) for n in range(1, len(sources) + 1))
    return Answer(question, "", sentences, numbered, "extractive", "extractive")


def test_each_answers_citations_lead_to_its_own_cards() -> None:
    first = answer("Who met?", passage("kremlin", "Kremlin meeting"))
    second = answer("What was pledged?", passage("summit", "Caravan summit"))
    assert re.findall(r'href="#([^"]+)"', answer_html(second, 2)) == ["a2-s1"]
    assert re.findall(r'href="#([^"]+)"', answer_html(first, 1)) == ["a1-s1"]
    html = sources_html([first, second])
    groups = re.findall(r'<div class="answer-sources( current)?" id="(a\d)-sources">', html)
    assert groups == [("", "a1"), (" current", "a2")]  # the last answer's sources are shown
    first_group, second_group = html.split('id="a2-sources"')
    assert 'id="a1-s1"' in first_group and "Kremlin meeting" in first_group
    assert 'id="a2-s1"' in second_group and "Caravan summit" in second_group
    assert "Caravan summit" not in first_group


def test_also_in_names_the_outlet_and_date_in_the_app_and_the_terminal() -> None:
    main = passage("wire-a", "Ferries return", "Wire Daily", "2025-03-04")
    copies = (
        passage("wire-b", "Ferries return", "Steppe Post", "2025-03-05"),
        passage("wire-c", "Ferries return"),
    )
    source = Source(1, main, ((0, 5),), copies)
    expected = "also in: Ferries return — Steppe Post, 2025-03-05; Ferries return"
    assert expected in source_card(source, None)
    shown = answer("Are ferries back?", main)
    shown = Answer(shown.question, "", shown.sentences, (source,), "extractive", "extractive")
    assert f"    {expected}\n" in render_answer(shown)


def test_syndicated_articles_are_told_apart_by_outlet_date_and_id() -> None:
    rows = [
        ["Ferries return", "Wire Daily", "2025-03-04", 2, "wire/a.md"],
        ["Ferries return", "Steppe Post", "2025-03-04", 2, "steppe/b.md"],
        ["Ferries return", "Steppe Post", "2025-03-04", 2, "steppe/c.md"],
        ["", "", "", 1, "notes.md"],
    ]
    assert article_choices(rows) == [
        ("Ferries return — Wire Daily, 2025-03-04", "wire/a.md"),
        ("Ferries return — Steppe Post, 2025-03-04 (steppe/b.md)", "steppe/b.md"),
        ("Ferries return — Steppe Post, 2025-03-04 (steppe/c.md)", "steppe/c.md"),
        ("notes.md", "notes.md"),
    ]


def test_example_questions_are_questions_about_whole_headlines() -> None:
    titles = [
        ("Creek", ""),
        ("BREAKING: Creek", "Wire Daily"),
        ("Nazarbayev at the Kremlin — what signal is Moscow sending to Astana? Expert views", ""),
        ("Aral Sea ferry line reopens after two decades", "Delta Gazette"),
        ("Reuters | Oil prices climb as OPEC cuts output", ""),
        ('<img src=x onerror="alert(1)">Hostile', "Steppe Courier"),
        ("", ""),
    ]
    rows = [[title, outlet, "", 1, f"id-{i}"] for i, (title, outlet) in enumerate(titles)]
    got = example_questions(rows, count=10)
    assert got == [
        "What signal is Moscow sending to Astana?",
        "What does the Delta Gazette article “Aral Sea ferry line reopens after two decades” say?",
        "What does the article “Oil prices climb as OPEC cuts output” say?",
    ]
    assert example_questions(rows) == got[:3] and example_questions(rows, count=1) == got[:1]
    assert example_questions(rows[:2]) == []  # a single name is nothing to ask about


def test_the_markdown_export_says_how_each_question_was_asked() -> None:
    turns = [
        Turn(answer("Who met?", passage("kremlin", "Kremlin meeting")), Filters(), 6, "T1"),
        Turn(answer("Since?"), Filters(("A", "B"), ("x.md",), "2024-01-01", None), 3, "T2"),
        Turn(answer("Who said?"), Filters(speakers=("Abishev",)), 6, "T3"),
    ]
    text = conversation_markdown(turns)
    assert "## Who met?\n\n*Asked T1 · k = 6 · no filters*\n" in text
    assert "*Asked T2 · k = 3 · outlets: A, B; articles: x.md; since 2024-01-01*" in text
    assert "*Asked T3 · k = 6 · speakers: Abishev*" in text
    assert conversation_markdown([]) == "No questions asked yet.\n"


def test_a_pdf_source_shows_the_page_of_its_quoted_span() -> None:
    text = "First page ends here. Second page starts here."
    report = Passage("r#0", "report.pdf", 0, text, 0, len(text), "report.pdf", 1,
                     {"title": "Dam report"}, page_breaks=(22,))  # fmt: skip
    source = Source(1, report, ((22, len(text)),), (), (2,))
    assert "p. 2" in source_card(source, None)
    shown = Answer("Which page?", "", (Sentence("Second page starts here.", (1,), 1.0, True),),
                   (source,), "extractive", "extractive")  # fmt: skip
    assert "[1] Dam report, p. 2\n" in render_answer(shown)
    assert report.page_at(0) == 1 and report.page_at(30) == 2


def test_a_terminal_source_keeps_headings_and_paragraphs_on_lines_of_their_own() -> None:
    text = "# Dam bursts\nThe dam burst on Saturday.\n## Rescue\nBoats reached the roofs by noon."
    report = Passage("d#0", "dam.md", 0, text, 0, len(text), "dam.md", None, {"title": "Dam"})
    source = Source(1, report, ((text.index("Boats"), len(text)),))
    shown = Answer("When?", "", (Sentence("Boats reached the roofs by noon.", (1,), 1.0, True),),
                   (source,), "extractive", "extractive")  # fmt: skip
    lines = render_answer(shown).splitlines()
    assert lines[-4:] == [
        "    # Dam bursts",
        "    The dam burst on Saturday.",
        "    ## Rescue",
        "    **Boats reached the roofs by noon.**",
    ]
