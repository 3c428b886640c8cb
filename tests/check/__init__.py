"""Tests of rag.check."""
