"""Text made safe to print on a terminal.

Article text, titles, file names and an LLM's words reach standard output and standard
error; a control character among them (an ANSI escape that moves the cursor, rewrites the
title bar or hides text; a bidirectional override that reorders what is read) would act
on the reader's terminal instead of being read. Every such character is written as its
``\\uXXXX`` escape instead, which reads the same in plain text and, inside a JSON string,
decodes to the very character it replaces: JSON output stays valid and means the same.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: C0 controls but tab and newline, DEL, C1 controls, and the bidirectional controls.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: str, keep: Sequence[str] = ()) -> str:
    """``text`` with every control character escaped, except the sequences in ``keep``
    (the tool's own colour marks)."""
    if not keep:
        return _UNSAFE.sub(_escape, text)
    pieces = re.split("(" + "|".join(re.escape(mark) for mark in keep) + ")", text)
    return "".join(piece if piece in keep else _UNSAFE.sub(_escape, piece) for piece in pieces)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"
