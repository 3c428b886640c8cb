"""Showing answers: terminal text (colours, control characters made visible) and the
HTML of answers and source cards shared by the app.

Owns: rendering of ``Answer``s and passages. Must not: answer, retrieve or hold state.
"""
