"""Ranked passages to answer text: the ``Answerer`` protocol, condensing follow-up
questions, every prompt, the OpenAI-compatible chat client, the LLM answerer and the offline
extractive answerer, and the factory that picks one.

Owns: producing raw answer text with ``[n]`` citations. Must not: verify citations (that is
``rag.check``), retrieve, or render.
"""
