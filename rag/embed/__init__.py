"""Text to vectors: the ``Embedder`` protocol, the choice of runtime for the bundled
MiniLM (ONNX int8/float32, torch, NumPy for questions), and the OpenAI embedder.

Owns: the runtime choice (``settle``) and every embedder. Must not: download anything at run
time, know about Chroma, passages or answers.
"""
