"""Tests of rag.retrieve."""
