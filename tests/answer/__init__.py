"""Tests of rag.answer."""
