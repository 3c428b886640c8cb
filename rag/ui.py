"""The web UI's layout: chat on the left, the current answer's sources on the right, and a
library tab. ``create_app`` returns the Blocks; ``app.py`` launches them."""

from __future__ import annotations

from typing import Any

from rag.chat import ChatApp, example_questions
from rag.corpus import READERS
from rag.library import COLUMNS
from rag.pipeline import Pipeline
from rag.settings import Settings
from rag.webview import sources_html

#: Questions answered at once (by the chat and the API each); more wait in Gradio's queue.
CONCURRENCY = 4


def create_app(settings: Settings, pipeline: Pipeline | None = None) -> Any:
    """The Gradio Blocks of the app, on the index ``settings`` select."""
    import gradio as gr

    app = ChatApp(settings, pipeline)
    app.warm_up()
    rows = app.library()
    with gr.Blocks(title="rag — cited answers", analytics_enabled=False) as blocks:
        gr.Markdown(f"### Cited answers from the corpus\n{app.describe()}")
        with gr.Tab("Chat"):
            chat_tab(gr, app, rows)
        with gr.Tab("Library"):
            library_tab(gr, app, rows)
        gr.api(app.ask, api_name="ask")
    return blocks.queue(default_concurrency_limit=CONCURRENCY)


def chat_tab(gr: Any, app: ChatApp, rows: list[list[Any]]) -> None:
    """Chat and controls on the left, sources on the right."""
    answers = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chat = gr.Chatbot(elem_id="chat", height=520, label="Conversation")
            question = gr.Textbox(
                elem_id="question", placeholder="Ask about the corpus…", show_label=False
            )
            with gr.Row():
                ask = gr.Button("Ask", variant="primary", elem_id="ask")
                new = gr.Button("New conversation", elem_id="new-chat")
            gr.Examples(example_questions(rows), inputs=[question], label="Examples")
            controls = filter_controls(gr, rows)
            with gr.Row():
                md = gr.DownloadButton("Export Markdown", elem_id="export-md")
                js = gr.DownloadButton("Export JSON", elem_id="export-json")
        with gr.Column(scale=2):
            sources = gr.HTML(sources_html(None), elem_id="sources", label="Sources")
    outputs = [chat, sources, answers, question]
    inputs = [question, chat, answers, *controls]
    for trigger in (ask.click, question.submit):
        done = trigger(app.respond, inputs, outputs)
        done.then(lambda a: app.export(a, "md"), [answers], [md])
        done.then(lambda a: app.export(a, "json"), [answers], [js])
    new.click(app.new_chat, None, outputs)


def filter_controls(gr: Any, rows: list[list[Any]]) -> list[Any]:
    """Outlets, articles, date range and k, in a closed accordion."""
    outlets = sorted({str(row[1]) for row in rows if row[1]})
    articles = [(f"{row[0] or row[4]}", str(row[4])) for row in rows]
    with gr.Accordion("Filters", open=False):
        outlet = gr.Dropdown(outlets, multiselect=True, label="Outlets", elem_id="outlets")
        article = gr.Dropdown(articles, multiselect=True, label="Articles", elem_id="articles")
        with gr.Row():
            since = gr.Textbox(label="Published since (YYYY-MM-DD)", elem_id="since")
            until = gr.Textbox(label="Published until (YYYY-MM-DD)", elem_id="until")
        k = gr.Slider(1, 20, value=6, step=1, label="Passages (k)", elem_id="k")
    return [outlet, article, since, until, k]


def library_tab(gr: Any, app: ChatApp, rows: list[list[Any]]) -> None:
    """The indexed articles, and upload of new files."""
    table = gr.Dataframe(
        rows,
        headers=COLUMNS,
        elem_id="library",
        interactive=False,
        wrap=True,
        column_widths=["38%", "14%", "12%", "8%", "28%"],
    )
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
        return app.ingest(files)  # the ingest's own bars (reading, embedding) are shown

    ingest.click(ingest_with_progress, [upload], [result, table])
