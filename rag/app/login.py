"""The web UI's login, guarded against guessing: after ``CLIENT_LIMIT`` failed logins from
one address within ``WINDOW`` seconds, or ``OVERALL_LIMIT`` from all addresses together,
the login route refuses at once (HTTP 429, saying when to try again) without checking the
password, until the oldest of those failures is ``WINDOW`` seconds old.

``LoginGuard`` is ASGI middleware around Gradio's app: it sees every POST to ``/login``,
answers for Gradio while the caller is locked out, and counts every try as a failure until
Gradio answers it 200 (which forgets the caller's failures), so tries sent all at once are
limited too. Nothing sleeps: a refusal holds no thread.
The limits are read when the guard is made, so a test can shorten them first.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

#: Failed logins one address may make in ``WINDOW`` seconds.
CLIENT_LIMIT = 5
#: Failed logins all addresses together may make in ``WINDOW`` seconds (one guesser
#: spread over many addresses); while it is reached nobody can log in.
OVERALL_LIMIT = 50
#: Seconds a failed login counts against its address and against all.
WINDOW = 60.0
#: Gradio's login route.
LOGIN_PATHS = frozenset({"/login", "/login/"})
#: Shown on the login page.
NOTICE = (
    "After {limit} wrong passwords within {window:g} s, logins from that address are "
    "refused for up to {window:g} s."
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def notice() -> str:
    """What the login page says about the limit."""
    return NOTICE.format(limit=CLIENT_LIMIT, window=WINDOW)


class Failures:
    """When recent logins failed, per address and overall."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.client_limit, self.overall_limit, self.window = CLIENT_LIMIT, OVERALL_LIMIT, WINDOW
        self.clock = clock
        self._clients: dict[str, deque[float]] = {}
        self._overall: deque[float] = deque()
        self._lock = threading.Lock()

    def attempt(self, client: str) -> float:
        """Seconds until ``client`` may try a password (0: now, and the try counts as a
        failure until ``succeeded``, so a burst of tries at once is limited too)."""
        with self._lock:
            now = self.clock()
            mine = self._clients.setdefault(client, deque())
            wait = max(
                self._wait(self._overall, self.overall_limit, now),
                self._wait(mine, self.client_limit, now),
            )
            if wait == 0:
                self._overall.append(now)
                mine.append(now)
            elif not mine:
                del self._clients[client]
            self._forget_gone(now)
            return wait

    def _wait(self, times: deque[float], limit: int, now: float) -> float:
        while times and times[0] <= now - self.window:
            times.popleft()
        return 0.0 if len(times) < limit else times[-limit] + self.window - now

    def _forget_gone(self, now: float) -> None:
        """Drop the addresses with no failure left in the window, once there are many."""
        if len(self._clients) > 4 * self.overall_limit:
            for name, times in list(self._clients.items()):
                if not times or times[-1] <= now - self.window:
                    del self._clients[name]

    def succeeded(self, client: str) -> None:
        """``client`` logged in: its failures are forgotten, its last try no failure."""
        with self._lock:
            mine = self._clients.pop(client, None)
            if mine and mine[-1] in self._overall:
                self._overall.remove(mine[-1])


class LoginGuard:
    """ASGI middleware that refuses logins while their address (or everyone) is locked out,
    and counts the failed ones."""

    def __init__(self, app: App, failures: Failures | None = None) -> None:
        self.app = app
        self.failures = failures or Failures()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        login = scope["type"] == "http" and scope.get("method") == "POST"
        if not login or scope.get("path") not in LOGIN_PATHS:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.failures.attempt(client)
        if wait > 0:
            await refuse(send, wait)
            return
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status == 200:  # else Gradio's 400 "Incorrect credentials.", or a bad form
            self.failures.succeeded(client)


async def refuse(send: Send, wait: float) -> None:
    """Answer 429: too many failed logins, and when to try again."""
    seconds = max(1, math.ceil(wait))
    detail = f"Too many failed logins; try again in {seconds} s."
    body = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(seconds).encode()),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
