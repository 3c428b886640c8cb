"""Tests of rag.app."""
