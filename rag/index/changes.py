"""The change log: what each ingest changed, so that a copy of the index (a snapshot) is
brought up to date by reading only that from Chroma, not every passage again.

Each ingest that changes passages is one change, numbered in its generation (1, 2, …).
The passages it writes carry the number in their metadata (``seq``); the ids it deletes
are written to the records collection before they go (``c:SEQ:…``); its head record
(``c:SEQ``) names the stamp of the index it started from. A copy at stamp X and change S
is brought to change T by dropping the ids deleted in S+1…T and the passages written
since, and adding the passages whose ``seq`` is above S. That holds only where the head
of S+1 names X and every head up to T is kept (``since`` returns None otherwise, and the
copy is built whole, as before). The last ``KEPT`` changes are kept; a copy further
behind is built whole.

An ingest stopped midway leaves its change unpublished; the next one continues the same
change (its head, written first, is kept), so what the stopped one wrote is still read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.index import records
from rag.index.chroma import chunks, pages
from rag.index.passages import to_passage
from rag.index.snapshot import Snapshot, changed
from rag.types import Passage

#: How many changes are kept for copies to catch up with.
KEPT = 200
#: The record of the last published change.
_PUBLISHED = "g:seq"


@dataclass(frozen=True)
class Delta:
    """What changes S+1…T did: the ids they deleted, and the passages written since
    (with their vectors, one row each; None when not read)."""

    deleted: frozenset[str]
    written: list[Passage]
    vectors: np.ndarray | None


def published(found: Any) -> int:
    """The number of the last published change (0 before the first)."""
    got = found.get(ids=[_PUBLISHED], include=["metadatas"])
    return int(got["metadatas"][0]["seq"]) if got["ids"] else 0


def begin(found: Any, batch: int, stamp: str | None) -> int:
    """Start the change after the last published one, or continue it where an ingest
    stopped midway; ``stamp`` is the index's stamp now (None when one stopped midway)."""
    seq = published(found) + 1
    head = _head(seq)
    if not found.get(ids=[head], include=[])["ids"]:
        records.put(found, batch, [head], [{"kind": "change", "seq": seq, "after": stamp or ""}])
    return seq


def log_deleted(found: Any, batch: int, seq: int, ids: Iterable[str], swept: bool = True) -> None:
    """Record that change ``seq`` deletes ``ids`` (before they are deleted), to be removed
    from Chroma by ``sweep`` unless ``swept`` (they are removed at once)."""
    for part in chunks(ids, 500):
        rid = f"{_head(seq)}:{uuid.uuid4().hex[:12]}"
        meta = {"kind": "deleted", "seq": seq, "ids": json.dumps(part), "swept": int(swept)}
        records.put(found, batch, [rid], [meta])


def removing(found: Any, batch: int) -> dict[str, int]:
    """The passages changes deleted that are still in Chroma (``sweep`` has not removed
    them), each with the last change that deleted it."""
    return _deleted(found, batch, {"$and": [{"kind": "deleted"}, {"swept": 0}]})


def removed(deleted: dict[str, int], pid: str, meta: dict[str, Any]) -> bool:
    """Whether the passage ``pid`` stored with ``meta`` is one of ``deleted`` (a change
    after the one that wrote it deleted it; one written again since is not)."""
    return deleted.get(pid, -1) > int(meta.get("seq", 0))


def sweep(passages: Any, found: Any, batch: int, upto: int) -> None:
    """Remove from Chroma the passages that changes up to ``upto`` deleted and left there
    (``log_deleted``), unless written again since."""
    where = {"$and": [{"kind": "deleted"}, {"swept": 0}, {"seq": {"$lte": upto}}]}
    for page in list(pages(found, ["metadatas"], batch, where)):
        for rid, meta in zip(page["ids"], page["metadatas"], strict=True):
            ids = json.loads(str(meta["ids"]))
            got = passages.get(ids=ids, include=["metadatas"])
            deleted = dict.fromkeys(ids, int(meta["seq"]))
            rows = zip(got["ids"], got["metadatas"], strict=True)
            gone = [pid for pid, stored in rows if removed(deleted, pid, stored)]
            if gone:
                passages.delete(ids=gone)
            found.update(ids=[rid], metadatas=[{**meta, "swept": 1}])


def _deleted(found: Any, batch: int, where: dict[str, Any]) -> dict[str, int]:
    """Ids the deletion records matching ``where`` name, each with its last change."""
    deleted: dict[str, int] = {}
    for page in pages(found, ["metadatas"], batch, where):
        for meta in page["metadatas"]:
            seq = int(meta["seq"])
            for pid in json.loads(str(meta["ids"])):
                deleted[pid] = max(seq, deleted.get(pid, seq))
    return deleted


def finish(found: Any, batch: int, seq: int) -> None:
    """Mark change ``seq`` published, and forget the changes ``KEPT`` before it."""
    records.put(found, batch, [_PUBLISHED], [{"seq": seq}])
    old = {"$and": [{"kind": {"$in": ["change", "deleted"]}}, {"seq": {"$lte": seq - KEPT}}]}
    for got in pages(found, [], batch, old):
        found.delete(ids=got["ids"])


def since(
    passages: Any, found: Any, batch: int, seq: int, stamp: str, upto: int, vectors: bool = True
) -> Delta | None:
    """What changes ``seq``+1…``upto`` did to a copy at change ``seq`` and ``stamp`` (with
    the vectors of what they wrote, unless not ``vectors``); None where the log cannot say
    (it does not go on from that copy, or is no longer kept)."""
    if not seq < upto <= seq + KEPT:
        return None
    heads = [_head(n) for n in range(seq + 1, upto + 1)]
    got = found.get(ids=heads, include=["metadatas"])
    after = {rid: meta.get("after") for rid, meta in zip(got["ids"], got["metadatas"], strict=True)}
    if len(after) != len(heads) or after[heads[0]] != stamp:
        return None
    span = {"$and": [{"kind": "deleted"}, {"seq": {"$gt": seq}}, {"seq": {"$lte": upto}}]}
    deleted = _deleted(found, batch, span)
    written: list[Passage] = []
    rows: list[Any] = []
    include = ["documents", "metadatas", "embeddings"][: 3 if vectors else 2]
    between = {"$and": [{"seq": {"$gt": seq}}, {"seq": {"$lte": upto}}]}
    for page in pages(passages, include, batch, between):
        found_vectors = page["embeddings"] if vectors else [None] * len(page["ids"])
        columns = (page["ids"], page["documents"], page["metadatas"], found_vectors)
        for pid, text, meta, vector in zip(*columns, strict=True):
            if not removed(deleted, pid, meta):  # deleted later, still in its grace
                written.append(to_passage(pid, text, meta))
                rows.append(vector)
    if not vectors:
        return Delta(frozenset(deleted), written, None)
    found_rows = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1 if rows else 0)
    return Delta(frozenset(deleted), written, found_rows)


def apply(snapshot: Snapshot, delta: Delta, stamp: str, seq: int) -> Snapshot:
    """``snapshot`` with the changes of ``delta`` applied: the passages they deleted or
    wrote again dropped, those they wrote added; as of ``stamp`` and change ``seq``."""
    dropped = delta.deleted | {p.id for p in delta.written}
    return changed(snapshot, dropped, delta.written, delta.vectors, stamp, seq)


def _head(seq: int) -> str:
    return f"c:{seq}"
