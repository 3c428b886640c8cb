"""Answers from an OpenAI-compatible chat model: the prompts it is given and what is read
from its replies.

This module owns the answer and condense prompts: the numbered sources, defused so that an
article cannot close its own ``<source>`` tag, and the conversation squeezed into a few
bounded turns. It must not talk to the endpoint or word its failures itself; ``ChatClient``
does both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from openai.types.chat import ChatCompletionMessageParam

from rag.answer import prompts
from rag.answer.base import History
from rag.answer.client import ChatClient
from rag.settings import Settings
from rag.types import Hit, Passage

#: How much of the conversation a follow-up is rewritten with.
CONDENSE_TURNS = 6
CONDENSE_TURN_CHARS = 500

#: What the ``<`` of a source tag inside article text becomes (a single left angle quote).
DEFUSED = "\u2039"

_DELIMITER = re.compile(r"<(\s*/?\s*source)", re.IGNORECASE)


class LLMAnswerer:
    """Writes cited answers with a chat model; every failure becomes a one-line LLMError."""

    mode = "llm"

    def __init__(self, settings: Settings) -> None:
        self.chat = ChatClient(settings)
        self.model = self.chat.model
        self.settings = settings
        self.endpoint = self.chat.endpoint

    def answer(self, question: str, hits: Sequence[Hit]) -> Iterator[str]:
        """The answer as the model writes it, grounded in ``hits`` numbered from 1."""
        system = prompts.SYSTEM.format(cannot_answer=prompts.CANNOT_ANSWER)
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user_prompt(question, hits)},
        ]
        yield from self.chat.stream(messages, self.settings.llm_temperature)

    def condense(self, question: str, history: History) -> str:
        """``question`` rewritten to stand alone; unchanged (and no request) without history."""
        if not any(turn.get("role") == "user" and turn.get("content") for turn in history):
            return question
        prompt = prompts.CONDENSE.format(history=render_history(history), question=question)
        return _first_line(self.chat.complete(prompt)) or question


def user_prompt(question: str, hits: Sequence[Hit]) -> str:
    """The user message: every hit as a numbered, delimited source, then the question."""
    sources = "\n\n".join(format_source(number, hit) for number, hit in enumerate(hits, start=1))
    return prompts.USER.format(sources=sources, question=question)


def format_source(number: int, hit: Hit) -> str:
    """One passage between ``<source n>`` delimiters that its own text cannot close."""
    meta = hit.passage.metadata

    def field(name: str) -> str:
        return neutralise(" ".join(meta.get(name, "").split())) or prompts.UNKNOWN

    return prompts.SOURCE.format(
        number=number,
        title=field("title"),
        outlet=field("outlet"),
        date=field("published"),
        said=who_says_what(hit.passage),
        text=neutralise(hit.passage.text.strip()),
    )


def who_says_what(passage: Passage) -> str:
    """The passage's attributed spans as prompt lines: the opening words each span has in
    the passage, and who says them ("" when it has none)."""
    lines = []
    for said in passage.attributions or ():
        if not said.speaker:
            continue
        words = passage.text[max(0, said.start) : min(len(passage.text), said.end)].split()
        opening = " ".join(words[:OPENING_WORDS]) + (" …" if len(words) > OPENING_WORDS else "")
        lines.append(neutralise(prompts.SAID_LINE.format(words=opening, said_by=said.said_by())))
    return prompts.SAID.format(lines="\n".join(lines)) if lines else ""


#: How many of a span's opening words a prompt shows.
OPENING_WORDS = 10


def neutralise(text: str) -> str:
    """``text`` with every ``<source``/``</source`` tag opener defused (``<`` becomes DEFUSED)."""
    return _DELIMITER.sub(lambda match: DEFUSED + match.group(1), text)


def render_history(history: History) -> str:
    """The last turns as ``role: text`` lines, each squeezed to one line of bounded length."""
    lines = []
    for turn in history:
        role, content = turn.get("role"), turn.get("content") or ""
        if role not in ("user", "assistant") or not content.strip():
            continue
        text = " ".join(content.split())
        if len(text) > CONDENSE_TURN_CHARS:
            text = text[: CONDENSE_TURN_CHARS - 1] + "…"
        lines.append(f"{role}: {text}")
    return "\n".join(lines[-CONDENSE_TURNS:])


def _first_line(reply: str) -> str:
    """The first non-empty line of a reply, without surrounding quotes."""
    for line in reply.strip().splitlines():
        line = line.strip().strip("\"'“”").strip()
        if line:
            return line
    return ""
