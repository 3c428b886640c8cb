"""Question to ranked passages: dense and BM25 search over the snapshot, their fusion,
filters and the collapse of near-duplicate passages.

Owns: ranking policy. Must not: write the index, call an LLM or format answers.
"""
