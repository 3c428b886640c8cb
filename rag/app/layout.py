"""The web UI's layout: chat on the left, the answers' sources on the right, a library tab
and a timeline tab. ``create_app`` returns the Blocks; ``rag.app.server`` launches them.

Only ``/ask`` and ``/timeline`` are offered as an API: every other event is private to the
page. Nothing of the corpus is in the page as built (its config, served to anyone who may
see the page): the filter choices, the example questions and the library are read from the
index when the page loads, which needs the login where there is one, and after an upload,
so articles ingested meanwhile (here or by ``rag ingest``) can be chosen.

Answers are written ``answer_slots`` at a time by the chat and by the API each: with an LLM
they mostly wait on its endpoint, so there are enough slots that questions whose LLM call
hangs (each until its deadline, RAG_LLM_TIMEOUT) leave room for the others.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rag.app.api import AskApi
from rag.app.chat import ChatApp
from rag.app.export import export_conversation
from rag.app.library import COLUMNS, SPEAKER_COLUMNS, example_questions, speaker_choices
from rag.app.timeline import timeline_view
from rag.app.uploads import add_uploads
from rag.ingest.readers import READERS
from rag.pipeline import Pipeline
from rag.present.html import sources_html
from rag.settings import Settings

#: Events of any other kind run at once (page loads, exports, uploads); more wait in
#: Gradio's queue.
CONCURRENCY = 4
#: Answers written at once by the chat and by the API each, when no LLM writes them: all
#: their work is the CPU's.
CPU_ANSWERS = 4
#: Answers written at once by the chat and by the API each, when an LLM writes them: they
#: wait on its endpoint, a hung call up to its deadline, and need no CPU meanwhile.
LLM_ANSWERS = 16
#: Gradio's worker threads: enough for every answer slot and the page's other events.
THREADS = 2 * LLM_ANSWERS + 16
#: Every event but /ask: not listed in the API and not callable by API clients.
PRIVATE = {"api_visibility": "private"}
#: Gradio drops the files it served (exports, uploads) a day old, checked hourly, and all of
#: them when the app stops.
CACHE_CLEANING = (3600, 86400)


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> Any:
    """The Gradio Blocks of the app, on the index ``settings`` select."""
    import gradio as gr

    app = ChatApp(settings, pipeline)
    app.store()  # an index these settings cannot open fails here, not on each page load
    app.warm_up()
    blocks = gr.Blocks(
        title="rag — cited answers", analytics_enabled=False, delete_cache=CACHE_CLEANING
    )
    with blocks:
        gr.Markdown(f"### Cited answers from the corpus\n{app.describe()}")
        with gr.Tab("Chat"):
            following = chat_tab(gr, app)
        with gr.Tab("Library"):
            tables, refreshing = library_tab(gr, app)
        with gr.Tab("Timeline"):
            timeline_tab(gr, app)

        def refresh() -> tuple[Any, ...]:
            outlets, articles, rows = app.choices()
            speakers = app.speakers()
            samples = [[question] for question in example_questions(rows)]
            examples = gr.Dataset(samples=samples, visible=bool(samples))
            chosen = gr.Dropdown(choices=outlets), gr.Dropdown(choices=articles)
            said = gr.Dropdown(choices=speaker_choices(speakers))
            return *chosen, said, examples, rows, speakers

        for event in (blocks.load, *refreshing):
            event(refresh, None, [*following, *tables], **PRIVATE)
        slots = answer_slots(settings)
        api = AskApi(app)
        gr.api(api.ask, api_name="ask", concurrency_limit=slots, concurrency_id="ask")
        gr.api(api.timeline, api_name="timeline", concurrency_limit=CPU_ANSWERS)
    return blocks.queue(default_concurrency_limit=CONCURRENCY)


def answer_slots(settings: Settings) -> int:
    """Answers written at once by the chat and by the API each."""
    return LLM_ANSWERS if settings.llm_configured else CPU_ANSWERS


def chat_tab(gr: Any, app: ChatApp) -> list[Any]:
    """Chat and controls on the left, sources on the right; returns what follows the
    index: the outlet, article and speaker filters and the example questions."""
    turns = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(elem_id="chat", height=520, label="Conversation")
            question = gr.Textbox(
                elem_id="question", placeholder="Ask about the corpus…", show_label=False
            )
            with gr.Row():
                ask = gr.Button("Ask", variant="primary", elem_id="ask")
                new = gr.Button("New conversation", elem_id="new-chat")
            examples = example_list(gr, question)
            controls = filter_controls(gr)
            export_buttons(gr, turns)
        with gr.Column(scale=2):
            sources = gr.HTML(sources_html([]), elem_id="sources", label="Sources")
    outputs = [chat, sources, turns, question]
    inputs = [question, chat, turns, *controls]
    slots = answer_slots(app.settings)
    for trigger in (ask.click, question.submit):
        trigger(
            app.respond, inputs, outputs, concurrency_limit=slots, concurrency_id="chat", **PRIVATE
        )
    new.click(app.new_chat, None, outputs, **PRIVATE)
    outlet, article, *_, speaker = controls
    return [outlet, article, speaker, examples]


def example_list(gr: Any, question: Any) -> Any:
    """Example questions (none until the page loads); a click puts one in the box."""
    examples = gr.Dataset(
        components=[question], samples=[], label="Examples", visible=False, elem_id="examples"
    )
    examples.click(lambda sample: sample[0], [examples], [question], **PRIVATE)
    return examples


def export_buttons(gr: Any, turns: Any) -> None:
    """ "Export Markdown" and "Export JSON": the file is made on the click, then downloaded
    through a hidden download button."""
    with gr.Row():
        md = gr.Button("Export Markdown", elem_id="export-md")
        js = gr.Button("Export JSON", elem_id="export-json")
    file = gr.DownloadButton(visible="hidden", elem_id="export-file")
    download = "() => document.querySelector('#export-file')?.click()"
    for button, kind in ((md, "md"), (js, "json")):
        made = button.click(exporter(kind), [turns], [file], **PRIVATE)
        made.then(None, None, None, js=download, **PRIVATE)


def exporter(kind: str) -> Any:
    """The handler that exports the conversation as ``kind`` (md or json)."""
    return lambda turns: export_conversation(turns, kind)


def filter_controls(gr: Any) -> list[Any]:
    """Outlets, speakers, articles (their choices filled when the page loads), date range
    and k, in a closed accordion; in the order ``ChatApp.respond`` takes them."""
    with gr.Accordion("Filters", open=False):
        with gr.Row():
            outlet = gr.Dropdown([], multiselect=True, label="Outlets", elem_id="outlets")
            speaker = gr.Dropdown([], multiselect=True, label="Speakers", elem_id="speakers")
        article = gr.Dropdown([], multiselect=True, label="Articles", elem_id="articles")
        with gr.Row():
            since = gr.Textbox(label="Published since (YYYY-MM-DD)", elem_id="since")
            until = gr.Textbox(label="Published until (YYYY-MM-DD)", elem_id="until")
        k = gr.Slider(1, 20, value=6, step=1, label="Passages (k)", elem_id="k")
    return [outlet, article, since, until, k, speaker]


def timeline_tab(gr: Any, app: ChatApp) -> None:
    """A subject and a date range in, the dated events about it out (``rag.app.timeline``)."""
    with gr.Row():
        query = gr.Textbox(
            label="Subject", placeholder="People, an event…", elem_id="timeline-query", scale=2
        )
        since = gr.Textbox(label="Events since (YYYY-MM-DD)", elem_id="timeline-since")
        until = gr.Textbox(label="Events until (YYYY-MM-DD)", elem_id="timeline-until")
    show = gr.Button("Show timeline", variant="primary", elem_id="timeline-show")
    events = gr.HTML("", elem_id="timeline")
    for trigger in (show.click, query.submit):
        trigger(partial(timeline_view, app), [query, since, until], [events],
                concurrency_limit=CPU_ANSWERS, **PRIVATE)  # fmt: skip


def library_tab(gr: Any, app: ChatApp) -> tuple[list[Any], list[Any]]:
    """The indexed articles and their speakers (read when the page loads), and upload of
    new files; returns the two tables and the events after which what the index holds is
    read again."""
    table = gr.Dataframe(
        [],
        headers=COLUMNS,
        elem_id="library",
        interactive=False,
        wrap=True,
        column_widths=["38%", "14%", "12%", "8%", "28%"],
    )
    speakers = gr.Dataframe(
        [],
        headers=SPEAKER_COLUMNS,
        label="Speakers",
        elem_id="speakers-table",
        interactive=False,
        wrap=True,
        column_widths=["18%", "16%", "12%", "6%", "34%", "14%"],
    )
    reload = gr.Button("Refresh", size="sm", elem_id="refresh-library")
    kinds = sorted(READERS)
    upload = gr.File(
        file_count="multiple",
        file_types=kinds,
        label=f"Add articles ({', '.join(kinds)}; up to {app.settings.max_upload_mb:g} MB each)",
        elem_id="upload",
    )
    ingest = gr.Button("Ingest", variant="primary", elem_id="ingest")
    result = gr.Textbox(label="Result", elem_id="upload-result", lines=4, interactive=False)

    def ingest_with_progress(
        files: Any,
        progress: Any = gr.Progress(track_tqdm=True),  # noqa: B008 - Gradio's API
    ) -> Any:
        return add_uploads(app, files)[0]  # the ingest's own bars (reading, embedding) are shown

    ingested = ingest.click(ingest_with_progress, [upload], [result], **PRIVATE)
    return [table, speakers], [ingested.then, reload.click]
