"""The index on disk or on a Chroma server: the connection, the passages with their
vectors, the record of what was ingested, the read-only snapshot (BM25, vectors, texts) that
questions are answered from, the ingest lock, and the sync that brings the index in step with
a corpus (``rag ingest``).

Owns: everything stored. ``open_index`` is the one way in and returns the settings the index
was built with. Must not: rank, answer or render.
"""
