"""One OpenAI-compatible chat endpoint (OpenAI, Ollama, vLLM, llama.cpp, ...), as requests
that either succeed or fail with a one-line LLMError.

This module owns the ``openai`` client made from the settings, the retries and pauses within
one deadline, the streamed reply's text pieces, and the translation of every failure into a
message that names what went wrong, where, and which setting to look at, with no API key in
it. It must not build prompts or know what the replies are for: answering, condensing and
judging are its callers' business.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from rag.errors import ConfigError, LLMError
from rag.settings import Settings

#: Shown as the endpoint when no base URL is set.
OPENAI_ENDPOINT = "https://api.openai.com/v1"
#: Sent as the API key to local servers that need none (Ollama, llama.cpp, ...).
NO_KEY = "not-needed"
#: Longest server-provided detail quoted in an error message.
DETAIL_CHARS = 160
#: HTTP statuses tried again (besides 5xx), as the openai client does.
RETRIED = frozenset({408, 409, 429})
#: Seconds before the first retry; doubled for each next one, up to MAX_PAUSE.
FIRST_PAUSE = 0.5
MAX_PAUSE = 8.0

_SECRET = re.compile(r"\bsk-[\w*-]+")


class ChatClient:
    """Chat completions from the configured model; every failure becomes a one-line LLMError."""

    def __init__(self, settings: Settings) -> None:
        if not settings.llm_configured:
            raise ConfigError("an LLM answer needs OPENAI_API_KEY or OPENAI_BASE_URL to be set")
        key = settings.openai_api_key
        self._key = key.get_secret_value() if key is not None else NO_KEY
        self.model = settings.llm_model
        self.settings = settings
        self.endpoint = _display_url(settings.openai_base_url or OPENAI_ENDPOINT)
        self.client = openai.OpenAI(
            api_key=self._key,
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=0,  # retried here, all tries within one deadline
        )

    def stream(
        self, messages: list[ChatCompletionMessageParam], temperature: float
    ) -> Iterator[str]:
        """The model's reply to ``messages`` in text pieces, as it writes them."""
        stream, patience = self._request(messages, temperature, stream=True)
        try:
            yield from self._deltas(stream)
        except openai.APITimeoutError as exc:  # a pause longer than the time that was left
            stalled = f"{round(patience, 1):g}s (RAG_LLM_TIMEOUT)"
            where = f"the LLM endpoint {self.endpoint}"
            raise LLMError(f"{where} stopped sending the reply for {stalled}") from exc
        except openai.OpenAIError as exc:
            raise LLMError(self._describe(exc, streaming=True)) from exc
        except ValueError as exc:  # an event whose data is not JSON
            raise LLMError(self._malformed(exc)) from exc

    def complete(self, prompt: str) -> str:
        """The model's whole reply to one user message, at temperature 0."""
        reply, _ = self._request([{"role": "user", "content": prompt}], 0.0, stream=False)
        try:
            return _message_text(reply)
        except ValueError as exc:
            raise LLMError(self._malformed(exc)) from exc

    def _request(
        self, messages: list[ChatCompletionMessageParam], temperature: float, *, stream: bool
    ) -> tuple[Any, float]:
        """One chat completion, all its tries within RAG_LLM_TIMEOUT: a timeout, a lost
        connection, 408, 409, 429 or 5xx is tried again while retries and time are left.
        Returns the reply and the seconds its stream may pause; failures become LLMError."""
        deadline = time.monotonic() + self.settings.llm_timeout
        retry = 0
        while True:
            left = deadline - time.monotonic()
            try:
                reply = self.client.chat.completions.create(
                    model=self.model,
                    messages=messages,
                    temperature=temperature,
                    stream=stream,
                    timeout=left,
                )
                return reply, left
            except openai.OpenAIError as exc:
                pause = _pause(exc, retry)
                if (
                    pause is None
                    or retry >= self.settings.llm_retries
                    or (time.monotonic() + pause >= deadline)
                ):
                    raise LLMError(self._describe(exc, streaming=False, tries=retry + 1)) from exc
                time.sleep(pause)
                retry += 1
            except ValueError as exc:  # a body that is not JSON
                raise LLMError(self._malformed(exc)) from exc

    def _deltas(self, stream: openai.Stream[ChatCompletionChunk]) -> Iterator[str]:
        """The text pieces of a streamed reply; LLMError when it is empty or cut short."""
        received, finished = False, False
        with stream:
            for chunk in stream:
                for choice in getattr(chunk, "choices", None) or ():
                    delta = getattr(getattr(choice, "delta", None), "content", None)
                    if isinstance(delta, str) and delta:
                        received = True
                        yield delta
                    finished = finished or bool(getattr(choice, "finish_reason", None))
        where = f"the LLM endpoint {self.endpoint}"
        kind = stream.response.headers.get("content-type", "")
        if not received and "event-stream" not in kind:
            raise LLMError(self._malformed(ValueError(f"expected an event stream, got {kind!r}")))
        if not received:
            raise LLMError(f"{where} sent an empty reply ({self._model})")
        if not finished:
            raise LLMError(f"{where} ended the reply before it was complete ({self._model})")

    @property
    def _model(self) -> str:
        return f"model '{self.model}'"

    def _describe(self, exc: openai.OpenAIError, *, streaming: bool, tries: int = 1) -> str:
        """One line saying what went wrong, where, and which setting to look at."""
        where = f"the LLM endpoint {self.endpoint}"
        if isinstance(exc, openai.APIStatusError):
            return self._status(exc, tries - 1)
        if isinstance(exc, openai.APITimeoutError):
            counted = f"{tries} try" if tries == 1 else f"{tries} tries"
            limit = f"{self.settings.llm_timeout:g}s (RAG_LLM_TIMEOUT, {counted})"
            return f"no reply from {where} within {limit}"
        if isinstance(exc, openai.APIConnectionError) and streaming:
            return f"{where} dropped the connection mid-reply: {self._detail(_root_cause(exc))}"
        if isinstance(exc, openai.APIConnectionError):
            return f"cannot reach {where} (OPENAI_BASE_URL): {self._detail(_root_cause(exc))}"
        if isinstance(exc, openai.APIResponseValidationError):
            return self._malformed(exc)
        if isinstance(exc, openai.APIError):
            detail = self._detail(exc.message)
            return f"{where} reported an error while answering ({self._model}): {detail}"
        return f"{where} could not be used ({self._model}): {self._detail(exc)}"

    def _status(self, exc: openai.APIStatusError, retried: int) -> str:
        where = f"the LLM endpoint {self.endpoint}"
        status, detail = exc.status_code, self._detail(_server_message(exc))
        retries = f"{retried} retry" if retried == 1 else f"{retried} retries"
        if status in (401, 403):
            return f"{where} rejected the API key (OPENAI_API_KEY)"
        if status == 404 and (self.model in detail or exc.code == "model_not_found"):
            return f"{self._model} is not available at {self.endpoint} (RAG_LLM_MODEL)"
        if status == 404:
            return f"{where} has no chat completions API (HTTP 404); check OPENAI_BASE_URL"
        if status == 429:
            return f"{where} is rate-limiting requests (429) after {retries}; try again later"
        if status >= 500:
            return f"{where} failed with HTTP {status} after {retries}: {detail}"
        return f"{where} refused the request for {self._model} (HTTP {status}): {detail}"

    def _malformed(self, exc: BaseException) -> str:
        if isinstance(exc, json.JSONDecodeError):
            reason = f"invalid JSON ({exc.msg} at character {exc.pos})"
        else:
            reason = self._detail(exc)
        return f"the LLM endpoint {self.endpoint} sent a malformed reply: {reason}"

    def _detail(self, value: object) -> str:
        """Server or library text made safe to show: one short line, no API key in it."""
        text = " ".join(str(value).split())
        if self._key and self._key != NO_KEY:
            text = text.replace(self._key, "***")
        text = _SECRET.sub("***", text)
        if len(text) > DETAIL_CHARS:
            text = text[: DETAIL_CHARS - 1] + "…"
        return text or type(value).__name__


def _message_text(reply: object) -> str:
    """The text of a non-streamed completion; ValueError saying why there is none."""
    if isinstance(reply, str):  # the client hands back a body that is not JSON as text
        raise ValueError(f"expected a JSON chat completion, got {reply[:60]!r}")
    choices = getattr(reply, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise ValueError("the completion has no choices")
    message = getattr(choices[0], "message", None)
    if message is None or not hasattr(message, "content"):
        raise ValueError("the first choice has no message")
    content = message.content
    if content is not None and not isinstance(content, str):
        raise ValueError("the message content is not text")
    return content or ""


def _display_url(url: str) -> str:
    """``url`` without a trailing slash or any credentials embedded in it."""
    parts = urlsplit(url.rstrip("/"))
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    return urlunsplit(parts)


def _root_cause(exc: BaseException) -> BaseException:
    """The innermost exception, e.g. the socket error behind a connection error."""
    seen = {id(exc)}
    while exc.__cause__ is not None and id(exc.__cause__) not in seen:
        exc = exc.__cause__
        seen.add(id(exc))
    return exc


def _server_message(exc: openai.APIStatusError) -> str:
    body: Any = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return str(message)
    return exc.message


def _pause(exc: openai.OpenAIError, retry: int) -> float | None:
    """Seconds to wait before trying ``exc``'s request again; None when it is not retried.
    A server's Retry-After (up to a minute) is honoured, else the pause doubles per retry."""
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code not in RETRIED and exc.status_code < 500:
            return None
        try:
            asked = float(exc.response.headers.get("retry-after", ""))
        except ValueError:
            asked = -1.0
        if 0 <= asked <= 60:
            return asked
    elif not isinstance(exc, openai.APIConnectionError):  # timeouts are connection errors
        return None
    return min(FIRST_PAUSE * 2**retry, MAX_PAUSE)
