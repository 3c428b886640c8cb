"""Tests of rag.evaluate."""
