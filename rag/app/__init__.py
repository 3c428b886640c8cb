"""The web app (``rag serve`` and ``python app.py``): the Gradio layout, chat handlers,
the JSON API, exports, the library and uploads, the login guard and the server launcher.

Owns: widgets, requests and sessions. Must not: contain retrieval, answer or check logic;
every question goes through the ``Pipeline``.
"""
