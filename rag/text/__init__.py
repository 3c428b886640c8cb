"""Plain-text analysis shared by every stage: sentences and their spans, quotations,
verbatim matching of quoted words, and the claims (numbers, names, negations) a sentence makes.

Owns: functions of strings only. Must not: import any other stage of ``rag``, read files,
know about passages, indexes or answers.
"""
