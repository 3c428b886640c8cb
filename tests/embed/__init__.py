"""Tests of rag.embed."""
