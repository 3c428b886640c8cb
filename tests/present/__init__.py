"""Tests of rag.present."""
