"""Tests of rag.index."""
