"""An OpenAI-compatible HTTP server on 127.0.0.1, so tests exercise the real openai client.

It serves ``/v1/embeddings`` (vectors that depend on the text) and ``/v1/chat/completions``
(replies a test scripts in advance, streamed as server-sent events when asked to, and
scripted misbehaviour: HTTP errors, hangs, streams cut short or corrupted, bodies that are
not JSON).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.fakes import text_vector

CHAT_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class Script:
    """What the server does with one chat completion request."""

    #: "reply", "status", "hang", "cut", "unfinished", "garbage", "stream_error", "stall"
    #: or "body".
    kind: str
    text: str = ""
    status: int = 200
    message: str = ""
    code: str | None = None
    seconds: float = 0.0
    content_type: str = "application/json"


class FakeOpenAI:
    """State shared with the handler: requests seen, failures and chat replies to serve next."""

    def __init__(self) -> None:
        #: Every request body, with "path" and "auth" (the Authorization header) added.
        self.requests: list[dict[str, Any]] = []
        #: HTTP statuses served, one per request and before anything else, on every path.
        self.failures: list[int] = []
        #: The base URL, ending in /v1.
        self.url = ""
        self.scripts: list[Script] = []
        #: Writes the reply to a chat request when none is queued: a scripted model.
        self.responder: Callable[[list[dict[str, Any]]], str] | None = None
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def chats(self) -> list[dict[str, Any]]:
        """The chat completion requests received, oldest first."""
        return [r for r in self.requests if r["path"] == CHAT_PATH]

    def enqueue(self, text: str) -> None:
        """Answer the next chat request with ``text`` (streamed in several pieces if asked)."""
        self._add(Script("reply", text=text))

    def enqueue_status(
        self,
        status: int,
        message: str = "injected failure",
        *,
        code: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` chat requests with HTTP ``status`` and an error body."""
        self._add(Script("status", status=status, message=message, code=code), times)

    def enqueue_hang(self, seconds: float = 30.0, *, times: int = 1) -> None:
        """Send nothing for ``seconds`` (or until the server stops), then hang up."""
        self._add(Script("hang", seconds=seconds), times)

    def enqueue_cut(self, text: str) -> None:
        """Stream the first pieces of ``text``, then drop the connection mid-body."""
        self._add(Script("cut", text=text))

    def enqueue_unfinished(self, text: str) -> None:
        """Stream the first pieces of ``text`` and end the body cleanly, without a finish."""
        self._add(Script("unfinished", text=text))

    def enqueue_garbage(self, text: str) -> None:
        """Stream the first pieces of ``text``, then a data line that is not JSON."""
        self._add(Script("garbage", text=text))

    def enqueue_stream_error(self, text: str, message: str) -> None:
        """Stream the first pieces of ``text``, then an error event carrying ``message``."""
        self._add(Script("stream_error", text=text, message=message))

    def enqueue_stall(self, text: str, seconds: float = 30.0) -> None:
        """Stream the first pieces of ``text``, then send nothing for ``seconds``."""
        self._add(Script("stall", text=text, seconds=seconds))

    def enqueue_body(self, body: str, content_type: str = "application/json") -> None:
        """Answer the next chat request with status 200 and exactly ``body``."""
        self._add(Script("body", text=body, content_type=content_type))

    def _add(self, script: Script, times: int = 1) -> None:
        with self._lock:
            self.scripts.extend([script] * times)

    def next_script(self, messages: list[dict[str, Any]]) -> Script | None:
        with self._lock:
            if self.scripts:
                return self.scripts.pop(0)
        return Script("reply", text=self.responder(messages)) if self.responder else None


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(
                {"path": self.path, "auth": self.headers["Authorization"], **body}
            )
            if state.failures:
                self._reply(state.failures.pop(0), _error("injected failure"))
            elif self.path == "/v1/embeddings":
                self._reply(200, _embeddings(body))
            elif self.path == CHAT_PATH:
                self._chat(body, state.next_script(body["messages"]))
            else:
                self._reply(404, _error(f"no route {self.path}"))

        def _chat(self, body: dict[str, Any], script: Script | None) -> None:
            streamed = bool(body.get("stream"))
            if script is None:
                self._reply(400, _error("fake server: no reply scripted for this request"))
            elif script.kind == "status":
                self._reply(script.status, _error(script.message, script.code))
            elif script.kind == "hang":
                state.stopping.wait(script.seconds)
                self.close_connection = True
            elif script.kind == "body":
                self._send(200, script.text.encode(), script.content_type)
            elif streamed:
                self._stream(script, body["model"])
            elif script.kind == "reply":
                self._reply(200, _completion(script.text, body["model"]))
            else:
                self._reply(400, _error(f"fake server: {script.kind} needs a streamed request"))

        def _stream(self, script: Script, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for event in _events(script, model):
                data = f"data: {event}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()
            if script.kind == "stall":
                state.stopping.wait(script.seconds)
            if script.kind != "cut":  # a cut body lacks its closing zero-length chunk
                self.wfile.write(b"0\r\n\r\n")

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _send(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def pieces(text: str) -> list[str]:
    """How a reply is split into streamed deltas: one word (with its spacing) each."""
    return re.findall(r"\s*\S+\s*", text) or [text]


def _events(script: Script, model: str) -> Iterator[str]:
    """The data lines of a streamed reply, following the script's misbehaviour."""
    parts = pieces(script.text)
    if script.kind != "reply":
        parts = parts[: max(1, len(parts) // 2)]
    for part in parts:
        yield json.dumps(_chunk(model, {"content": part}, None))
    if script.kind == "garbage":
        yield "{this is not json"
    elif script.kind == "stream_error":
        yield json.dumps(_error(script.message))
    elif script.kind == "reply":
        yield json.dumps(_chunk(model, {}, "stop"))
        yield "[DONE]"


def _chunk(model: str, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    choice = {"index": 0, "delta": {"role": "assistant", **delta}, "finish_reason": finish}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [choice],
    }


def _completion(text: str, model: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _error(message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}


def _embeddings(body: dict[str, Any]) -> dict[str, Any]:
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    data = [
        {"object": "embedding", "index": i, "embedding": text_vector(text)}
        for i, text in enumerate(inputs)
    ]
    data.reverse()  # the API does not promise order; the client must sort by index
    usage = {"prompt_tokens": 1, "total_tokens": 1}
    return {"object": "list", "data": data, "model": body["model"], "usage": usage}


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    """Serve on a free port of 127.0.0.1 until the block ends."""
    state = FakeOpenAI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True  # a hanging or idle handler never holds up the end
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stopping.set()
        server.shutdown()
        server.server_close()
