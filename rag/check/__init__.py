"""Answer text to a checked ``Answer``: citations parsed and validated, each sentence's
support by its cited passages scored, quotes verified verbatim, the supporting spans located.

Owns: what may be shown as coming from a source. Must not: retrieve, call an LLM, or render.
"""
