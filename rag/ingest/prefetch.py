"""Run an iterator one step ahead in a worker thread, so its work overlaps the consumer's."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = object()


@contextmanager
def prefetch(source: Iterator[T], ahead: int = 1) -> Iterator[Iterator[T]]:
    """The items of ``source``, computed in a worker thread at most ``ahead`` items before
    they are taken. An exception in the worker is raised to the consumer; when the
    consumer stops early (an error, Ctrl-C), the worker stops after its current item, and
    the block ends only then: a process must not exit under native code still running in
    the worker (ONNX Runtime aborts it)."""
    items: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in source:
                if not hand_over(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            hand_over(_Failure(exc))
            return
        hand_over(_DONE)

    def drain() -> Iterator[T]:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item

    worker = threading.Thread(target=work, name="prefetch", daemon=True)
    worker.start()
    try:
        yield drain()
    finally:
        stop.set()
        worker.join()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
