"""Helpers the tests share, each written once: test modules and ``tests/conftest.py`` (which
keeps only fixtures and pytest hooks) import them from here, never from one another.

- ``files``: the repository, the seed articles, files and corpora a test writes;
- ``fakes``: the fake embedder (vectors from the words of a text) and its log;
- ``hits``: passages and search hits made from bare texts;
- ``fake_openai``: a scripted OpenAI-compatible server on 127.0.0.1;
- ``servers``: free ports, a real Chroma server, the environment of a fresh shell;
- ``index``: indexes built in process, copied, and pointed at by environment or pipeline;
- ``cli``: the ``rag`` command, run as a process (``rag``) or in this one (``run_cli``);
- ``browser``: ``app.py`` run as a server, and the system Chromium to drive it.
"""
