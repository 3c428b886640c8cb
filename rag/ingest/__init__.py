"""From files to passages: find the files of a corpus, read each format into an ``Article``
(front matter, dates, metadata), split it into ``Passage``s, screen the text for instructions
addressed to a model, and accept uploads.

Owns: readers, splitting, the injection screen, upload checks. Must not: embed, touch Chroma
or the snapshot (that is ``rag.index``), or answer questions.
"""
