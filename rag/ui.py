"""The web UI's layout: chat on the left, the answers' sources on the right, and a library
tab. ``create_app`` returns the Blocks; ``app.py`` launches them.

Only ``/ask`` is offered as an API: every other event is private to the page. The filter
choices and the library are read from the index whenever the page loads and after an
upload, so articles ingested meanwhile (here or by ``rag ingest``) can be chosen.
"""

from __future__ import annotations

from typing import Any

from rag.chat import ChatApp
from rag.corpus import READERS
from rag.library import COLUMNS, example_questions
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.webview import sources_html

#: Questions answered at once (by the chat and the API each); more wait in Gradio's queue.
CONCURRENCY = 4
#: Every event but /ask: not listed in the API and not callable by API clients.
PRIVATE = {"api_visibility": "private"}
#: Gradio drops the files it served (exports, uploads) a day old, checked hourly, and all of
#: them when the app stops.
CACHE_CLEANING = (3600, 86400)


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> Any:
    """The Gradio Blocks of the app, on the index ``settings`` select."""
    import gradio as gr

    app = ChatApp(settings, pipeline)
    app.warm_up()
    rows = app.library()
    blocks = gr.Blocks(
        title="rag — cited answers", analytics_enabled=False, delete_cache=CACHE_CLEANING
    )
    with blocks:
        gr.Markdown(f"### Cited answers from the corpus\n{app.describe()}")
        with gr.Tab("Chat"):
            filters = chat_tab(gr, app, rows)
        with gr.Tab("Library"):
            table, refreshing = library_tab(gr, app, rows)

        def refresh() -> tuple[Any, Any, list[list[Any]]]:
            outlets, articles, now = app.choices()
            return gr.Dropdown(choices=outlets), gr.Dropdown(choices=articles), now

        for event in (blocks.load, *refreshing):
            event(refresh, None, [*filters, table], **PRIVATE)
        gr.api(app.ask, api_name="ask")
    return blocks.queue(default_concurrency_limit=CONCURRENCY)


def chat_tab(gr: Any, app: ChatApp, rows: list[list[Any]]) -> list[Any]:
    """Chat and controls on the left, sources on the right; returns the outlet and article
    filters (whose choices follow the index)."""
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
            examples = example_questions(rows)
            if examples:
                gr.Examples(examples, inputs=[question], label="Examples", **PRIVATE)
            controls = filter_controls(gr, rows)
            export_buttons(gr, app, turns)
        with gr.Column(scale=2):
            sources = gr.HTML(sources_html([]), elem_id="sources", label="Sources")
    outputs = [chat, sources, turns, question]
    inputs = [question, chat, turns, *controls]
    for trigger in (ask.click, question.submit):
        trigger(app.respond, inputs, outputs, **PRIVATE)
    new.click(app.new_chat, None, outputs, **PRIVATE)
    return controls[:2]


def export_buttons(gr: Any, app: ChatApp, turns: Any) -> None:
    """ "Export Markdown" and "Export JSON": the file is made on the click, then downloaded
    through a hidden download button."""
    with gr.Row():
        md = gr.Button("Export Markdown", elem_id="export-md")
        js = gr.Button("Export JSON", elem_id="export-json")
    file = gr.DownloadButton(visible="hidden", elem_id="export-file")
    download = "() => document.querySelector('#export-file')?.click()"
    for button, kind in ((md, "md"), (js, "json")):
        made = button.click(exporter(app, kind), [turns], [file], **PRIVATE)
        made.then(None, None, None, js=download, **PRIVATE)


def exporter(app: ChatApp, kind: str) -> Any:
    """The handler that exports the conversation as ``kind`` (md or json)."""
    return lambda turns: app.export(turns, kind)


def filter_controls(gr: Any, rows: list[list[Any]]) -> list[Any]:
    """Outlets, articles, date range and k, in a closed accordion."""
    from rag.library import article_choices, outlet_choices

    with gr.Accordion("Filters", open=False):
        outlet = gr.Dropdown(
            outlet_choices(rows), multiselect=True, label="Outlets", elem_id="outlets"
        )
        article = gr.Dropdown(
            article_choices(rows), multiselect=True, label="Articles", elem_id="articles"
        )
        with gr.Row():
            since = gr.Textbox(label="Published since (YYYY-MM-DD)", elem_id="since")
            until = gr.Textbox(label="Published until (YYYY-MM-DD)", elem_id="until")
        k = gr.Slider(1, 20, value=6, step=1, label="Passages (k)", elem_id="k")
    return [outlet, article, since, until, k]


def library_tab(gr: Any, app: ChatApp, rows: list[list[Any]]) -> tuple[Any, list[Any]]:
    """The indexed articles, and upload of new files; returns the table and the events
    after which what the index holds is read again."""
    table = gr.Dataframe(
        rows,
        headers=COLUMNS,
        elem_id="library",
        interactive=False,
        wrap=True,
        column_widths=["38%", "14%", "12%", "8%", "28%"],
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
        return app.ingest(files)[0]  # the ingest's own bars (reading, embedding) are shown

    ingested = ingest.click(ingest_with_progress, [upload], [result], **PRIVATE)
    return table, [ingested.then, reload.click]
